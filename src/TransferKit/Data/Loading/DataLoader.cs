using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using TransferKit.Data.Transforms;
using TransferKit.Engine;

namespace TransferKit.Data;

/// <summary>
/// Turns an <see cref="IImageDataset"/> into mini-batches (PyTorch's <c>DataLoader</c>): order
/// (optionally shuffled with a seed, the same for the same seed and epoch), a per-sample transform
/// given a reproducible <see cref="Random"/>, collation into [N, ...] image and int64 label tensors,
/// and optional worker threads that prepare batches in parallel with bounded prefetch. Each
/// enumeration is one epoch; the batches handed out belong to the consumer (the
/// trainer disposes them). Stopping early, an exception in a worker (rethrown to the
/// consumer unchanged, so it still names the file) or cancellation frees every batch prepared ahead.
/// </summary>
public sealed class DataLoader : IReadOnlyCollection<Batch>, IEpochAware
{
    private readonly IImageDataset _dataset;
    private readonly IImageTransform? _transform;
    private readonly RegionDecodePlan? _regionPlan;
    private readonly bool _pin;
    private int _nextEpoch = 1;

    /// <summary>Creates the loader.</summary>
    /// <param name="dataset">The samples.</param>
    /// <param name="options">Batching, shuffling and worker settings; defaults when null.</param>
    /// <param name="transform">
    /// Applied to each sample's image with a per-sample random generator (usually a
    /// <see cref="Compose"/>, e.g. a model's <c>Preprocessing.TrainTransform()</c>); null collates
    /// the decoded images as they are.
    /// </param>
    /// <remarks>
    /// The loader takes transform objects (not functions) because it reads them: when the pipeline
    /// starts by cropping, it decodes less. If the dataset is an <see cref="IEncodedImageDataset"/>
    /// (such as <see cref="ImageFolderDataset"/>) and the transform is <see cref="HwcToChw"/>, optionally
    /// <see cref="GrayscaleToRgb"/>, then an <see cref="IRegionCropTransform"/> (such as
    /// <see cref="RandomResizedCrop"/>) and any further steps, the loader reads each JPEG's header,
    /// draws the crop from the sample's <see cref="Random"/> exactly as the crop would, and decodes only
    /// that region (<see cref="ImageDecoder.DecodeRegion(ReadOnlySpan{byte}, int, int, int, int, string?, ImageDecodeOptions?)"/>).
    /// The batches are exactly those of decoding whole images and calling <c>transform.Apply</c>,
    /// which is what other pipelines, datasets and formats get.
    /// </remarks>
    /// <exception cref="ArgumentException">The options are invalid (every problem is listed).</exception>
    public DataLoader(IImageDataset dataset, DataLoaderOptions? options = null, IImageTransform? transform = null)
        : this(dataset, options, transform, decodeRegions: true) { }

    /// <summary>The loader, optionally without region decoding (tests compare both paths).</summary>
    internal DataLoader(IImageDataset dataset, DataLoaderOptions? options, IImageTransform? transform, bool decodeRegions)
    {
        _dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
        Options = options ?? new DataLoaderOptions();
        _pin = Options.PinMemory && Cuda.IsAvailable;
        Options.Validate();
        _transform = transform;
        if (decodeRegions && transform is not null) _regionPlan = RegionDecodePlan.For(dataset, transform);
    }

    /// <summary>The settings.</summary>
    public DataLoaderOptions Options { get; }

    /// <summary>The dataset.</summary>
    public IImageDataset Dataset => _dataset;

    /// <summary>The per-sample image transform, or null when images are collated as decoded.</summary>
    public IImageTransform? Transform => _transform;

    /// <summary>
    /// True when the loader decodes only the crop region of JPEG samples (see
    /// <see cref="DataLoader(IImageDataset, DataLoaderOptions?, IImageTransform?)"/>).
    /// </summary>
    public bool DecodesRegions => _regionPlan is not null;

    /// <summary>Batches per epoch.</summary>
    public int Count => EpochPlan.BatchCount(_dataset.Count, Options.BatchSize, Options.DropLast, Options.Shard);

    /// <summary>Makes the next enumeration produce epoch <paramref name="epoch"/>'s order (the trainer calls this).</summary>
    public void SetEpoch(int epoch) => _nextEpoch = epoch;

    /// <summary>One epoch of batches.</summary>
    public IEnumerator<Batch> GetEnumerator() => Batches().GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>One epoch of batches, stopping with <see cref="OperationCanceledException"/> when cancelled.</summary>
    public IEnumerable<Batch> Batches(CancellationToken cancellationToken = default)
    {
        int epoch = _nextEpoch++;
        int[][] plan = Plan(epoch);
        return Options.NumWorkers == 0 ? Sequential(plan, epoch, cancellationToken) : Parallel(plan, epoch, cancellationToken);
    }

    /// <summary>The sample indices of each batch of an epoch.</summary>
    internal int[][] Plan(int epoch) =>
        EpochPlan.Batches(_dataset.Count, Options.BatchSize, Options.Shuffle, Options.Seed, Options.DropLast, epoch, Options.Shard);

    private IEnumerable<Batch> Sequential(int[][] plan, int epoch, CancellationToken cancellationToken)
    {
        foreach (var indices in plan)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return CollateOnOneThread(indices, epoch);
        }
    }

    /// <summary>
    /// <see cref="Collate"/> with the calling thread's kernels on one intra-op thread, as in the
    /// workers, then its thread count restored (before the batch is handed out). Per-sample kernels
    /// are too small to gain from splitting: on 2 cores one pass over the ants/bees images with
    /// RandomResizedCrop took 580 ms on one thread and 870 ms on two.
    /// </summary>
    private Batch CollateOnOneThread(int[] indices, int epoch)
    {
        int threads = Torch.NumThreads;
        if (threads == 1) return Collate(indices, epoch);
        Torch.SetThreadLocalNumThreads(1);
        try
        {
            return Collate(indices, epoch);
        }
        finally
        {
            Torch.SetThreadLocalNumThreads(threads);
        }
    }

    private IEnumerable<Batch> Parallel(int[][] plan, int epoch, CancellationToken cancellationToken)
    {
        var queue = new BlockingCollection<BatchJob>();
        var workers = Enumerable.Range(0, Options.NumWorkers).Select(w => new Thread(() => Work(queue)) { IsBackground = true, Name = $"TransferKit loader worker {w}" }).ToArray();
        foreach (var t in workers) t.Start();
        var pending = new Queue<BatchJob>();
        int next = 0, window = Options.NumWorkers * Options.PrefetchFactor;
        try
        {
            while (next < plan.Length && pending.Count < window) Enqueue(plan[next++]);
            while (pending.Count > 0)
            {
                var job = pending.Peek();
                job.Done.Wait(cancellationToken);
                pending.Dequeue();
                job.Done.Dispose();
                if (job.Error is not null) ExceptionDispatchInfo.Throw(job.Error);
                if (next < plan.Length) Enqueue(plan[next++]);
                var batch = job.Result!;
                job.Result = null;
                yield return batch;
            }
        }
        finally
        {
            foreach (var job in pending) job.Cancelled = true;
            queue.CompleteAdding();
            foreach (var t in workers) t.Join();
            foreach (var job in pending)
            {
                job.Result?.Dispose();
                job.Done.Dispose();
            }
            queue.Dispose();
        }

        void Enqueue(int[] indices)
        {
            var job = new BatchJob(indices, epoch);
            pending.Enqueue(job);
            queue.Add(job);
        }
    }

    private void Work(BlockingCollection<BatchJob> queue)
    {
        Torch.SetThreadLocalNumThreads(1);
        foreach (var job in queue.GetConsumingEnumerable())
        {
            if (!job.Cancelled)
            {
                try
                {
                    job.Result = Collate(job.Indices, job.Epoch);
                }
                catch (Exception e)
                {
                    job.Error = e;
                }
            }
            job.Done.Set();
        }
    }

    /// <summary>Loads, transforms and stacks the samples of one batch.</summary>
    private Batch Collate(int[] indices, int epoch)
    {
        using var scope = Torch.NewDisposeScope();
        var images = new Tensor[indices.Length];
        var labels = new long[indices.Length];
        for (int k = 0; k < indices.Length; k++)
        {
            var random = new Random(SeedMixer.Mix(Options.Seed, epoch, indices[k]));
            if (_regionPlan is not null)
            {
                (images[k], labels[k]) = _regionPlan.Load(indices[k], random);
                continue;
            }
            var sample = _dataset.Get(indices[k]);
            labels[k] = sample.Label;
            images[k] = _transform is null ? sample.Image : _transform.Apply(sample.Image, random);
            if (!ReferenceEquals(images[k], sample.Image)) sample.Image.Dispose();
        }
        Tensor stacked;
        try
        {
            stacked = Torch.Stack(images);
            // Transforms may hand over views (e.g. HwcToChw alone); a batch is always compact.
            if (!stacked.IsContiguous) stacked = stacked.Contiguous();
        }
        catch (TorchException e)
        {
            throw new InvalidOperationException(
                $"Samples of one batch have different shapes ({string.Join(", ", images.Select(i => "[" + string.Join(", ", i.Shape) + "]").Distinct())}); " +
                "add a transform that gives every image the same size (e.g. Resize + CenterCrop).", e);
        }
        var targets = Torch.FromArray(labels);
        if (_pin)
        {
            stacked = stacked.PinMemory();
            targets = targets.PinMemory();
        }
        scope.MoveToOuter(stacked, targets);
        return new Batch(stacked.DetachFromDisposeScope(), targets.DetachFromDisposeScope());
    }

    private sealed class BatchJob(int[] indices, int epoch)
    {
        public int[] Indices { get; } = indices;
        public int Epoch { get; } = epoch;
        public ManualResetEventSlim Done { get; } = new();
        public volatile bool Cancelled;
        public Batch? Result;
        public Exception? Error;
    }
}
