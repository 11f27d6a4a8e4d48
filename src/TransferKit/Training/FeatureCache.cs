using TransferKit.Data;
using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Training;

/// <summary>
/// Computes a frozen backbone's features once for a whole dataset, so that a classifier head can be
/// trained for many epochs without re-running the backbone: the batches of every later epoch come
/// from memory. Valid when the backbone is frozen and runs deterministically (evaluation mode)
/// and the transforms feeding it are deterministic (e.g. Resize + CenterCrop + Normalize, or a
/// log-mel spectrogram without SpecAugment).
/// </summary>
public static class FeatureCache
{
    /// <summary>
    /// Runs <paramref name="features"/> over every sample of <paramref name="loader"/>'s dataset, in
    /// dataset order and without gradients, and returns an in-memory dataset of the feature vectors
    /// with the same labels and classes. The loader's batch size, workers and transform are used;
    /// its shuffling is not (the order must match the dataset's).
    /// </summary>
    /// <param name="features">The frozen backbone: images [N, ...] → features [N, F].</param>
    /// <param name="loader">Loads the dataset whose features are cached.</param>
    /// <param name="progress">Receives the fraction of batches done.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    public static TensorImageDataset Compute(Func<Tensor, Tensor> features, DataLoader loader, IProgress<double>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(loader);
        var inOrderOptions = loader.Options with { Shuffle = false, DropLast = false };
        var inOrder = new DataLoader(loader.Dataset, inOrderOptions, loader.Transform);
        return Collect(features, inOrder.Batches(cancellationToken), inOrder.Count, loader.Dataset.Classes, progress, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="features"/> over every batch of <paramref name="batches"/> — any batch
    /// source, e.g. an <c>AudioDataLoader</c> with a log-mel feature transform, or a list of batches —
    /// without gradients, and returns an in-memory dataset of the feature vectors labelled with the
    /// batches' targets, in the order the source yields them. The function receives each batch's
    /// <see cref="ModelInputs.PixelValues"/> (images, spectrograms), or its
    /// <see cref="ModelInputs.InputValues"/> (waveforms) when it has no pixel values. One enumeration
    /// of the source is made (for a loader, one epoch), and every batch is disposed after use.
    /// Targets must be class indices (int64 [N]).
    /// </summary>
    /// <param name="features">The frozen backbone: inputs [N, ...] → features [N, ...].</param>
    /// <param name="batches">The batches whose features are cached.</param>
    /// <param name="classes">The class names of the targets (e.g. the dataset's <c>Classes</c>).</param>
    /// <param name="progress">Receives the fraction of batches done when the source knows its count (an <see cref="IReadOnlyCollection{T}"/>).</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <exception cref="InvalidOperationException">The source is empty, a batch has neither input, the targets are not class indices, or the function's output does not have one row per sample.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static TensorImageDataset Compute(Func<Tensor, Tensor> features, IEnumerable<Batch> batches, IReadOnlyList<string> classes,
        IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(classes);
        int? count = batches is IReadOnlyCollection<Batch> c ? c.Count : null;
        return Collect(features, batches, count, classes, progress, cancellationToken);
    }

    private static TensorImageDataset Collect(Func<Tensor, Tensor> features, IEnumerable<Batch> batches, int? count, IReadOnlyList<string> classes,
        IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var parts = new List<Tensor>();
        var labels = new List<long>();
        try
        {
            int done = 0;
            using var noGrad = Torch.NoGrad();
            foreach (var batch in batches)
            {
                using (batch)
                using (var scope = Torch.NewDisposeScope())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var f = features(Input(batch));
                    if (f.NDim < 2 || f.Size(0) != batch.Size)
                        throw new InvalidOperationException($"The feature function returned [{string.Join(", ", f.Shape)}] for a batch of {batch.Size}; expected [N, ...] with N = {batch.Size}.");
                    if (batch.Targets.NDim != 1 || batch.Targets.Dtype != ScalarType.Int64)
                        throw new InvalidOperationException($"The feature cache needs class-index targets (int64 [N]); a batch has {batch.Targets.Dtype} [{string.Join(", ", batch.Targets.Shape)}].");
                    parts.Add(scope.MoveToOuter(f.Contiguous()).DetachFromDisposeScope());
                    labels.AddRange(batch.Targets.ToArray<long>());
                }
                done++;
                if (count is > 0) progress?.Report(Math.Min(1, done / (double)count.Value));
            }
            if (parts.Count == 0) throw new InvalidOperationException("The dataset is empty: there are no features to cache.");
            return new TensorImageDataset(Torch.Cat(parts).DetachFromDisposeScope(), labels, classes);
        }
        finally
        {
            foreach (var p in parts) p.Dispose();
        }
    }

    private static Tensor Input(Batch batch) =>
        batch.Inputs.TryGetValue(ModelInputs.PixelValues, out var pixels) ? pixels
        : batch.Inputs.TryGetValue(ModelInputs.InputValues, out var waveforms) ? waveforms
        : throw new InvalidOperationException(
            $"A batch has neither '{ModelInputs.PixelValues}' nor '{ModelInputs.InputValues}' (it has {string.Join(", ", batch.Inputs.Keys)}): nothing to compute features of.");
}
