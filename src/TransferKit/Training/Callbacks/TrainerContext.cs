using Microsoft.Extensions.Logging;
using TransferKit.Data;
using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Training;

/// <summary>
/// The state of a <see cref="Trainer"/> run as its callbacks see it: the model, the optimizer and
/// its parameter groups, where the run is (epoch, batch), the current batch with its outputs and
/// loss, the metrics and history so far; and the actions a callback may take: stop training, add a
/// parameter group, freeze or unfreeze modules. Values that only exist during part of a step
/// (<see cref="Batch"/>, <see cref="Outputs"/>, <see cref="Loss"/>) are null outside it; the tensors
/// belong to the trainer and are freed when the step ends.
/// </summary>
public sealed class TrainerContext
{
    internal TrainerContext(Module model, Optimizer optimizer, TrainerOptions options, History history, string monitor, bool monitorHigherIsBetter,
        ILogger logger, CancellationToken cancellationToken)
    {
        Model = model;
        Optimizer = optimizer;
        Options = options;
        History = history;
        Monitor = monitor;
        MonitorHigherIsBetter = monitorHigherIsBetter;
        Logger = logger;
        CancellationToken = cancellationToken;
    }

    /// <summary>The model being trained.</summary>
    public Module Model { get; }

    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The optimizer's parameter groups (learning rates can be changed here).</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => Optimizer.ParamGroups;

    /// <summary>The trainer's settings.</summary>
    public TrainerOptions Options { get; }

    /// <summary>The run's logger.</summary>
    public ILogger Logger { get; }

    /// <summary>The run's cancellation token.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Epochs planned (<see cref="TrainerOptions.Epochs"/>).</summary>
    public int Epochs => Options.Epochs;

    /// <summary>The current epoch, from 1 (0 before the first).</summary>
    public int Epoch { get; internal set; }

    /// <summary>The index of the current training batch within its epoch, from 0.</summary>
    public int BatchIndex { get; internal set; }

    /// <summary>Training batches done in the current epoch (including those a resumed epoch skipped).</summary>
    public int BatchesDone { get; internal set; }

    /// <summary>Optimizer steps taken in this run, resumed runs included.</summary>
    public long OptimizerSteps => Optimizer.StepCount;

    /// <summary>The current training batch (during batch events), else null.</summary>
    public Batch? Batch { get; internal set; }

    /// <summary>The model's outputs for the current batch (from <see cref="TrainerCallback.OnAfterLoss"/> to the batch's end), else null.</summary>
    public Tensor? Outputs { get; internal set; }

    /// <summary>
    /// The current batch's loss (from <see cref="TrainerCallback.OnAfterLoss"/>, before backward);
    /// a callback may replace it in <see cref="TrainerCallback.OnAfterLoss"/> (e.g. add a penalty),
    /// and the trainer back-propagates the replacement.
    /// </summary>
    public Tensor? Loss { get; set; }

    /// <summary>
    /// The last training batch's loss value (valid from <see cref="TrainerCallback.OnBatchEnd"/> until
    /// the next batch). Read on first use: on a GPU, reading it waits for the step to finish, which
    /// the trainer itself does not do after every step.
    /// </summary>
    public double BatchLoss => _batchLossValue ??= _batchLoss?.Item<double>() ?? 0;

    private Tensor? _batchLoss;
    private double? _batchLossValue;

    /// <summary>Holds the batch's loss (an alias that outlives the step's dispose scope) until the next batch.</summary>
    internal void SetBatchLoss(Tensor loss)
    {
        _batchLoss?.Dispose();
        _batchLoss = loss.Detach().DetachFromDisposeScope();
        _batchLossValue = null;
    }

    /// <summary>Releases the last batch's loss.</summary>
    internal void ReleaseBatchLoss()
    {
        _batchLoss?.Dispose();
        _batchLoss = null;
    }

    /// <summary>The float16 loss scaler when <see cref="TrainerOptions.UseFloat16Autocast"/> is on, else null.</summary>
    public GradScaler? Scaler { get; internal init; }

    /// <summary>The training metrics of the epoch that just trained (from <see cref="TrainerCallback.OnValidationEnd"/>).</summary>
    public PhaseMetrics? TrainMetrics { get; internal set; }

    /// <summary>The validation metrics of the epoch (from <see cref="TrainerCallback.OnValidationEnd"/>; null without validation data).</summary>
    public PhaseMetrics? ValidationMetrics { get; internal set; }

    /// <summary>The epochs so far (one history for the whole run, resumed runs included).</summary>
    public History History { get; }

    /// <summary>The last completed epoch, or null.</summary>
    public EpochResult? LastEpoch => History.Epochs.Count == 0 ? null : History.Epochs[^1];

    /// <summary>The metric that picks the best epoch (<see cref="TrainerOptions.MonitorMetric"/>, or train_loss without validation data).</summary>
    public string Monitor { get; }

    /// <summary>True when a larger value of <see cref="Monitor"/> is better.</summary>
    public bool MonitorHigherIsBetter { get; }

    /// <summary>True once a callback asked to stop.</summary>
    public bool StopRequested { get; private set; }

    /// <summary>Why training was stopped, or null.</summary>
    public string? StopReason { get; private set; }

    /// <summary>
    /// Asks the trainer to stop after the current epoch (Keras's <c>model.stop_training = True</c>);
    /// called during an epoch the epoch still finishes, with validation and end-of-epoch events.
    /// </summary>
    public void StopTraining(string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        if (StopRequested) return;
        StopRequested = true;
        StopReason = reason;
        Logger.LogInformation("Stopping after epoch {Epoch}: {Reason}", Epoch, reason);
    }

    /// <summary>
    /// Adds a parameter group to the optimizer (Lightning's <c>BackboneFinetuning</c> does this when
    /// it unfreezes): its parameters must require gradients and not be in the optimizer yet.
    /// The checkpoint records the groups, so a resumed run rebuilds them.
    /// </summary>
    public void AddParamGroup(ParamGroup group) => Optimizer.AddParamGroup(group);

    /// <summary>The model's trainable parameters that no parameter group holds yet (e.g. just unfrozen).</summary>
    public IReadOnlyList<Tensor> ParametersNotInOptimizer()
    {
        var held = new HashSet<Tensor>(Optimizer.ParamGroups.SelectMany(g => g.Parameters), ReferenceEqualityComparer.Instance);
        return Model.Parameters().Where(p => p.RequiresGrad && !held.Contains(p)).ToArray();
    }

    /// <summary>Stops gradients for every parameter of the module at <paramref name="modulePath"/> ("" = the whole model).</summary>
    public void Freeze(string modulePath = "") => SetRequiresGrad(modulePath, false);

    /// <summary>
    /// Makes every parameter of the module at <paramref name="modulePath"/> ("" = the whole model)
    /// trainable and returns those that were frozen; add them to the optimizer with
    /// <see cref="AddParamGroup"/> (an optimizer only updates the parameters it holds).
    /// </summary>
    public IReadOnlyList<Tensor> Unfreeze(string modulePath = "") => SetRequiresGrad(modulePath, true);

    private IReadOnlyList<Tensor> SetRequiresGrad(string modulePath, bool value)
    {
        ArgumentNullException.ThrowIfNull(modulePath);
        var changed = new List<Tensor>();
        foreach (var p in Model.GetSubmodule(modulePath).Parameters())
        {
            if (p.RequiresGrad == value) continue;
            p.RequiresGrad = value;
            changed.Add(p);
        }
        Model.Train(Model.Training); // lets a model re-apply mode rules that depend on freezing
        return changed;
    }

    /// <summary>Which phase is running.</summary>
    public TrainingPhase Phase { get; internal set; }

    /// <summary>Batches in the running phase when the source knows it, else null.</summary>
    public int? BatchCount { get; internal set; }

    internal PhaseAccumulator? Running { get; set; }

    /// <summary>Mean loss so far in the running phase.</summary>
    public double RunningLoss => Running?.MeanLoss ?? 0;

    /// <summary>Accuracy so far in the running phase.</summary>
    public double RunningAccuracy => Running?.Accuracy ?? 0;

    /// <summary>The progress of the running phase, as <see cref="IProgress{T}"/> reporters receive it.</summary>
    public TrainingProgress CurrentProgress() => new(Epoch, Epochs, Phase, BatchesDone, BatchCount, RunningLoss, RunningAccuracy);

    /// <summary>The callbacks of the run, in calling order (checkpoint writers last).</summary>
    public IReadOnlyList<TrainerCallback> Callbacks { get; internal set; } = Array.Empty<TrainerCallback>();

    internal void EndStep()
    {
        Batch = null;
        Outputs = null;
        Loss = null;
    }
}
