using TransferKit.Engine;

namespace TransferKit.Data;

/// <summary>
/// An in-memory dataset: sample <c>i</c> is <c>images[i]</c> (any per-sample shape, e.g. uint8
/// [H, W, C] or float [C, H, W]) with label <c>labels[i]</c>. The dataset owns the tensors it is
/// given (dispose it to free them); <see cref="Get"/> returns views that share their memory.
/// </summary>
public sealed class TensorImageDataset : IImageDataset, IDisposable
{
    private readonly Tensor _images;
    private readonly long[] _labels;

    /// <summary>Creates the dataset from a batch of images [N, ...] and N labels.</summary>
    public TensorImageDataset(Tensor images, IReadOnlyList<long> labels, IReadOnlyList<string> classes)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classes);
        long n = images.NDim == 0 ? -1 : images.Size(0);
        if (n != labels.Count) throw new ArgumentException($"{labels.Count} labels for {n} images.", nameof(labels));
        for (int k = 0; k < labels.Count; k++)
            if (labels[k] < 0 || labels[k] >= classes.Count)
                throw new ArgumentException($"Label {labels[k]} of sample {k} is outside 0..{classes.Count - 1}.", nameof(labels));
        _images = images.DetachFromDisposeScope();
        _labels = labels.ToArray();
        Classes = classes.ToArray();
    }

    /// <inheritdoc />
    public int Count => _labels.Length;

    /// <inheritdoc />
    public IReadOnlyList<string> Classes { get; }

    /// <inheritdoc />
    public ImageSample Get(int index)
    {
        DatasetGuard.CheckIndex(index, Count);
        return new ImageSample(_images.Select(0, index), _labels[index]);
    }

    /// <inheritdoc />
    public long GetLabel(int index)
    {
        DatasetGuard.CheckIndex(index, Count);
        return _labels[index];
    }

    /// <summary>Frees the images.</summary>
    public void Dispose() => _images.Dispose();
}
