using System.Globalization;
using TransferKit.Engine;

namespace TransferKit.Audio;

/// <summary>
/// Speed perturbation (Ko et al., 2015: Kaldi's 0.9 / 1.0 / 1.1 recipe; torchaudio's
/// <c>SpeedPerturbation</c> and <c>functional.speed</c>): a clip at <see cref="SampleRate"/> is
/// treated as if it had been recorded at round(rate · factor) Hz and resampled to the rate with
/// <see cref="Resampler"/>, so it plays <c>factor</c> times faster: its duration is divided by the
/// factor and its pitch and formants are multiplied by it (a different voice and tempo, a common
/// augmentation for speakers not heard in training). One resampler per factor is built once;
/// dispose the object to free their filters. It is safe to use from several threads.
/// </summary>
/// <example><code>
/// using var speed = new SpeedPerturbation(16000, [0.9, 1.0, 1.1]);
/// using var faster = speed.Apply(wave16k, factorIndex: 2);      // 10 % faster and higher
/// using var any = speed.Apply(wave16k, new Random(seed));        // a factor drawn uniformly
/// </code></example>
public sealed class SpeedPerturbation : IDisposable
{
    private readonly Resampler[] _resamplers;

    /// <summary>Builds the resamplers of each factor.</summary>
    /// <param name="sampleRate">The clips' sample rate (kept by the perturbation).</param>
    /// <param name="factors">Speed factors, at least one, each positive (1 leaves a clip unchanged).</param>
    /// <param name="options">The resampling filter; null for torchaudio's defaults.</param>
    /// <exception cref="ArgumentException">No factor, a factor that is not a positive finite number, or one whose rate rounds to 0 Hz; or the resampler refuses a rate pair.</exception>
    public SpeedPerturbation(int sampleRate, IReadOnlyList<double> factors, ResampleOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentNullException.ThrowIfNull(factors);
        var check = new OptionsCheck(nameof(SpeedPerturbation)).Require(factors.Count > 0, "At least one speed factor is needed.");
        foreach (double f in factors)
            check.Require(double.IsFinite(f) && f > 0 && Math.Round(sampleRate * f) >= 1,
                $"Speed factor {f.ToString(CultureInfo.InvariantCulture)} must be a positive finite number with round({sampleRate} · factor) ≥ 1 Hz.");
        check.ThrowIfAny();
        SampleRate = sampleRate;
        Factors = factors.ToArray();
        _resamplers = new Resampler[Factors.Count];
        try
        {
            for (int i = 0; i < _resamplers.Length; i++) _resamplers[i] = new Resampler(SourceRate(i), sampleRate, options);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The sample rate of the clips, before and after.</summary>
    public int SampleRate { get; }

    /// <summary>The speed factors, in the order given.</summary>
    public IReadOnlyList<double> Factors { get; }

    /// <summary>The rate a clip is taken to have for factor <paramref name="factorIndex"/>: round(<see cref="SampleRate"/> · factor).</summary>
    public int SourceRate(int factorIndex) => (int)Math.Round(SampleRate * Factors[factorIndex]);

    /// <summary>The clip [..., time] played at factor <paramref name="factorIndex"/> (a new tensor or, for a source rate equal to the rate, an alias).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is not that of a factor.</exception>
    public Tensor Apply(Tensor waveform, int factorIndex)
    {
        ArgumentNullException.ThrowIfNull(waveform);
        ArgumentOutOfRangeException.ThrowIfNegative(factorIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(factorIndex, _resamplers.Length);
        return _resamplers[factorIndex].Apply(waveform);
    }

    /// <summary>The clip played at a factor drawn uniformly from <see cref="Factors"/> with <paramref name="random"/>.</summary>
    public Tensor Apply(Tensor waveform, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return Apply(waveform, random.Next(_resamplers.Length));
    }

    /// <summary>Frees the resampling filters.</summary>
    public void Dispose()
    {
        foreach (var r in _resamplers) r?.Dispose();
    }
}
