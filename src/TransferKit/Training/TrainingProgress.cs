using TransferKit.Data;
namespace TransferKit.Training;

/// <summary>Which part of an epoch is running.</summary>
public enum TrainingPhase
{
    /// <summary>Updating the weights.</summary>
    Train,
    /// <summary>Measuring on validation data.</summary>
    Validate,
}

/// <summary>Reported through <see cref="IProgress{T}"/> after every batch, for progress bars.</summary>
/// <param name="Epoch">Current epoch (from 1).</param>
/// <param name="Epochs">Total epochs planned.</param>
/// <param name="Phase">Training or validation.</param>
/// <param name="Batch">Batches done in this phase.</param>
/// <param name="BatchCount">Batches in the phase when the source knows it (an <see cref="IReadOnlyCollection{T}"/>), else null.</param>
/// <param name="RunningLoss">Mean loss so far in this phase.</param>
/// <param name="RunningAccuracy">Accuracy so far in this phase.</param>
public sealed record TrainingProgress(int Epoch, int Epochs, TrainingPhase Phase, int Batch, int? BatchCount, double RunningLoss, double RunningAccuracy);

/// <summary>What <see cref="Trainer.Fit"/> returns (a cancelled run throws <see cref="OperationCanceledException"/> instead).</summary>
/// <param name="History">Per-epoch metrics (all of them, for a resumed run).</param>
/// <param name="BestEpoch">The best epoch by the monitored metric: the one whose weights the model holds when <see cref="TrainerOptions.RestoreBestWeights"/> is on.</param>
/// <param name="StoppedEarly">True when a callback (early stopping, or yours) stopped the run before its last epoch.</param>
/// <param name="StopReason">Why it stopped early, or null.</param>
public sealed record TrainingResult(History History, EpochResult? BestEpoch, bool StoppedEarly, string? StopReason);
