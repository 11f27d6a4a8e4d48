using TransferKit.Engine;

namespace TransferKit.Audio;

/// <summary>The Hz ↔ mel mapping.</summary>
public enum MelScaleKind
{
    /// <summary>HTK: mel = 2595·log10(1 + f/700), the default.</summary>
    Htk,

    /// <summary>Slaney (Auditory Toolbox, librosa's default): linear below 1 kHz, logarithmic above.</summary>
    Slaney,
}

/// <summary>Normalisation of the mel filters.</summary>
public enum MelNorm
{
    /// <summary>Triangles of peak 1, the default.</summary>
    None,

    /// <summary>Each triangle divided by its width in Hz (times 2): constant energy per band.</summary>
    Slaney,
}

/// <summary>Settings of <see cref="MelScale"/> and <see cref="MelSpectrogram"/>; the defaults are torchaudio's.</summary>
public sealed record MelOptions
{
    /// <summary>The waveform's sample rate (Hz). Default 16000.</summary>
    public int SampleRate { get; init; } = 16000;

    /// <summary>Number of mel bands. Default 128.</summary>
    public int NMels { get; init; } = 128;

    /// <summary>Lowest frequency (Hz). Default 0.</summary>
    public double FMin { get; init; }

    /// <summary>Highest frequency (Hz); null means SampleRate / 2.</summary>
    public double? FMax { get; init; }

    /// <summary>Filter normalisation. Default none.</summary>
    public MelNorm Norm { get; init; } = MelNorm.None;

    /// <summary>The mel scale. Default HTK.</summary>
    public MelScaleKind Scale { get; init; } = MelScaleKind.Htk;

    /// <summary>The effective highest frequency.</summary>
    public double EffectiveFMax => FMax ?? SampleRate / 2.0;

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate() => new OptionsCheck(nameof(MelOptions))
        .Require(SampleRate > 0, $"SampleRate must be positive; got {SampleRate}.")
        .Require(NMels > 0, $"NMels must be positive; got {NMels}.")
        .Require(FMin >= 0 && double.IsFinite(FMin), $"FMin must be a non-negative number; got {FMin}.")
        .Require(FMin < EffectiveFMax, $"FMin ({FMin}) must be below FMax ({EffectiveFMax}).")
        .Require(EffectiveFMax <= SampleRate / 2.0, $"FMax ({EffectiveFMax}) must not exceed the Nyquist frequency ({SampleRate / 2.0}).")
        .Require(Enum.IsDefined(Norm), $"Norm {Norm} is not a MelNorm.")
        .Require(Enum.IsDefined(Scale), $"Scale {Scale} is not a MelScaleKind.")
        .ThrowIfAny();
}

/// <summary>
/// Projects a linear-frequency spectrogram [..., bins, frames] onto mel bands [..., NMels, frames]
/// with triangular filters, as torchaudio's <c>transforms.MelScale</c> (filters of
/// <c>functional.melscale_fbanks</c>). Dispose it to free the filters.
/// </summary>
public sealed class MelScale : IDisposable
{
    private readonly Tensor _filters;   // float32 [NMels, bins]: the filter bank transposed, so that mel = filters @ spectrogram comes out contiguous

    /// <summary>Builds the filters for spectrograms of <paramref name="frequencyBins"/> bins (<c>n_fft / 2 + 1</c>; default 201, i.e. n_fft 400).</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public MelScale(MelOptions? options = null, int frequencyBins = 201)
    {
        Options = options ?? new MelOptions();
        Options.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(frequencyBins, 2);
        FrequencyBins = frequencyBins;
        using (var bank = Torch.FromArray(Filters(frequencyBins, Options), frequencyBins, Options.NMels))
            _filters = bank.Transpose(0, 1).Contiguous().DetachFromDisposeScope();  // owned by this object
    }

    /// <summary>The settings.</summary>
    public MelOptions Options { get; }

    /// <summary>The number of frequency bins expected.</summary>
    public int FrequencyBins { get; }

    /// <summary>Mel bands of <paramref name="spectrogram"/> [..., bins, frames].</summary>
    /// <exception cref="ArgumentException">The spectrogram does not have <see cref="FrequencyBins"/> bins.</exception>
    public Tensor Apply(Tensor spectrogram)
    {
        ArgumentNullException.ThrowIfNull(spectrogram);
        ObjectDisposedException.ThrowIf(_filters.IsDisposed, this);
        if (spectrogram.NDim < 2 || spectrogram.Size(spectrogram.NDim - 2) != FrequencyBins)
            throw new ArgumentException($"Expected a spectrogram [..., {FrequencyBins}, frames]; got [{string.Join(", ", spectrogram.Shape)}].", nameof(spectrogram));
        using var filters = spectrogram.Dtype == ScalarType.Float32 ? _filters.Alias() : _filters.To(spectrogram.Dtype);
        return filters.MatMul(spectrogram);   // [NMels, bins] @ [..., bins, frames]: no transposed copies of the spectrogram
    }

    /// <summary>Frees the filters.</summary>
    public void Dispose() => _filters.Dispose();

    /// <summary>
    /// The filter bank [frequencyBins, NMels] row-major (torchaudio's <c>melscale_fbanks</c>): bin
    /// centres spaced evenly from 0 to SampleRate / 2 (integer division), NMels + 2 points spaced
    /// evenly in mel between FMin and FMax, and triangles between consecutive points. It is
    /// computed in float32 with torchaudio's order of operations, because the rounding of the
    /// narrow low-frequency triangles shows at 1e-4 in the mel spectrogram: the filters equal
    /// torchaudio's to within an ulp or two rather than being more exact than them.
    /// </summary>
    public static float[] Filters(int frequencyBins, MelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(frequencyBins, 2);
        int nMels = options.NMels;
        float[] freqs = Linspace(0, options.SampleRate / 2, frequencyBins);
        float[] mels = Linspace((float)HzToMel(options.FMin, options.Scale), (float)HzToMel(options.EffectiveFMax, options.Scale), nMels + 2);
        float[] points = mels.Select(m => MelToHz(m, options.Scale)).ToArray();
        var fb = new float[frequencyBins * nMels];
        for (int f = 0; f < frequencyBins; f++)
        {
            for (int m = 0; m < nMels; m++)
            {
                float down = -1.0f * (points[m] - freqs[f]) / (points[m + 1] - points[m]);
                float up = (points[m + 2] - freqs[f]) / (points[m + 2] - points[m + 1]);
                float w = MathF.Max(0, MathF.Min(down, up));
                if (options.Norm == MelNorm.Slaney) w *= 2.0f / (points[m + 2] - points[m]);
                fb[f * nMels + m] = w;
            }
        }
        return fb;
    }

    /// <summary>Hz to mel on the given scale.</summary>
    public static double HzToMel(double hz, MelScaleKind scale = MelScaleKind.Htk)
    {
        if (scale == MelScaleKind.Htk) return 2595.0 * Math.Log10(1.0 + hz / 700.0);
        const double fSp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fSp;
        double logStep = Math.Log(6.4) / 27.0;
        return hz >= minLogHz ? minLogMel + Math.Log(hz / minLogHz) / logStep : hz / fSp;
    }

    /// <summary>Mel to Hz on the given scale.</summary>
    public static double MelToHz(double mel, MelScaleKind scale = MelScaleKind.Htk)
    {
        if (scale == MelScaleKind.Htk) return 700.0 * (Math.Pow(10.0, mel / 2595.0) - 1.0);
        const double fSp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fSp;
        double logStep = Math.Log(6.4) / 27.0;
        return mel >= minLogMel ? minLogHz * Math.Exp(logStep * (mel - minLogMel)) : fSp * mel;
    }

    /// <summary><see cref="MelToHz(double, MelScaleKind)"/> in float32, operation by operation as torchaudio's <c>_mel_to_hz</c> on a float32 tensor.</summary>
    private static float MelToHz(float mel, MelScaleKind scale)
    {
        // libtorch's float32 pow and exp round these correctly; so does rounding the double result.
        if (scale == MelScaleKind.Htk) return 700.0f * ((float)Math.Pow(10.0, mel / 2595.0f) - 1.0f);
        const double fSp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fSp;
        double logStep = Math.Log(6.4) / 27.0;
        return mel >= (float)minLogMel ? (float)minLogHz * (float)Math.Exp((float)logStep * (mel - (float)minLogMel)) : (float)fSp * mel;
    }

    /// <summary>
    /// torch.linspace in float32 as libtorch 1.13's CPU kernel computes it (AVX2 build): each block
    /// of 8 starts at fma(step, i, start) in the first half or fma(−step, count − 1 − i, end) in the
    /// second and continues by base + j·step; the last count mod 16 values use the block-start formula.
    /// </summary>
    private static float[] Linspace(float start, float end, int count)
    {
        var v = new float[count];
        float step = count == 1 ? 0 : (end - start) / (count - 1);
        int half = count / 2;
        float At(int i) => i < half ? MathF.FusedMultiplyAdd(step, i, start) : MathF.FusedMultiplyAdd(-step, count - 1 - i, end);
        const int lanes = 8;
        int vectorised = count / (2 * lanes) * (2 * lanes);
        for (int i = 0; i < vectorised; i += lanes)
        {
            float b = At(i);
            v[i] = b;
            for (int j = 1; j < lanes; j++) v[i + j] = b + j * step;
        }
        for (int i = vectorised; i < count; i++) v[i] = At(i);
        return v;
    }
}

/// <summary>
/// A mel spectrogram: <see cref="Spectrogram"/> then <see cref="MelScale"/>, equal to torchaudio's
/// <c>transforms.MelSpectrogram</c>: [..., time] → [..., NMels, frames].
/// </summary>
public sealed class MelSpectrogram : IWaveformTransform, IDisposable
{
    /// <summary>Builds the transform; the defaults are torchaudio's (16 kHz, n_fft 400, hop 200, 128 mels, power 2).</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public MelSpectrogram(MelOptions? mel = null, SpectrogramOptions? spectrogram = null)
    {
        Spectrogram = new Spectrogram(spectrogram);
        try
        {
            Mel = new MelScale(mel, Spectrogram.Options.FrequencyBins);
        }
        catch
        {
            Spectrogram.Dispose();
            throw;
        }
    }

    /// <summary>The STFT stage.</summary>
    public Spectrogram Spectrogram { get; }

    /// <summary>The mel projection stage.</summary>
    public MelScale Mel { get; }

    /// <summary>The mel spectrogram of <paramref name="waveform"/> [..., time]: [..., NMels, frames].</summary>
    public Tensor Apply(Tensor waveform)
    {
        using var spec = Spectrogram.Apply(waveform);
        return Mel.Apply(spec);
    }

    /// <summary>Frees both stages.</summary>
    public void Dispose()
    {
        Spectrogram.Dispose();
        Mel.Dispose();
    }
}
