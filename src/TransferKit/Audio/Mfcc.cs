using TransferKit.Engine;

namespace TransferKit.Audio;

/// <summary>What a spectrogram holds, for <see cref="AmplitudeToDB"/>.</summary>
public enum AmplitudeKind
{
    /// <summary>Power (squared magnitude): dB = 10·log10(x). The default.</summary>
    Power,

    /// <summary>Magnitude: dB = 20·log10(x).</summary>
    Magnitude,
}

/// <summary>
/// Converts a power or magnitude spectrogram to decibels, as torchaudio's
/// <c>transforms.AmplitudeToDB</c>: <c>multiplier · log10(max(x, 1e-10))</c> (reference 1), and
/// with <see cref="TopDb"/> each clip is floored at its maximum minus TopDb. The maximum is taken
/// over the last three dimensions as torchaudio does: per [channel, freq, time] block of a
/// [batch, channel, freq, time] input, over everything of a 3-D or 2-D input.
/// </summary>
public sealed class AmplitudeToDB
{
    /// <summary>The clamp applied before the logarithm.</summary>
    public const double AMin = 1e-10;

    /// <summary>Creates the conversion.</summary>
    /// <param name="kind">Power (10·log10) or magnitude (20·log10).</param>
    /// <param name="topDb">The dynamic range kept below each clip's maximum, or null for none (torchaudio's default); must be non-negative.</param>
    public AmplitudeToDB(AmplitudeKind kind = AmplitudeKind.Power, double? topDb = null)
    {
        if (!Enum.IsDefined(kind)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not an AmplitudeKind.");
        if (topDb is { } t && !(t >= 0 && double.IsFinite(t)))
            throw new ArgumentOutOfRangeException(nameof(topDb), topDb, "TopDb must be a non-negative number or null.");
        Kind = kind;
        TopDb = topDb;
    }

    /// <summary>Power or magnitude.</summary>
    public AmplitudeKind Kind { get; }

    /// <summary>The dynamic range kept, or null.</summary>
    public double? TopDb { get; }

    /// <summary>The decibels of <paramref name="x"/> [..., freq, time].</summary>
    public Tensor Apply(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        double multiplier = Kind == AmplitudeKind.Power ? 10 : 20;
        using var scope = Torch.NewDisposeScope();
        var db = x.Clamp(min: AMin).Log() * (multiplier / Math.Log(10));
        if (TopDb is { } topDb)
        {
            if (x.NDim < 2)
                throw new ArgumentException($"TopDb needs a spectrogram [..., freq, time]; got [{string.Join(", ", x.Shape)}].", nameof(x));
            long[] shape = x.Shape;
            long block = shape[^1] * shape[^2] * (x.NDim > 2 ? shape[^3] : 1);
            var flat = db.Reshape(-1, block);
            var floor = flat.Max(1, keepDim: true).Values - topDb;
            db = flat.Maximum(floor).Reshape(shape);
        }
        return db.MoveToOuterDisposeScope();
    }
}

/// <summary>Settings of <see cref="Mfcc"/>; the defaults are torchaudio's <c>transforms.MFCC</c>.</summary>
public sealed record MfccOptions
{
    /// <summary>Number of coefficients kept (≤ <see cref="MelOptions.NMels"/>). Default 40.</summary>
    public int NMfcc { get; init; } = 40;

    /// <summary>Orthonormal DCT-II (default, <c>norm="ortho"</c>) or the unscaled one times 2 (<c>norm=None</c>).</summary>
    public bool OrthoNorm { get; init; } = true;

    /// <summary>Use log(mel + 1e-6) instead of decibels (floored at 80 dB below the maximum). Default false.</summary>
    public bool LogMels { get; init; }

    /// <summary>The mel bands (the sample rate is here). Default torchaudio's (16 kHz, 128 mels).</summary>
    public MelOptions Mel { get; init; } = new();

    /// <summary>The STFT. Default torchaudio's (n_fft 400, hop 200, power 2).</summary>
    public SpectrogramOptions Spectrogram { get; init; } = new();

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid setting (its own and those of <see cref="Mel"/> and <see cref="Spectrogram"/>).</summary>
    public void Validate()
    {
        var check = new OptionsCheck(nameof(MfccOptions))
            .Require(Mel is not null, "Mel must be set.")
            .Require(Spectrogram is not null, "Spectrogram must be set.")
            .Require(NMfcc > 0, $"NMfcc must be positive; got {NMfcc}.")
            .Require(Mel is null || NMfcc <= Mel.NMels, $"NMfcc ({NMfcc}) must not exceed the number of mel bands ({Mel?.NMels}).");
        check.Include(() => Mel?.Validate())
            .Include(() => Spectrogram?.Validate())
            .ThrowIfAny();
    }
}

/// <summary>
/// Mel-frequency cepstral coefficients, equal to torchaudio's <c>transforms.MFCC</c>: a
/// <see cref="MelSpectrogram"/>, converted to dB (<see cref="AmplitudeToDB"/> with top_db 80) or
/// to log(mel + 1e-6), then a DCT-II over the mel axis: [..., time] → [..., NMfcc, frames].
/// </summary>
public sealed class Mfcc : IWaveformTransform, IDisposable
{
    private readonly MelSpectrogram _mel;
    private readonly Tensor _dct;   // float32 [NMels, NMfcc]
    private readonly AmplitudeToDB _toDb = new(AmplitudeKind.Power, 80);

    /// <summary>Builds the transform.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public Mfcc(MfccOptions? options = null)
    {
        Options = options ?? new MfccOptions();
        Options.Validate();
        _mel = new MelSpectrogram(Options.Mel, Options.Spectrogram);
        _dct = Torch.FromArray(DctMatrix(Options.NMfcc, Options.Mel.NMels, Options.OrthoNorm), Options.Mel.NMels, Options.NMfcc).DetachFromDisposeScope();  // owned by this object
    }

    /// <summary>The settings.</summary>
    public MfccOptions Options { get; }

    /// <summary>The coefficients of <paramref name="waveform"/> [..., time]: [..., NMfcc, frames].</summary>
    public Tensor Apply(Tensor waveform)
    {
        using var scope = Torch.NewDisposeScope();
        var mel = _mel.Apply(waveform);
        var logMel = Options.LogMels ? (mel + 1e-6).Log() : _toDb.Apply(mel);
        var dct = logMel.Dtype == ScalarType.Float32 ? _dct : _dct.To(logMel.Dtype);
        return logMel.Transpose(-1, -2).MatMul(dct).Transpose(-1, -2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The DCT-II matrix [nMels, nMfcc] row-major (torchaudio's <c>create_dct</c>): entry (n, k) is
    /// cos(π/nMels·(n + ½)·k), scaled by √(2/nMels) (and 1/√2 for k = 0) when orthonormal, else by 2.
    /// Computed in float32 with torchaudio's order of operations: the rounding of the cosine's
    /// argument shows at 1e-4 in the coefficients, so the matrix rounds as torchaudio's does.
    /// </summary>
    public static float[] DctMatrix(int nMfcc, int nMels, bool ortho)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nMfcc);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nMels);
        var m = new float[nMels * nMfcc];
        float step = (float)(Math.PI / nMels);
        float first = (float)(1.0 / Math.Sqrt(2.0)), scale = (float)Math.Sqrt(2.0 / nMels);
        for (int n = 0; n < nMels; n++)
        {
            for (int k = 0; k < nMfcc; k++)
            {
                float v = (float)Math.Cos(step * (n + 0.5f) * k);   // a correctly rounded float32 cosine
                if (ortho)
                {
                    if (k == 0) v *= first;
                    v *= scale;
                }
                else
                {
                    v *= 2.0f;
                }
                m[n * nMfcc + k] = v;
            }
        }
        return m;
    }

    /// <summary>Frees the filters and the DCT matrix.</summary>
    public void Dispose()
    {
        _mel.Dispose();
        _dct.Dispose();
    }
}
