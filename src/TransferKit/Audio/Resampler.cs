using System.Numerics;
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
/// filters are computed in the waveform's precision as torchaudio's functional form does (float32
/// filters for float32 audio, float64 for float64), built once and reused; dispose the resampler
/// to free them. It is safe to use from several threads.
/// </summary>
/// <example><code>
/// using var to16k = new Resampler(8000, 16000);
/// using var wave16k = to16k.Apply(clip.Samples);   // [channels, 2 · frames]
/// </code></example>
public sealed class Resampler : IDisposable
{
    private const double DefaultKaiserBeta = 14.769656459379492;

    /// <summary>The largest filter bank built (64 Mi values, 256 MiB in float32); rates that reduce to a larger one are refused.</summary>
    public const long MaxFilterValues = 64L << 20;
    private readonly Tensor? _kernel;      // float32 [new, 1, 1, 2·width + orig]
    private readonly Lazy<Tensor>? _kernel64;
    private readonly int _orig;
    private readonly int _new;
    private readonly int _width;

    /// <summary>Builds the filters that take <paramref name="origFreq"/> Hz to <paramref name="newFreq"/> Hz.</summary>
    /// <exception cref="ArgumentException">
    /// A rate is not positive, the options are invalid, or the rates share so small a common divisor
    /// that the filters would exceed <see cref="MaxFilterValues"/> (e.g. 44101 Hz to 16000 Hz).
    /// </exception>
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
        double baseFreq = Math.Min(_orig, _new) * Options.Rolloff;
        double taps = 2 * Math.Ceiling(Options.LowpassFilterWidth * _orig / baseFreq) + _orig;
        if (taps * _new > MaxFilterValues)
            throw new ArgumentException(
                $"Resampling {origFreq} Hz to {newFreq} Hz needs {_new} filters of {taps} taps ({taps * _new:N0} values, more than {MaxFilterValues:N0}): " +
                $"the rates reduce only to {_orig}:{_new}. Round one rate so that the two share a larger common divisor (44100 and 16000 share 100).");
        var (kernel, width) = BuildKernel<float>(_orig, _new, Options);
        _width = width;
        _kernel = Torch.FromArray(kernel, _new, 1, 1, kernel.Length / _new).DetachFromDisposeScope();  // owned by this object, not by an open scope
        _kernel64 = new Lazy<Tensor>(() =>
        {
            var k64 = BuildKernel<double>(_orig, _new, Options).Kernel;
            return Torch.FromArray(k64, _new, 1, 1, k64.Length / _new).DetachFromDisposeScope();
        });
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
        using var kernel = waveform.Dtype switch
        {
            ScalarType.Float32 => _kernel.Alias(),
            ScalarType.Float64 => _kernel64!.Value.Alias(),
            _ => _kernel.To(waveform.Dtype),
        };
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
    public void Dispose()
    {
        _kernel?.Dispose();
        if (_kernel64 is { IsValueCreated: true }) _kernel64.Value.Dispose();
    }

    /// <summary>
    /// The polyphase filters, [new][2·width + orig] row-major, for reduced rates: filter i samples
    /// sinc(π·b·(k/orig − i/new)) · window · b/orig at k = −width .. width + orig − 1, with
    /// b = min(orig, new)·rolloff and the argument clamped to ±lowpassFilterWidth zero crossings.
    /// They are computed in <typeparamref name="T"/> (the waveform's precision) with torchaudio's
    /// order of operations: in float32 the rounding of k/orig − i/new is visible at 1e-5 in the
    /// output, so matching torchaudio means rounding as it does.
    /// </summary>
    internal static (T[] Kernel, int Width) BuildKernel<T>(int orig, int @new, ResampleOptions o) where T : IFloatingPointIeee754<T>
    {
        double baseFreq = Math.Min(orig, @new) * o.Rolloff;
        int lw = o.LowpassFilterWidth;
        int width = (int)Math.Ceiling(lw * orig / baseFreq);
        int taps = 2 * width + orig;
        T Of(double v) => T.CreateChecked(v);
        T tLw = Of(lw), tPi = Of(Math.PI), two = Of(2), one = T.One;
        // torchaudio holds beta in a float32 tensor whatever the waveform's dtype.
        float betaF = (float)(o.Beta ?? DefaultKaiserBeta);
        T beta = Of(betaF);
        T i0Beta = Of((float)BesselI0(betaF));
        T scale = Of(baseFreq / orig);
        var kernel = new T[checked(@new * taps)];
        for (int i = 0; i < @new; i++)
        {
            T phase = Of(-i) / Of(@new);
            for (int k = 0; k < taps; k++)
            {
                T t = (phase + Of(k - width) / Of(orig)) * Of(baseFreq);
                t = T.Clamp(t, -tLw, tLw);
                T window;
                if (o.Method == ResamplingMethod.SincInterpHann)
                {
                    T c = T.Cos(t * tPi / tLw / two);
                    window = c * c;
                }
                else
                {
                    T r = t / tLw;
                    window = Of(BesselI0(double.CreateChecked(beta * T.Sqrt(one - r * r)))) / i0Beta;
                }
                T x = t * tPi;
                T sinc = x == T.Zero ? one : T.Sin(x) / x;
                kernel[i * taps + k] = sinc * (window * scale);
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
