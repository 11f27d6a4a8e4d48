using TransferKit.Data;
using TransferKit.Engine;

namespace TransferKit.Training;

/// <summary>
/// Computes a frozen backbone's features once for a whole dataset, so that a classifier head can be
/// trained for many epochs without re-running the backbone: the batches of every later epoch come
/// from memory. Valid when the backbone is frozen and runs deterministically (evaluation mode)
/// and the transforms feeding it are deterministic (e.g. Resize + CenterCrop + Normalize).
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
        var parts = new List<Tensor>();
        var labels = new List<long>();
        try
        {
            int done = 0;
            using var noGrad = Torch.NoGrad();
            foreach (var batch in inOrder.Batches(cancellationToken))
            {
                using (batch)
                using (var scope = Torch.NewDisposeScope())
                {
                    var f = features(batch.PixelValues);
                    if (f.NDim < 2 || f.Size(0) != batch.Size)
                        throw new InvalidOperationException($"The feature function returned [{string.Join(", ", f.Shape)}] for a batch of {batch.Size}; expected [N, ...] with N = {batch.Size}.");
                    parts.Add(scope.MoveToOuter(f.Contiguous()).DetachFromDisposeScope());
                    labels.AddRange(batch.Targets.ToArray<long>());
                }
                progress?.Report(++done / (double)inOrder.Count);
            }
            if (parts.Count == 0) throw new InvalidOperationException("The dataset is empty: there are no features to cache.");
            return new TensorImageDataset(Torch.Cat(parts).DetachFromDisposeScope(), labels, loader.Dataset.Classes);
        }
        finally
        {
            foreach (var p in parts) p.Dispose();
        }
    }
}
