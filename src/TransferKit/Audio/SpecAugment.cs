using TransferKit.Engine;

namespace TransferKit.Audio;

/// <summary>
/// SpecAugment-style masking (Park et al., 2019) of spectrograms [..., freq, time], drawn as
/// torchaudio's <c>mask_along_axis</c> draws them but from a seeded <see cref="Random"/>: a width
/// w = u₁·maskParam and a start s = u₂·(size − w) (u uniform in [0, 1)), masking [⌊s⌋, ⌊s + w⌋).
/// The same generator state gives the same masks; the input is not modified.
/// </summary>
public abstract class AxisMasking
{
    private protected AxisMasking(int maskParam, bool iidMasks, int axisFromEnd)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maskParam);
        MaskParam = maskParam;
        IidMasks = iidMasks;
        AxisFromEnd = axisFromEnd;
    }

    /// <summary>The largest mask width (bins or frames).</summary>
    public int MaskParam { get; }

    /// <summary>True to draw a separate mask for each spectrogram of the leading dimensions (each example and channel); false for one mask shared by all.</summary>
    public bool IidMasks { get; }

    /// <summary>2 for frequency (the next-to-last dimension), 1 for time (the last).</summary>
    private int AxisFromEnd { get; }

    /// <summary>The largest width for an axis of <paramref name="size"/> entries.</summary>
    private protected virtual double MaxWidth(long size) => MaskParam;

    /// <summary>Returns a copy of <paramref name="spectrogram"/> [..., freq, time] with the mask(s) set to <paramref name="maskValue"/>.</summary>
    /// <exception cref="ArgumentException">The spectrogram has fewer than two dimensions.</exception>
    public Tensor Apply(Tensor spectrogram, Random random, double maskValue = 0)
    {
        ArgumentNullException.ThrowIfNull(spectrogram);
        ArgumentNullException.ThrowIfNull(random);
        if (spectrogram.NDim < 2)
            throw new ArgumentException($"Expected a spectrogram [..., freq, time]; got [{string.Join(", ", spectrogram.Shape)}].", nameof(spectrogram));
        long[] shape = spectrogram.Shape;
        long size = shape[^AxisFromEnd];
        long rows = IidMasks ? shape[..^2].Aggregate(1L, (a, b) => a * b) : 1;
        var keep = new float[rows * size];
        Array.Fill(keep, 1f);
        double maxWidth = MaxWidth(size);
        for (long r = 0; r < rows; r++)
        {
            double width = random.NextDouble() * maxWidth;
            double start = random.NextDouble() * (size - width);
            long from = (long)start, to = Math.Min(size, (long)(start + width));
            for (long i = from; i < to; i++) keep[r * size + i] = 0;
        }
        long[] maskShape = IidMasks ? [.. shape[..^2], 1, 1] : Enumerable.Repeat(1L, shape.Length).ToArray();
        maskShape[^AxisFromEnd] = size;
        using var scope = Torch.NewDisposeScope();
        var mask = Torch.FromArray(keep, maskShape).To(spectrogram.Dtype);
        var result = spectrogram * mask;
        if (maskValue != 0) result = result + (1 - mask) * maskValue;
        return result.MoveToOuterDisposeScope();
    }
}

/// <summary>Masks a band of up to <see cref="AxisMasking.MaskParam"/> consecutive frequency bins (torchaudio's <c>FrequencyMasking</c>).</summary>
public sealed class FrequencyMasking : AxisMasking
{
    /// <summary>Creates the masking.</summary>
    /// <param name="freqMaskParam">The largest band width, in bins.</param>
    /// <param name="iidMasks">Draw a mask per spectrogram of a batch instead of one for all.</param>
    public FrequencyMasking(int freqMaskParam, bool iidMasks = false) : base(freqMaskParam, iidMasks, 2) { }
}

/// <summary>Masks up to <see cref="AxisMasking.MaskParam"/> consecutive frames (torchaudio's <c>TimeMasking</c>).</summary>
public sealed class TimeMasking : AxisMasking
{
    /// <summary>Creates the masking.</summary>
    /// <param name="timeMaskParam">The largest mask width, in frames.</param>
    /// <param name="iidMasks">Draw a mask per spectrogram of a batch instead of one for all.</param>
    /// <param name="p">The largest fraction of the frames a mask may cover (0 &lt; p ≤ 1).</param>
    public TimeMasking(int timeMaskParam, bool iidMasks = false, double p = 1.0) : base(timeMaskParam, iidMasks, 1)
    {
        if (!(p > 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "p must be in (0, 1].");
        P = p;
    }

    /// <summary>The largest fraction of the frames a mask may cover.</summary>
    public double P { get; }

    private protected override double MaxWidth(long size) => Math.Min(MaskParam, P * size);
}
