using TransferKit.Engine;

namespace TransferKit.Data;

/// <summary>
/// A random-access collection of samples (PyTorch's map-style <c>Dataset</c>): a count and a way to
/// get sample <c>i</c>. Implementations should be safe to call from several threads at once, so
/// that loaders can decode in parallel.
/// </summary>
/// <typeparam name="TSample">What one sample is.</typeparam>
public interface IDataset<out TSample>
{
    /// <summary>Number of samples (PyTorch's <c>__len__</c>).</summary>
    int Count { get; }

    /// <summary>Sample <paramref name="index"/>, 0 &lt;= index &lt; <see cref="Count"/> (PyTorch's <c>__getitem__</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    TSample Get(int index);
}

/// <summary>
/// A labelled image dataset for classification: each sample is a uint8 [H, W, C] image tensor and a
/// class index into <see cref="Classes"/>. To plug in your own data, implement <see cref="IDataset{TSample}.Count"/>,
/// <see cref="IDataset{TSample}.Get(int)"/> and <see cref="Classes"/>; override
/// <see cref="GetLabel(int)"/> when the label is known without decoding the image.
/// </summary>
public interface IImageDataset : IDataset<ImageSample>
{
    /// <summary>Class names; label <c>k</c> is <c>Classes[k]</c>.</summary>
    IReadOnlyList<string> Classes { get; }

    /// <summary>
    /// The label of sample <paramref name="index"/>. The default implementation decodes the sample
    /// and disposes its image; implementations that know labels up front should answer directly
    /// (samplers and class statistics call this for every sample).
    /// </summary>
    long GetLabel(int index)
    {
        using var sample = Get(index);
        return sample.Label;
    }
}

/// <summary>
/// One labelled image. <see cref="Image"/> is a new tensor owned by whoever got the sample (and by
/// the current <see cref="DisposeScope"/>, if one is open); <see cref="Dispose"/> frees it.
/// </summary>
/// <param name="Image">The image, uint8 [height, width, channels] (HWC), values 0-255.</param>
/// <param name="Label">The class index.</param>
public sealed record ImageSample(Tensor Image, long Label) : IDisposable
{
    /// <summary>Frees <see cref="Image"/>.</summary>
    public void Dispose() => Image.Dispose();
}

/// <summary>Shared argument checks for dataset implementations.</summary>
internal static class DatasetGuard
{
    internal static void CheckIndex(int index, int count)
    {
        if ((uint)index >= (uint)count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The dataset has {count} samples (valid indices 0..{count - 1}).");
    }
}
