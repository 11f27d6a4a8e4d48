using TransferKit.NN;

namespace TransferKit.Training;

/// <summary>Settings of a <see cref="Trainer"/>; <see cref="Validate"/> explains anything inconsistent.</summary>
public sealed record TrainerOptions
{
    /// <summary>Epochs to train (default 10).</summary>
    public int Epochs { get; set; } = 10;

    /// <summary>Learning rate of the default optimizer (SGD with momentum 0.9).</summary>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>Creates the optimizer for a model; default: SGD(lr, momentum 0.9) over the trainable parameters.</summary>
    public Func<Module, Optimizer>? OptimizerFactory { get; set; }

    /// <summary>Creates a learning-rate schedule for the optimizer, or null for a constant rate.</summary>
    public Func<Optimizer, LRScheduler>? SchedulerFactory { get; set; }

    /// <summary>Step the schedule after every optimizer step instead of after every epoch (OneCycle, warm-up in steps).</summary>
    public bool StepSchedulerPerBatch { get; set; }

    /// <summary>Cross-entropy label smoothing in [0, 1).</summary>
    public double LabelSmoothing { get; set; }

    /// <summary>Per-class loss weights, or null.</summary>
    public float[]? ClassWeights { get; set; }

    /// <summary>
    /// Metric that picks the best epoch: val_accuracy (default), val_loss, val_f1, val_topk,
    /// train_loss or train_accuracy. Without validation data the trainer falls back to train_loss.
    /// </summary>
    public string MonitorMetric { get; set; } = "val_accuracy";

    /// <summary>Restore the best epoch's weights when training ends (default true).</summary>
    public bool RestoreBestWeights { get; set; } = true;

    /// <summary>Stop after this many epochs without improvement of the monitored metric; null never stops early.</summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>Smallest change of the monitored metric that counts as an improvement.</summary>
    public double EarlyStoppingMinDelta { get; set; }

    /// <summary>Batches whose gradients are summed before each optimizer step (default 1).</summary>
    public int GradientAccumulationSteps { get; set; } = 1;

    /// <summary>Clip the global gradient norm to this value before each step; null disables clipping.</summary>
    public double? MaxGradientNorm { get; set; }

    /// <summary>Run forward passes under bf16 CPU autocast.</summary>
    public bool UseBFloat16Autocast { get; set; }

    /// <summary>
    /// Where to write a training checkpoint after every epoch (and when cancelled), atomically;
    /// <see cref="Trainer.Resume"/> continues from it. Null writes none.
    /// </summary>
    public string? CheckpointPath { get; set; }

    /// <summary>k of the top-k accuracy (capped at the class count; default 5).</summary>
    public int TopK { get; set; } = 5;

    /// <summary>Throws <see cref="ArgumentException"/> describing the first inconsistent setting.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"Epochs must be at least 1 (was {Epochs}).");
        if (LearningRate <= 0) throw new ArgumentException($"LearningRate must be positive (was {LearningRate}).");
        if (LabelSmoothing is < 0 or >= 1) throw new ArgumentException($"LabelSmoothing must be in [0, 1) (was {LabelSmoothing}).");
        if (GradientAccumulationSteps < 1) throw new ArgumentException($"GradientAccumulationSteps must be at least 1 (was {GradientAccumulationSteps}).");
        if (MaxGradientNorm is <= 0) throw new ArgumentException($"MaxGradientNorm must be positive (was {MaxGradientNorm}).");
        if (EarlyStoppingPatience is < 0) throw new ArgumentException($"EarlyStoppingPatience must be >= 0 (was {EarlyStoppingPatience}).");
        if (TopK < 1) throw new ArgumentException($"TopK must be at least 1 (was {TopK}).");
        _ = new EpochResult(0, EmptyMetrics, EmptyMetrics, Array.Empty<double>(), TimeSpan.Zero).Get(MonitorMetric);
    }

    private static readonly PhaseMetrics EmptyMetrics = new(0, 0, 0, 1, new ConfusionMatrix(1), 0);
}
