using TransferKit.Engine;

namespace TransferKit.Audio;

/// <summary>
/// Batch preparation of waveforms: padding or truncation to a common length (keeping each clip's
/// valid length for attention masks), per-clip normalisation as wav2vec2's feature extractor does,
/// and down-mixing to mono.
/// </summary>
public static class Waveforms
{
    /// <summary>
    /// Stacks clips [..., time] (equal leading shapes, e.g. 1-D mono clips) into [N, ..., length]:
    /// clips longer than <paramref name="maxLength"/> are cut at the end, shorter ones padded with
    /// <paramref name="padValue"/>. <c>Lengths</c> (int64 [N]) holds each clip's kept length.
    /// </summary>
    /// <param name="clips">The clips, at least one.</param>
    /// <param name="maxLength">The common length; null pads to the longest clip.</param>
    /// <param name="padValue">The value written after each clip's end.</param>
    /// <exception cref="ArgumentException">No clips, clips of different leading shapes, or a non-positive maximum.</exception>
    public static (Tensor Values, Tensor Lengths) PadOrTruncate(IReadOnlyList<Tensor> clips, long? maxLength = null, double padValue = 0)
    {
        ArgumentNullException.ThrowIfNull(clips);
        if (clips.Count == 0) throw new ArgumentException("Need at least one clip.", nameof(clips));
        if (maxLength is <= 0) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "The maximum length must be positive.");
        long[] lead = clips[0].Shape[..^1];
        var lengths = new long[clips.Count];
        for (int i = 0; i < clips.Count; i++)
        {
            long[] shape = clips[i].Shape;
            if (shape.Length == 0 || !shape[..^1].SequenceEqual(lead))
                throw new ArgumentException($"Clip {i} has shape [{string.Join(", ", shape)}]; every clip must be [{string.Join(", ", lead.Append(-1))}] (time last).", nameof(clips));
            lengths[i] = shape[^1];
        }
        long target = maxLength ?? lengths.Max();
        using var scope = Torch.NewDisposeScope();
        var padded = new Tensor[clips.Count];
        for (int i = 0; i < clips.Count; i++)
        {
            lengths[i] = Math.Min(lengths[i], target);
            var kept = clips[i].Narrow(-1, 0, lengths[i]);
            padded[i] = lengths[i] == target ? kept : AudioOps.ConstantPadLast(kept, 0, target - lengths[i], padValue);
        }
        var values = Torch.Stack(padded).MoveToOuterDisposeScope();
        return (values, Torch.FromArray(lengths, lengths.Length).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Normalises each clip to zero mean and unit variance over its valid samples, as Hugging
    /// Face's <c>Wav2Vec2FeatureExtractor</c> (<c>do_normalize=True</c>) does:
    /// (x − mean) / √(var + <paramref name="epsilon"/>) with the population variance; samples
    /// beyond a clip's length become <paramref name="padValue"/>. Statistics are computed in float64.
    /// </summary>
    /// <param name="waveforms">[N, time] (or [time] for one clip), floating point.</param>
    /// <param name="lengths">Valid length of each clip (int64 [N]); null means all samples are valid.</param>
    /// <param name="epsilon">Added to the variance.</param>
    /// <param name="padValue">The value of the samples past each clip's length.</param>
    /// <exception cref="ArgumentException">The shapes do not fit, or a length is out of range.</exception>
    public static Tensor NormalizeZeroMeanUnitVariance(Tensor waveforms, Tensor? lengths = null, double epsilon = 1e-7, double padValue = 0)
    {
        ArgumentNullException.ThrowIfNull(waveforms);
        if (waveforms.NDim is not (1 or 2) || !waveforms.Dtype.IsFloatingPoint())
            throw new ArgumentException($"Expected floating-point waveforms [N, time] or [time]; got {waveforms.Dtype} [{string.Join(", ", waveforms.Shape)}].", nameof(waveforms));
        using var scope = Torch.NewDisposeScope();
        var x = (waveforms.NDim == 1 ? waveforms.Unsqueeze(0) : waveforms).To(ScalarType.Float64);
        long n = x.Size(0), t = x.Size(1);
        Tensor mask, count;
        if (lengths is null)
        {
            mask = Torch.Ones(new[] { n, t }, ScalarType.Float64);
            count = Torch.Full(new[] { n, 1L }, t, ScalarType.Float64);
        }
        else
        {
            if (lengths.NDim != 1 || lengths.Size(0) != n)
                throw new ArgumentException($"Expected {n} lengths; got shape [{string.Join(", ", lengths.Shape)}].", nameof(lengths));
            long[] l = lengths.To(ScalarType.Int64).ToArray<long>();
            if (l.Any(v => v < 1 || v > t))
                throw new ArgumentException($"Each length must be in 1..{t}; got [{string.Join(", ", l)}].", nameof(lengths));
            mask = Torch.Arange(t).Unsqueeze(0).Lt(lengths.To(ScalarType.Int64).Unsqueeze(1)).To(ScalarType.Float64);
            count = Torch.FromArray(l.Select(v => (double)v).ToArray(), n, 1);
        }
        var mean = (x * mask).Sum(1, keepDim: true) / count;
        var centred = (x - mean) * mask;
        var variance = (centred * centred).Sum(1, keepDim: true) / count;
        var normed = centred / (variance + epsilon).Sqrt();
        if (padValue != 0) normed = normed + (1 - mask) * padValue;
        var result = normed.To(waveforms.Dtype);
        if (waveforms.NDim == 1) result = result.Squeeze(0);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>The mean of the channels of <paramref name="samples"/> [channels, time]: [time]. One channel is returned as a new view.</summary>
    public static Tensor MixToMono(Tensor samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.NDim != 2)
            throw new ArgumentException($"Expected [channels, time]; got [{string.Join(", ", samples.Shape)}].", nameof(samples));
        return samples.Size(0) == 1 ? samples.Select(0, 0) : samples.Mean(0);
    }
}
