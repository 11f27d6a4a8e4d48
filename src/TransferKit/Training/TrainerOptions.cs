using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Training;

/// <summary>
/// Settings of a <see cref="Trainer"/>; <see cref="Validate"/> lists every inconsistent one. Several
/// are shortcuts that add built-in callbacks: <see cref="SchedulerFactory"/>
/// (<see cref="LRSchedulerCallback"/>), <see cref="RestoreBestWeights"/>
/// (<see cref="Training.RestoreBestWeights"/>), <see cref="EarlyStoppingPatience"/>
/// (<see cref="EarlyStopping"/>) and <see cref="CheckpointPath"/> (<see cref="CheckpointWriter"/>).
/// </summary>
public sealed record TrainerOptions
{
    /// <summary>Epochs to train (default 10).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Learning rate of the default optimizer (SGD with momentum 0.9).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Creates the optimizer for a model; default: SGD(lr, momentum 0.9) over the trainable parameters.</summary>
    public Func<Module, Optimizer>? OptimizerFactory { get; init; }

    /// <summary>Creates a learning-rate schedule for the optimizer, or null for a constant rate (adds an <see cref="LRSchedulerCallback"/>).</summary>
    public Func<Optimizer, LRScheduler>? SchedulerFactory { get; init; }

    /// <summary>Step the schedule after every optimizer step instead of after every epoch (OneCycle, warm-up in steps).</summary>
    public bool StepSchedulerPerBatch { get; init; }

    /// <summary>The loss; null uses <see cref="CrossEntropyLoss"/> with <see cref="LabelSmoothing"/> and <see cref="ClassWeights"/>. The trainer does not dispose it.</summary>
    public TrainingLoss? Loss { get; init; }

    /// <summary>Cross-entropy label smoothing in [0, 1) (default loss only).</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Per-class loss weights, or null (default loss only).</summary>
    public float[]? ClassWeights { get; init; }

    /// <summary>User metrics measured in both phases next to the built-ins (see <see cref="MetricRegistry"/>).</summary>
    public IReadOnlyList<Metric> Metrics { get; init; } = Array.Empty<Metric>();

    /// <summary>User callbacks, run in order after the built-ins (checkpoint writers run last).</summary>
    public IReadOnlyList<TrainerCallback> Callbacks { get; init; } = Array.Empty<TrainerCallback>();

    /// <summary>
    /// Metric that picks the best epoch (see <see cref="MetricRegistry"/>): val_accuracy (default),
    /// val_loss, val_f1, val_topk, val_precision, val_recall, train_loss, train_accuracy, or
    /// train_/val_ + a user metric. Without validation data the trainer falls back to train_loss.
    /// </summary>
    public string MonitorMetric { get; init; } = "val_accuracy";

    /// <summary>Restore the best epoch's weights when training ends (default true).</summary>
    public bool RestoreBestWeights { get; init; } = true;

    /// <summary>Stop after more than this many epochs without improvement of the monitored metric; null never stops early.</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>Smallest change of the monitored metric that counts as an improvement.</summary>
    public double EarlyStoppingMinDelta { get; init; }

    /// <summary>Batches whose gradients are summed before each optimizer step (default 1).</summary>
    public int GradientAccumulationSteps { get; init; } = 1;

    /// <summary>Clip the global gradient norm to this value before each step; null disables clipping.</summary>
    public double? MaxGradientNorm { get; init; }

    /// <summary>Run forward passes under bfloat16 autocast on the training <see cref="Device"/> (CPU or CUDA).</summary>
    public bool UseBFloat16Autocast { get; init; }

    /// <summary>
    /// Run forward passes under float16 autocast on a CUDA <see cref="Device"/>, with dynamic loss
    /// scaling (<see cref="GradScaler"/>, settings in <see cref="GradScalerOptions"/>): PyTorch's AMP recipe.
    /// </summary>
    public bool UseFloat16Autocast { get; init; }

    /// <summary>The loss scaler's settings when <see cref="UseFloat16Autocast"/> is on (default: PyTorch's).</summary>
    public GradScalerOptions? GradScalerOptions { get; init; }

    /// <summary>
    /// Where training runs (default <see cref="Engine.Device.Cpu"/>). The trainer moves the model
    /// there before it creates the optimizer, and each batch as it arrives (an asynchronous copy when
    /// the loader pins memory: <c>DataLoaderOptions.PinMemory</c>).
    /// </summary>
    public Device Device { get; init; } = Device.Cpu;

    /// <summary>
    /// Memory format and precision of the training step. Default <see cref="CpuStepMode.Float32"/>:
    /// on the machines measured so far (avx512_bf16 without AMX) channels_last + bf16 autocast made
    /// the ResNet-18 step about 1.3x slower, in PyTorch as in TransferKit (docs/performance.md), so it
    /// is not the default. <see cref="CpuStepMode.Auto"/> picks channels_last + bf16 for convolutional
    /// models on CPUs with native bf16 (measure it on yours); <see cref="CpuStepMode.ChannelsLastBFloat16"/> forces it.
    /// </summary>
    public CpuStepMode CpuStep { get; init; } = CpuStepMode.Float32;

    /// <summary>
    /// The data-parallel run this process belongs to, or null for a single process. With it the trainer
    /// copies rank 0's parameters and buffers to every rank when training starts, averages the gradients
    /// over the ranks before every optimizer step (all-reduced in buckets), sums the loss, accuracy and
    /// confusion counts over the ranks before the metrics are reported and used (best weights, early
    /// stopping, schedules), and writes <see cref="CheckpointPath"/> on rank 0 only. Give every rank its
    /// share of the data (<c>DataLoaderOptions.Shard</c>). Parameters that require gradients must get
    /// one on every step (unused ones must be frozen); user metrics stay per rank. The trainer does not dispose it.
    /// </summary>
    public DistributedContext? Distributed { get; init; }

    /// <summary>
    /// Where to write a training checkpoint after every epoch (and when cancelled), atomically;
    /// <see cref="Trainer.Resume"/> continues from it. Null writes none.
    /// </summary>
    public string? CheckpointPath { get; init; }

    /// <summary>k of the top-k accuracy (capped at the class count; default 5).</summary>
    public int TopK { get; init; } = 5;

    /// <summary>Throws one <see cref="ArgumentException"/> listing every inconsistent setting.</summary>
    public void Validate()
    {
        var check = new OptionsCheck(nameof(TrainerOptions))
            .Require(Epochs >= 1, $"Epochs must be at least 1 (was {Epochs}).")
            .Require(LearningRate > 0, $"LearningRate must be positive (was {LearningRate}).")
            .Require(LabelSmoothing is >= 0 and < 1, $"LabelSmoothing must be in [0, 1) (was {LabelSmoothing}).")
            .Require(Loss is null || (LabelSmoothing == 0 && ClassWeights is null), "LabelSmoothing and ClassWeights configure the default loss; with a custom Loss configure it instead.")
            .Require(ClassWeights is not { Length: 0 }, "ClassWeights is empty.")
            .Require(GradientAccumulationSteps >= 1, $"GradientAccumulationSteps must be at least 1 (was {GradientAccumulationSteps}).")
            .Require(MaxGradientNorm is not <= 0, $"MaxGradientNorm must be positive (was {MaxGradientNorm}).")
            .Require(EarlyStoppingPatience is not < 0, $"EarlyStoppingPatience must be >= 0 (was {EarlyStoppingPatience}).")
            .Require(EarlyStoppingMinDelta >= 0, $"EarlyStoppingMinDelta must be >= 0 (was {EarlyStoppingMinDelta}).")
            .Require(Enum.IsDefined(CpuStep), $"CpuStep {(int)CpuStep} is not a CpuStepMode.")
            .Require(TopK >= 1, $"TopK must be at least 1 (was {TopK}).")
            .Require(Metrics is not null && Metrics.All(m => m is not null), "Metrics must not be or contain null.")
            .Require(Callbacks is not null && Callbacks.All(c => c is not null), "Callbacks must not be or contain null.")
            .Require(CheckpointPath is not { Length: 0 }, "CheckpointPath is empty (use null for no checkpoint).")
            .Require(!(UseBFloat16Autocast && UseFloat16Autocast), "UseBFloat16Autocast and UseFloat16Autocast are exclusive.")
            .Require(!UseFloat16Autocast || Device.Type == DeviceType.Cuda, $"UseFloat16Autocast needs a CUDA Device (was {Device}); on the CPU use UseBFloat16Autocast.")
            .Require(GradScalerOptions is null || UseFloat16Autocast, "GradScalerOptions is set but UseFloat16Autocast is off.");
        if (GradScalerOptions is { } scaler) check.Include(scaler.Validate, nameof(GradScalerOptions));
        var metrics = Metrics ?? Array.Empty<Metric>();
        foreach (var m in metrics.Where(m => m is not null))
            check.Require(!MetricRegistry.BuiltIn.ContainsKey(m.Name) && !m.Name.StartsWith("train_", StringComparison.Ordinal) && !m.Name.StartsWith("val_", StringComparison.Ordinal),
                $"Metric name '{m.Name}' is a built-in name or has a phase prefix.");
        check.Require(metrics.Where(m => m is not null).Select(m => m.Name).Distinct().Count() == metrics.Count(m => m is not null), "Two metrics have the same name.");
        check.Include(() => MetricRegistry.HigherIsBetter(MonitorMetric ?? "", metrics.Where(m => m is not null)), "MonitorMetric")
            .ThrowIfAny();
    }

    internal TrainingLoss CreateDefaultLoss() => new CrossEntropyLoss(LabelSmoothing, ClassWeights);
}
