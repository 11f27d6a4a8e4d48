using TransferKit.Engine;

namespace TransferKit.Audio;

/// <summary>A feature computed from waveforms [..., time] (a spectrogram, a mel spectrogram, MFCCs...).</summary>
public interface IWaveformTransform
{
    /// <summary>Computes the feature of <paramref name="waveform"/> [..., time]; the caller owns the result.</summary>
    Tensor Apply(Tensor waveform);
}

/// <summary>The analysis window of a short-time Fourier transform (periodic, as PyTorch's window functions by default).</summary>
public enum WindowFunction
{
    /// <summary>Hann: 0.5 − 0.5·cos(2πn/N) (torch.hann_window), the default.</summary>
    Hann,

    /// <summary>Hamming: 0.54 − 0.46·cos(2πn/N) (torch.hamming_window).</summary>
    Hamming,

    /// <summary>All ones.</summary>
    Rectangular,
}

/// <summary>How a spectrogram is scaled (torchaudio's <c>normalized</c>).</summary>
public enum SpectrogramNormalization
{
    /// <summary>No scaling (<c>normalized=False</c>).</summary>
    None,

    /// <summary>Divide the STFT by the window's L2 norm (<c>normalized=True</c> or <c>"window"</c>).</summary>
    Window,

    /// <summary>Divide the STFT by √n_fft (<c>normalized="frame_length"</c>).</summary>
    FrameLength,
}

/// <summary>How a signal is extended at its ends before framing (<c>center=True</c>).</summary>
public enum PadMode
{
    /// <summary>Mirror without repeating the edge sample (PyTorch's <c>reflect</c>), the default.</summary>
    Reflect,

    /// <summary>Zeros.</summary>
    Constant,

    /// <summary>Repeat the edge sample.</summary>
    Replicate,
}

/// <summary>Settings of <see cref="Spectrogram"/>; the defaults are torchaudio's <c>transforms.Spectrogram</c>.</summary>
public sealed record SpectrogramOptions
{
    /// <summary>FFT size; the spectrogram has <c>NFft / 2 + 1</c> frequency bins. Default 400.</summary>
    public int NFft { get; init; } = 400;

    /// <summary>Window length (≤ <see cref="NFft"/>; the window is centred in the frame); null means <see cref="NFft"/>.</summary>
    public int? WinLength { get; init; }

    /// <summary>Samples between frames; null means <c>WinLength / 2</c>.</summary>
    public int? HopLength { get; init; }

    /// <summary>Zeros added at both ends of the signal before anything else. Default 0.</summary>
    public int Pad { get; init; }

    /// <summary>The exponent of the magnitude: 2 for power (default), 1 for magnitude; must be positive.</summary>
    public double Power { get; init; } = 2.0;

    /// <summary>Scaling of the STFT. Default none.</summary>
    public SpectrogramNormalization Normalized { get; init; } = SpectrogramNormalization.None;

    /// <summary>Pad <c>NFft / 2</c> samples at both ends so that frame t is centred on sample t·hop. Default true.</summary>
    public bool Center { get; init; } = true;

    /// <summary>How <see cref="Center"/> pads. Default reflect.</summary>
    public PadMode PadMode { get; init; } = PadMode.Reflect;

    /// <summary>The analysis window. Default Hann.</summary>
    public WindowFunction Window { get; init; } = WindowFunction.Hann;

    /// <summary>The effective window length.</summary>
    public int EffectiveWinLength => WinLength ?? NFft;

    /// <summary>The effective hop length.</summary>
    public int EffectiveHopLength => HopLength ?? EffectiveWinLength / 2;

    /// <summary>Number of frequency bins, <c>NFft / 2 + 1</c>.</summary>
    public int FrequencyBins => NFft / 2 + 1;

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate() => new OptionsCheck(nameof(SpectrogramOptions))
        .Require(NFft > 0, $"NFft must be positive; got {NFft}.")
        .Require(WinLength is null || (WinLength > 0 && WinLength <= NFft), $"WinLength must be in 1..NFft ({NFft}); got {WinLength}.")
        .Require(EffectiveHopLength > 0, $"HopLength must be positive; got {EffectiveHopLength}{(HopLength is null ? " (WinLength / 2)" : "")}.")
        .Require(Pad >= 0, $"Pad must be non-negative; got {Pad}.")
        .Require(Power > 0 && double.IsFinite(Power), $"Power must be a positive number; got {Power}.")
        .Require(Enum.IsDefined(Normalized), $"Normalized {Normalized} is not a SpectrogramNormalization.")
        .Require(Enum.IsDefined(PadMode), $"PadMode {PadMode} is not a PadMode.")
        .Require(Enum.IsDefined(Window), $"Window {Window} is not a WindowFunction.")
        .ThrowIfAny();
}

/// <summary>
/// The magnitude (or power) spectrogram of waveforms, equal to torchaudio's
/// <c>transforms.Spectrogram</c> (one-sided STFT): [..., time] → [..., NFft / 2 + 1, frames]. The
/// signal is padded here (centring, pad modes) and transformed by libtorch's FFT-based STFT, the
/// routine torchaudio itself calls, in the waveform's precision (float32 or float64; other floating
/// types are computed in float32 and converted back). The window is built once; dispose the
/// transform to free it.
/// </summary>
public sealed class Spectrogram : IWaveformTransform, IDisposable
{
    private readonly Tensor _window32;   // float32 [NFft]: the analysis window centred in the frame, zeros around it
    private readonly Tensor _window64;   // the same in float64
    private readonly double _magnitudeScale;   // 1 / sqrt(normaliser), applied to |STFT| as torchaudio divides the STFT

    /// <summary>Builds the transform.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public Spectrogram(SpectrogramOptions? options = null)
    {
        Options = options ?? new SpectrogramOptions();
        Options.Validate();
        int nFft = Options.NFft;
        double[] window = Window(Options.Window, Options.EffectiveWinLength);
        int offset = (nFft - window.Length) / 2;
        var frame = new double[nFft];
        Array.Copy(window, 0, frame, offset, window.Length);
        // Both owned by this object, not by an open scope.
        _window64 = Torch.FromArray(frame, nFft).DetachFromDisposeScope();
        _window32 = Torch.FromArray(frame.Select(w => (float)w).ToArray(), nFft).DetachFromDisposeScope();
        double scale = Options.Normalized switch
        {
            SpectrogramNormalization.Window => window.Sum(w => w * w),
            SpectrogramNormalization.FrameLength => nFft,
            _ => 1,
        };
        _magnitudeScale = 1 / Math.Sqrt(scale);
    }

    /// <summary>The settings.</summary>
    public SpectrogramOptions Options { get; }

    /// <summary>Number of frames for a signal of <paramref name="length"/> samples.</summary>
    public long Frames(long length)
    {
        long padded = length + 2L * Options.Pad + (Options.Center ? 2L * (Options.NFft / 2) : 0);
        return padded < Options.NFft ? 0 : (padded - Options.NFft) / Options.EffectiveHopLength + 1;
    }

    /// <summary>The spectrogram of <paramref name="waveform"/> [..., time] (float32 or float64): [..., bins, frames].</summary>
    /// <exception cref="ArgumentException">The waveform is not floating point, or too short for the frame or the reflection.</exception>
    public Tensor Apply(Tensor waveform)
    {
        ArgumentNullException.ThrowIfNull(waveform);
        ObjectDisposedException.ThrowIf(_window32.IsDisposed, this);
        if (!waveform.Dtype.IsFloatingPoint() || waveform.NDim == 0)
            throw new ArgumentException($"A spectrogram needs a floating-point waveform [..., time]; got {waveform.Dtype} [{string.Join(", ", waveform.Shape)}].", nameof(waveform));
        long[] shape = waveform.Shape;
        long length = shape[^1];
        int nFft = Options.NFft, bins = Options.FrequencyBins;
        if (Frames(length) == 0)
            throw new ArgumentException($"A signal of {length} samples is shorter than one {nFft}-sample frame.", nameof(waveform));

        using var scope = Torch.NewDisposeScope();
        var compute = waveform.Dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var x = waveform.Reshape(-1, length).To(compute);
        if (Options.Pad > 0) x = AudioOps.ConstantPadLast(x, Options.Pad, Options.Pad);
        if (Options.Center)
        {
            int half = nFft / 2;
            x = Options.PadMode == PadMode.Constant
                ? AudioOps.ConstantPadLast(x, half, half)
                : AudioOps.IndexPadLast(x, half, half, reflect: Options.PadMode == PadMode.Reflect);
        }
        var window = compute == ScalarType.Float64 ? _window64 : _window32;
        var magnitude = Tensor.FromNative(NativeMethods.tk_stft_magnitude(x.Handle, nFft, Options.EffectiveHopLength, window.Handle));  // [n, bins, T]
        long t = magnitude.Size(2);
        if (_magnitudeScale != 1) magnitude = magnitude * _magnitudeScale;
        // torchaudio: |STFT| ** power, straight from the magnitude (no square and square root again for power 1).
        var result = Options.Power == 1 ? magnitude : Options.Power == 2 ? magnitude * magnitude : magnitude.Pow(Options.Power);
        long[] outShape = [.. shape[..^1], bins, t];
        return result.To(waveform.Dtype).Reshape(outShape).MoveToOuterDisposeScope();
    }

    /// <summary>Frees the window.</summary>
    public void Dispose()
    {
        _window32.Dispose();
        _window64.Dispose();
    }

    /// <summary>A periodic window of <paramref name="length"/> samples.</summary>
    public static double[] Window(WindowFunction function, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        var w = new double[length];
        for (int n = 0; n < length; n++)
        {
            double c = Math.Cos(2 * Math.PI * n / length);
            w[n] = function switch
            {
                WindowFunction.Hann => 0.5 - 0.5 * c,
                WindowFunction.Hamming => 0.54 - 0.46 * c,
                _ => 1,
            };
        }
        return w;
    }
}
