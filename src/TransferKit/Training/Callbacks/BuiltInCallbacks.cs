using Microsoft.Extensions.Logging;
using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Training;

/// <summary>
/// Steps a learning-rate schedule (<see cref="LRScheduler"/>): after every epoch, or after every
/// optimizer step with <c>perBatch</c> (OneCycle, warm-up in steps). The schedule is created from
/// the run's optimizer when the fit starts; its position is saved in checkpoints.
/// <see cref="TrainerOptions.SchedulerFactory"/> adds one.
/// </summary>
public sealed class LRSchedulerCallback : TrainerCallback, IStatefulCallback
{
    private readonly Func<Optimizer, LRScheduler> _factory;

    /// <summary>Creates the callback.</summary>
    /// <param name="factory">Creates the schedule for the run's optimizer, e.g. <c>o =&gt; new CosineAnnealingLR(o, 10)</c>.</param>
    /// <param name="perBatch">Step after every optimizer step instead of after every epoch.</param>
    /// <param name="stateKey">Checkpoint key (change it when a run has several schedules).</param>
    public LRSchedulerCallback(Func<Optimizer, LRScheduler> factory, bool perBatch = false, string stateKey = "lr_scheduler")
    {
        _factory = factory ?? throw new ArgumentNullException(nameof(factory));
        PerBatch = perBatch;
        StateKey = stateKey;
    }

    /// <summary>True when the schedule advances per optimizer step.</summary>
    public bool PerBatch { get; }

    /// <summary>The schedule of the current run (null before it starts).</summary>
    public LRScheduler? Scheduler { get; private set; }

    /// <inheritdoc />
    public string StateKey { get; }

    /// <inheritdoc />
    public override void OnFitStart(TrainerContext context) => Scheduler = _factory(context.Optimizer);

    /// <inheritdoc />
    public override void OnAfterOptimizerStep(TrainerContext context)
    {
        if (PerBatch) Scheduler!.Step();
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainerContext context)
    {
        if (!PerBatch) Scheduler!.Step();
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> ExportState(TrainerContext context) =>
        new Dictionary<string, object?> { ["step"] = (long)(Scheduler?.LastStep ?? 0) };

    /// <inheritdoc />
    public void ImportState(IReadOnlyDictionary<string, object?> state, TrainerContext context) => Scheduler!.SetStep((int)(long)state["step"]!);
}

/// <summary>
/// Plugs <see cref="ReduceLROnPlateau"/> into a <see cref="Trainer"/>: after every epoch it feeds the
/// monitored metric to the scheduler, which lowers the rates after a plateau (Keras's
/// <c>ReduceLROnPlateau</c> callback, PyTorch's scheduler semantics). Its state is saved in checkpoints.
/// </summary>
public sealed class ReduceLROnPlateauCallback : TrainerCallback, IStatefulCallback
{
    private readonly Func<Optimizer, ReduceLROnPlateau> _factory;

    /// <summary>Creates the callback.</summary>
    /// <param name="monitor">The metric fed to the scheduler (e.g. val_loss with <see cref="PlateauMode.Min"/>).</param>
    /// <param name="factory">Creates the scheduler for the run's optimizer, e.g. <c>o =&gt; new ReduceLROnPlateau(o, factor: 0.5, patience: 2)</c>.</param>
    public ReduceLROnPlateauCallback(string monitor, Func<Optimizer, ReduceLROnPlateau> factory)
    {
        ArgumentException.ThrowIfNullOrEmpty(monitor);
        Monitor = monitor;
        _factory = factory ?? throw new ArgumentNullException(nameof(factory));
    }

    /// <summary>The metric fed to the scheduler.</summary>
    public string Monitor { get; }

    /// <summary>The scheduler of the current run (null before it starts).</summary>
    public ReduceLROnPlateau? Scheduler { get; private set; }

    /// <inheritdoc />
    public string StateKey => "reduce_lr_on_plateau";

    /// <inheritdoc />
    public override void OnFitStart(TrainerContext context) => Scheduler = _factory(context.Optimizer);

    /// <inheritdoc />
    public override void OnEpochEnd(TrainerContext context)
    {
        var before = context.ParamGroups.Select(g => g.LearningRate).ToArray();
        Scheduler!.Step(context.LastEpoch!.Get(Monitor));
        for (int g = 0; g < before.Length; g++)
            if (context.ParamGroups[g].LearningRate != before[g])
                context.Logger.LogInformation("Epoch {Epoch}: {Metric} plateaued, learning rate of group {Group} lowered from {Old:G4} to {New:G4}",
                    context.Epoch, Monitor, g, before[g], context.ParamGroups[g].LearningRate);
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> ExportState(TrainerContext context) => Scheduler!.ExportState();

    /// <inheritdoc />
    public void ImportState(IReadOnlyDictionary<string, object?> state, TrainerContext context) => Scheduler!.ImportState(state);
}

/// <summary>The rule shared by early stopping, best weights and the result's best epoch.</summary>
internal static class Improvement
{
    public static bool IsImprovement(double value, double? best, bool higherIsBetter, double minDelta) =>
        best is not { } b || (higherIsBetter ? value > b + minDelta : value < b - minDelta);

    /// <summary>The best epoch of a history under <see cref="IsImprovement"/>, or null.</summary>
    public static EpochResult? BestEpoch(History history, string monitor, bool higherIsBetter, double minDelta)
    {
        EpochResult? best = null;
        foreach (var e in history.Epochs)
            if (IsImprovement(e.Get(monitor), best?.Get(monitor), higherIsBetter, minDelta)) best = e;
        return best;
    }
}

/// <summary>
/// Stops training when the monitored metric has not improved by more than <c>minDelta</c> for more
/// than <c>patience</c> epochs. <see cref="TrainerOptions.EarlyStoppingPatience"/> adds one.
/// </summary>
public sealed class EarlyStopping : TrainerCallback, IStatefulCallback
{
    private double? _best;
    private int _wait;

    /// <summary>Creates the callback.</summary>
    /// <param name="patience">Epochs without improvement tolerated (stops at patience + 1).</param>
    /// <param name="minDelta">Smallest change that counts as an improvement.</param>
    /// <param name="monitor">The metric; null follows the trainer's <see cref="TrainerContext.Monitor"/>.</param>
    /// <param name="higherIsBetter">Direction of <paramref name="monitor"/>; null infers it (<see cref="MetricRegistry"/>).</param>
    public EarlyStopping(int patience, double minDelta = 0, string? monitor = null, bool? higherIsBetter = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        ArgumentOutOfRangeException.ThrowIfNegative(minDelta);
        Patience = patience;
        MinDelta = minDelta;
        Monitor = monitor;
        HigherIsBetter = higherIsBetter;
    }

    /// <summary>Epochs without improvement tolerated.</summary>
    public int Patience { get; }

    /// <summary>Smallest improvement.</summary>
    public double MinDelta { get; }

    /// <summary>The monitored metric, or null for the trainer's.</summary>
    public string? Monitor { get; }

    /// <summary>The metric's direction, or null to infer it.</summary>
    public bool? HigherIsBetter { get; }

    /// <inheritdoc />
    public string StateKey => "early_stopping";

    /// <inheritdoc />
    public override void OnFitStart(TrainerContext context)
    {
        _best = null;
        _wait = 0;
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainerContext context)
    {
        string monitor = Monitor ?? context.Monitor;
        bool higher = HigherIsBetter ?? (Monitor is null ? context.MonitorHigherIsBetter : MetricRegistry.HigherIsBetter(monitor, context.Options.Metrics));
        double value = context.LastEpoch!.Get(monitor);
        if (Improvement.IsImprovement(value, _best, higher, MinDelta))
        {
            _best = value;
            _wait = 0;
        }
        else if (++_wait > Patience)
        {
            context.StopTraining($"{monitor} has not improved for {Patience} epochs (early stopping)");
        }
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> ExportState(TrainerContext context) =>
        new Dictionary<string, object?> { ["best"] = _best, ["wait"] = (long)_wait };

    /// <inheritdoc />
    public void ImportState(IReadOnlyDictionary<string, object?> state, TrainerContext context)
    {
        _best = state["best"] as double?;
        _wait = (int)(long)state["wait"]!;
    }
}

/// <summary>
/// Keeps a copy of the weights of the best epoch by the monitored metric and loads it into the model
/// when training ends (Keras's <c>restore_best_weights</c>). The copy is saved in checkpoints.
/// <see cref="TrainerOptions.RestoreBestWeights"/> adds one.
/// </summary>
public sealed class RestoreBestWeights : TrainerCallback, IStatefulCallback, IDisposable
{
    private StateDict? _weights;
    private double? _best;
    private int _bestEpoch;

    /// <summary>Creates the callback.</summary>
    /// <param name="minDelta">Smallest change that counts as an improvement.</param>
    public RestoreBestWeights(double minDelta = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minDelta);
        MinDelta = minDelta;
    }

    /// <summary>Smallest improvement.</summary>
    public double MinDelta { get; }

    /// <summary>The epoch whose weights are kept (0 before the first).</summary>
    public int BestEpoch => _bestEpoch;

    /// <inheritdoc />
    public string StateKey => "restore_best_weights";

    /// <inheritdoc />
    public override void OnFitStart(TrainerContext context)
    {
        Release();
        _best = null;
        _bestEpoch = 0;
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainerContext context)
    {
        double value = context.LastEpoch!.Get(context.Monitor);
        if (!Improvement.IsImprovement(value, _best, context.MonitorHigherIsBetter, MinDelta)) return;
        _best = value;
        _bestEpoch = context.Epoch;
        Release();
        using var state = context.Model.StateDict();
        _weights = state.Clone();
    }

    /// <inheritdoc />
    public override void OnFitEnd(TrainerContext context)
    {
        if (_weights is null) return;
        context.Model.LoadStateDict(_weights);
        context.Logger.LogInformation("Restored the weights of epoch {Epoch} ({Metric} = {Value:F4})", _bestEpoch, context.Monitor, _best);
        Release();
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, object?> ExportState(TrainerContext context) => new Dictionary<string, object?>
    {
        ["best"] = _best,
        ["epoch"] = (long)_bestEpoch,
        ["weights"] = _weights?.ToDictionary(p => p.Key, p => (object?)p.Value),
    };

    /// <inheritdoc />
    public void ImportState(IReadOnlyDictionary<string, object?> state, TrainerContext context)
    {
        Release();
        _best = state["best"] as double?;
        _bestEpoch = (int)(long)state["epoch"]!;
        if (state["weights"] is IReadOnlyDictionary<object, object?> weights)
            _weights = new StateDict(weights.Select(p => new KeyValuePair<string, Tensor>((string)p.Key, ((Tensor)p.Value!).Clone().DetachFromDisposeScope())));
        else if (state["weights"] is IReadOnlyDictionary<string, object?> named)
            _weights = new StateDict(named.Select(p => new KeyValuePair<string, Tensor>(p.Key, ((Tensor)p.Value!).Clone().DetachFromDisposeScope())));
    }

    /// <summary>Frees the kept weights.</summary>
    public void Dispose() => Release();

    private void Release()
    {
        _weights?.Dispose();
        _weights = null;
    }
}

/// <summary>
/// Writes the resume checkpoint (<see cref="Trainer.Resume"/>): after every epoch, and when the run
/// is cancelled (with the batches done of the interrupted epoch). It records the model, frozen
/// parameters, the optimizer's groups and state, the RNG state, the history and the state of every
/// <see cref="IStatefulCallback"/>. The trainer runs checkpoint writers after all other callbacks.
/// <see cref="TrainerOptions.CheckpointPath"/> adds one.
/// </summary>
public sealed class CheckpointWriter : TrainerCallback
{
    /// <summary>Creates the callback writing to <paramref name="path"/> (atomically: a crash leaves the previous file).</summary>
    public CheckpointWriter(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
    }

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainerContext context) => Write(context, context.Epoch, 0);

    /// <inheritdoc />
    public override void OnCancelled(TrainerContext context) => Write(context, context.Epoch - 1, context.BatchesDone);

    private void Write(TrainerContext context, int epochsDone, int batchesDone)
    {
        TrainingCheckpoint.Save(Path, context, epochsDone, batchesDone);
        context.Logger.LogDebug("Checkpoint written to {Path} (epoch {Epoch}, batch {Batch})", Path, epochsDone, batchesDone);
    }
}

/// <summary>Reports <see cref="TrainingProgress"/> after every training and validation batch (progress bars).</summary>
public sealed class ProgressReporter : TrainerCallback
{
    private readonly IProgress<TrainingProgress> _progress;

    /// <summary>Creates the callback.</summary>
    public ProgressReporter(IProgress<TrainingProgress> progress) => _progress = progress ?? throw new ArgumentNullException(nameof(progress));

    /// <inheritdoc />
    public override void OnBatchEnd(TrainerContext context) => _progress.Report(context.CurrentProgress());

    /// <inheritdoc />
    public override void OnValidationBatchEnd(TrainerContext context) => _progress.Report(context.CurrentProgress());
}

/// <summary>Logs the start of a run and one line per epoch (loss, accuracy, time) to the trainer's logger.</summary>
public sealed class EpochLogger : TrainerCallback
{
    /// <inheritdoc />
    public override void OnFitStart(TrainerContext context) =>
        context.Logger.LogInformation("Training {Parameters} of {Total} parameters for {Epochs} epochs, monitoring {Metric}",
            context.Model.ParameterCount(trainableOnly: true), context.Model.ParameterCount(), context.Epochs, context.Monitor);

    /// <inheritdoc />
    public override void OnEpochEnd(TrainerContext context)
    {
        var e = context.LastEpoch!;
        context.Logger.LogInformation("Epoch {Epoch}/{Epochs}: train loss {TrainLoss:F4} acc {TrainAcc:P1}{Val} ({Seconds:F1} s)",
            e.Epoch, context.Epochs, e.Train.Loss, e.Train.Accuracy,
            e.Validation is null ? "" : $", val loss {e.Validation.Loss:F4} acc {e.Validation.Accuracy:P1}", e.Duration.TotalSeconds);
    }
}
