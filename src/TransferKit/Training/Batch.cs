using TransferKit.Torch;

namespace TransferKit.Training;

/// <summary>
/// One mini-batch: inputs (e.g. images [N, C, H, W]) and int64 class targets [N]. The consumer
/// disposes it; the <see cref="Trainer"/> does so after each step.
/// </summary>
public sealed record Batch(Tensor Inputs, Tensor Targets) : IDisposable
{
    /// <summary>Number of samples.</summary>
    public long Size => Targets.Size(0);

    /// <summary>Frees both tensors.</summary>
    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
    }
}

/// <summary>
/// A batch source that wants to know which epoch is starting, so that shuffling and augmentation
/// depend on (seed, epoch) and a resumed run sees the same batches as an uninterrupted one.
/// </summary>
public interface IEpochAware
{
    /// <summary>Called by the trainer before each epoch's enumeration (epochs count from 1).</summary>
    void SetEpoch(int epoch);
}
