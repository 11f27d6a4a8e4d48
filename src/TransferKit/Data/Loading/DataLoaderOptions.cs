using TransferKit.Engine;

namespace TransferKit.Data;

/// <summary>Settings of a <see cref="DataLoader"/>.</summary>
public sealed record DataLoaderOptions
{
    /// <summary>Samples per batch (default 32).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Visit the samples in a new random order every epoch (default false).</summary>
    public bool Shuffle { get; init; }

    /// <summary>Seed of the shuffling and of the per-sample augmentation randomness: same seed and epoch, same batches.</summary>
    public ulong Seed { get; init; }

    /// <summary>Drop the last batch when it is smaller than <see cref="BatchSize"/>.</summary>
    public bool DropLast { get; init; }

    /// <summary>
    /// Threads that load, decode and transform batches in parallel; 0 (default) loads on the
    /// consuming thread. Each worker runs libtorch kernels single-threaded, as PyTorch's workers do.
    /// </summary>
    public int NumWorkers { get; init; }

    /// <summary>Batches prepared ahead of the consumer per worker (default 2): bounds memory.</summary>
    public int PrefetchFactor { get; init; } = 2;

    /// <summary>
    /// Put each batch in page-locked host memory as it is loaded (in the worker), so that moving it
    /// to a GPU with <c>batch.To(device, nonBlocking: true)</c> (as the <c>Trainer</c> does) is an
    /// asynchronous copy that overlaps the GPU's work (PyTorch's <c>pin_memory=True</c>). Ignored
    /// where no GPU is usable (<see cref="Cuda.IsAvailable"/> false), as in PyTorch.
    /// </summary>
    public bool PinMemory { get; init; }

    /// <summary>
    /// The share of the data this process loads in a data-parallel run (<see cref="DataShard"/>,
    /// e.g. <c>DataShard.Of(distributed)</c>), or null for all of it.
    /// </summary>
    public DataShard? Shard { get; init; }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate() => new OptionsCheck(nameof(DataLoaderOptions))
        .Require(BatchSize >= 1, $"BatchSize must be at least 1 (was {BatchSize}).")
        .Require(NumWorkers >= 0, $"NumWorkers must be >= 0 (was {NumWorkers}).")
        .Require(PrefetchFactor >= 1, $"PrefetchFactor must be at least 1 (was {PrefetchFactor}).")
        .Require(Shard is null || Shard.IsValid, $"Shard must have Count >= 1 and Index in [0, Count) (was {Shard}).")
        .ThrowIfAny();
}
