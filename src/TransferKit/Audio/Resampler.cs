using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Audio;

/// <summary>The window that tapers the sinc interpolation filter of <see cref="Resampler"/>.</summary>
public enum ResamplingMethod
{
    /// <summary>A Hann window (torchaudio's <c>sinc_interp_hann</c>, called <c>sinc_interpolation</c> in 0.13): the default.</summary>
    SincInterpHann,

    /// <summary>A Kaiser window with <see cref="ResampleOptions.Beta"/> (torchaudio's <c>sinc_interp_kaiser</c>, <c>kaiser_window</c> in 0.13).</summary>
    SincInterpKaiser,
}

/// <summary>Settings of <see cref="Resampler"/>; the defaults are torchaudio's.</summary>
public sealed record ResampleOptions
{
    /// <summary>How many zero crossings of the sinc the filter spans on each side (sharper but slower when larger). Default 6.</summary>
    public int LowpassFilterWidth { get; init; } = 6;

    /// <summary>The filter's cut-off as a fraction of the lower Nyquist frequency, below 1 to reduce aliasing. Default 0.99.</summary>
    public double Rolloff { get; init; } = 0.99;

    /// <summary>The window of the filter. Default <see cref="ResamplingMethod.SincInterpHann"/>.</summary>
    public ResamplingMethod Method { get; init; } = ResamplingMethod.SincInterpHann;

    /// <summary>The Kaiser window's shape parameter; null means torchaudio's 14.769656459379492. Only for <see cref="ResamplingMethod.SincInterpKaiser"/>.</summary>
    public double? Beta { get; init; }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate() => new OptionsCheck(nameof(ResampleOptions))
        .Require(LowpassFilterWidth > 0, $"LowpassFilterWidth must be positive; got {LowpassFilterWidth}.")
        .Require(Rolloff > 0 && Rolloff <= 1, $"Rolloff must be in (0, 1]; got {Rolloff}.")
        .Require(Enum.IsDefined(Method), $"Method {Method} is not a ResamplingMethod.")
        .Require(Beta is null || (double.IsFinite(Beta.Value) && Beta.Value >= 0), $"Beta must be a non-negative finite number; got {Beta}.")
        .ThrowIfAny();
}

/// <summary>
/// Changes the sample rate of waveforms with a windowed-sinc filter, computing what torchaudio's
/// <c>torchaudio.functional.resample</c> (0.13) computes: both rates are divided by their greatest
/// common divisor g, the signal is zero-padded and convolved with <c>new/g</c> polyphase filters at a
/// stride of <c>orig/g</c>, and the output has <c>ceil(new/g · length / (orig/g))</c> samples. The
/// filters are built once (in double precision) and reused; dispose the resampler to free them.
/// </summary>
/// <example><code>
/// using var to16k = new Resampler(8000, 16000);
/// using var wave16k = to16k.Apply(clip.Samples);   // [channels, 2 · frames]
/// </code></example>
public sealed class Resampler : IDisposable
{
    private const double DefaultKaiserBeta = 14.769656459379492;
    private readonly Tensor? _kernel;      // float32 [new, 1, 1, 2·width + orig]
    private readonly int _orig;
    private readonly int _new;
    private readonly int _width;

    /// <summary>Builds the filters that take <paramref name="origFreq"/> Hz to <paramref name="newFreq"/> Hz.</summary>
    /// <exception cref="ArgumentException">A rate is not positive or the options are invalid.</exception>
    public Resampler(int origFreq, int newFreq, ResampleOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(origFreq);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(newFreq);
        Options = options ?? new ResampleOptions();
        Options.Validate();
        OrigFreq = origFreq;
        NewFreq = newFreq;
        if (origFreq == newFreq) return;
        int g = Gcd(origFreq, newFreq);
        _orig = origFreq / g;
        _new = newFreq / g;
        var (kernel, width) = BuildKernel(_orig, _new, Options);
        _width = width;
        _kernel = Torch.FromArray(kernel, _new, 1, 1, kernel.Length / _new);
    }

    /// <summary>The input rate (Hz).</summary>
    public int OrigFreq { get; }

    /// <summary>The output rate (Hz).</summary>
    public int NewFreq { get; }

    /// <summary>The filter settings.</summary>
    public ResampleOptions Options { get; }

    /// <summary>Number of output samples for <paramref name="length"/> input samples.</summary>
    public long OutputLength(long length) => OrigFreq == NewFreq ? length : (length * _new + _orig - 1) / _orig;

    /// <summary>
    /// Resamples <paramref name="waveform"/> [..., time] (float32 or float64) along its last
    /// dimension. Equal rates give a new handle to the same data.
    /// </summary>
    /// <exception cref="ArgumentException">The waveform is not floating point or has no dimensions.</exception>
    public Tensor Apply(Tensor waveform)
    {
        ArgumentNullException.ThrowIfNull(waveform);
        if (!waveform.Dtype.IsFloatingPoint())
            throw new ArgumentException($"Resampling needs a floating-point waveform; got {waveform.Dtype}.", nameof(waveform));
        if (waveform.NDim == 0)
            throw new ArgumentException("Resampling needs a waveform with a time dimension; got a scalar.", nameof(waveform));
        ObjectDisposedException.ThrowIf(_kernel is { IsDisposed: true }, this);
        if (_kernel is null) return waveform.Alias();

        long[] shape = waveform.Shape;
        long length = shape[^1];
        long target = OutputLength(length);
        using var flat = waveform.Reshape(-1, length);
        long n = flat.Size(0);
        using var padded = AudioOps.ConstantPadLast(flat, _width, _width + _orig);
        using var input = padded.View(n, 1, 1, padded.Size(1));
        using var kernel = waveform.Dtype == ScalarType.Float32 ? _kernel.Alias() : _kernel.To(waveform.Dtype);
        using var conv = Functional.Conv2d(input, kernel, stride: (1, _orig));          // [n, new, 1, frames]
        using var phases = conv.View(n, _new, conv.Size(3));
        using var interleaved = phases.Transpose(1, 2).Reshape(n, -1);
        using var cut = interleaved.Narrow(1, 0, target);
        long[] outShape = shape.ToArray();
        outShape[^1] = target;
        return cut.Reshape(outShape);
    }

    /// <summary>Resamples a clip to <see cref="NewFreq"/>; the clip's rate must be <see cref="OrigFreq"/>.</summary>
    /// <exception cref="ArgumentException">The clip's rate is not <see cref="OrigFreq"/>.</exception>
    public AudioClip Apply(AudioClip clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        if (clip.SampleRate != OrigFreq)
            throw new ArgumentException($"This resampler takes {OrigFreq} Hz audio; the clip is {clip.SampleRate} Hz.", nameof(clip));
        return new AudioClip(Apply(clip.Samples), NewFreq);
    }

    /// <summary>Resamples <paramref name="waveform"/> [..., time] once (builds and frees the filters).</summary>
    public static Tensor Resample(Tensor waveform, int origFreq, int newFreq, ResampleOptions? options = null)
    {
        using var resampler = new Resampler(origFreq, newFreq, options);
        return resampler.Apply(waveform);
    }

    /// <summary>Frees the filters.</summary>
    public void Dispose() => _kernel?.Dispose();

    /// <summary>
    /// The polyphase filters, [new][2·width + orig] row-major, for reduced rates: filter i samples
    /// sinc(π·b·(k/orig − i/new)) · window · b/orig at k = −width .. width + orig − 1, with
    /// b = min(orig, new)·rolloff and the argument clamped to ±lowpassFilterWidth zero crossings.
    /// </summary>
    internal static (float[] Kernel, int Width) BuildKernel(int orig, int @new, ResampleOptions o)
    {
        double baseFreq = Math.Min(orig, @new) * o.Rolloff;
        int lw = o.LowpassFilterWidth;
        int width = (int)Math.Ceiling(lw * orig / baseFreq);
        int taps = 2 * width + orig;
        double beta = o.Beta ?? DefaultKaiserBeta;
        double i0Beta = BesselI0(beta);
        double scale = baseFreq / orig;
        var kernel = new float[checked(@new * taps)];
        for (int i = 0; i < @new; i++)
        {
            for (int k = 0; k < taps; k++)
            {
                double t = ((double)(k - width) / orig - (double)i / @new) * baseFreq;
                t = Math.Clamp(t, -lw, lw);
                double window = o.Method == ResamplingMethod.SincInterpHann
                    ? Math.Pow(Math.Cos(t * Math.PI / lw / 2), 2)
                    : BesselI0(beta * Math.Sqrt(1 - (t / lw) * (t / lw))) / i0Beta;
                double x = t * Math.PI;
                double sinc = x == 0 ? 1 : Math.Sin(x) / x;
                kernel[i * taps + k] = (float)(sinc * window * scale);
            }
        }
        return (kernel, width);
    }

    /// <summary>The modified Bessel function of the first kind, order 0 (power series; converges for all x).</summary>
    internal static double BesselI0(double x)
    {
        double q = x * x / 4, term = 1, sum = 1;
        for (int k = 1; k < 500 && term > sum * 1e-17; k++)
        {
            term *= q / ((double)k * k);
            sum += term;
        }
        return sum;
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }
}
