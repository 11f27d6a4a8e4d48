using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TransferKit.NN;
using TransferKit.Engine;
using TransferKit.Data;

namespace TransferKit.Training;

/// <summary>
/// Trains a model: per epoch a training phase (forward, loss, backward, optimizer step, with
/// optional gradient accumulation, clipping and bf16 autocast) and a validation phase, measuring
/// the loss and metrics (<see cref="MetricRegistry"/>). Everything else is a
/// <see cref="TrainerCallback"/>: learning-rate schedules, best-weight restore, early stopping,
/// checkpoints, progress and logging are built-in callbacks that <see cref="TrainerOptions"/> adds,
/// and user callbacks (<see cref="TrainerOptions.Callbacks"/> or the constructor) can stop training,
/// change the optimizer's groups, or freeze and unfreeze layers. Cancellation stops after the
/// current batch, writes the resume checkpoint when one is configured and throws
/// <see cref="OperationCanceledException"/>. Every intermediate tensor of a step is freed when the step ends.
/// </summary>
public sealed class Trainer
{
    private readonly TrainerOptions _options;
    private readonly ILogger _logger;
    private readonly TrainerCallback[] _userCallbacks;

    /// <summary>Creates a trainer; the options are validated now.</summary>
    public Trainer(TrainerOptions options, ILogger<Trainer>? logger = null) : this(options, Array.Empty<TrainerCallback>(), logger) { }

    /// <summary>Creates a trainer with callbacks (run after those of <see cref="TrainerOptions.Callbacks"/>); the options are validated now.</summary>
    public Trainer(TrainerOptions options, IEnumerable<TrainerCallback> callbacks, ILogger<Trainer>? logger = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        ArgumentNullException.ThrowIfNull(callbacks);
        _options.Validate();
        _userCallbacks = _options.Callbacks.Concat(callbacks).ToArray();
        if (_userCallbacks.Any(c => c is null)) throw new ArgumentException("A callback is null.", nameof(callbacks));
        CheckStateKeys(_userCallbacks);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The user callbacks (options' first), in calling order.</summary>
    public IReadOnlyList<TrainerCallback> Callbacks => _userCallbacks;

    /// <summary>Raised after every epoch with its metrics.</summary>
    public event EventHandler<EpochResult>? EpochCompleted;

    /// <summary>Raised after every training batch.</summary>
    public event EventHandler<TrainingProgress>? BatchCompleted;

    /// <summary>
    /// Trains <paramref name="model"/> on <paramref name="train"/> (enumerated once per epoch) and
    /// measures it on <paramref name="validation"/> after each epoch. Batches are disposed after use.
    /// </summary>
    /// <exception cref="OperationCanceledException">The token was cancelled (the resume checkpoint was written first).</exception>
    public TrainingResult Fit(Module model, IEnumerable<Batch> train, IEnumerable<Batch>? validation = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(model, train, validation, progress, cancellationToken, resume: null);

    /// <summary>
    /// Continues a run from a checkpoint written by <see cref="TrainerOptions.CheckpointPath"/> (or a
    /// <see cref="CheckpointWriter"/>): restores the weights, frozen parameters, the optimizer's groups
    /// (also those added during the run) and state, RNG state, history and every stateful callback,
    /// then trains the remaining epochs (skipping the batches an interrupted epoch had done).
    /// <paramref name="model"/> must have the checkpoint's architecture, the trainer the same options
    /// and callbacks; the batch sources should be the same (an <see cref="IEpochAware"/> loader
    /// reproduces each epoch's order). In deterministic mode the result equals an uninterrupted run.
    /// </summary>
    public TrainingResult Resume(string checkpointPath, Module model, IEnumerable<Batch> train, IEnumerable<Batch>? validation = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpointPath);
        using var checkpoint = TrainingCheckpoint.Load(checkpointPath);
        return Run(model, train, validation, progress, cancellationToken, checkpoint);
    }

    /// <summary>Measures a model in evaluation mode (no gradients) on a batch source.</summary>
    public PhaseMetrics Evaluate(Module model, IEnumerable<Batch> data, IProgress<TrainingProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        using var ownLoss = _options.Loss is null ? _options.CreateDefaultLoss() : null;
        var reporter = progress is null ? Array.Empty<TrainerCallback>() : new TrainerCallback[] { new ProgressReporter(progress) };
        return RunEvaluation(model, data, _options.Loss ?? ownLoss!, null, reporter);
    }

    private TrainingResult Run(Module model, IEnumerable<Batch> train, IEnumerable<Batch>? validation,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken, TrainingCheckpoint? resume)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        string monitor = validation is null && _options.MonitorMetric.StartsWith("val_", StringComparison.Ordinal) ? "train_loss" : _options.MonitorMetric;
        bool higherIsBetter = MetricRegistry.HigherIsBetter(monitor, _options.Metrics);

        MoveToDevice(model);
        if (resume is not null)
        {
            var frozen = new HashSet<string>(resume.Frozen);
            foreach (var (name, p) in model.NamedParameters()) p.RequiresGrad = !frozen.Contains(name);
            model.LoadStateDict(resume.Model);
        }
        using var optimizer = _options.OptimizerFactory?.Invoke(model)
            ?? new SGD(model.TrainableParameters(), _options.LearningRate, momentum: 0.9);
        if (resume is not null)
        {
            resume.RestoreParamGroups(optimizer, model);
            optimizer.ImportState(resume.Optimizer);
        }
        var history = resume?.History ?? new History();
        using var ownLoss = _options.Loss is null ? _options.CreateDefaultLoss() : null;
        var loss = _options.Loss ?? ownLoss!;
        var builtIns = BuiltInCallbacks(progress, out var writers);
        var callbacks = builtIns.Concat(_userCallbacks).Concat(writers).ToArray();
        CheckStateKeys(callbacks);
        using var scaler = _options.UseFloat16Autocast ? new GradScaler(_options.GradScalerOptions) : null;
        var context = new TrainerContext(model, optimizer, _options, history, monitor, higherIsBetter, _logger, cancellationToken)
        {
            Callbacks = callbacks,
            Scaler = scaler,
        };
        using var stepFormat = TrainingStepFormat.Enter(_options, model, _logger);
        if (_options.Distributed is { } distributed)
        {
            _logger.LogInformation("Data-parallel: rank {Rank} of {WorldSize}; parameters and buffers copied from rank 0", distributed.Rank, distributed.WorldSize);
            distributed.Broadcast(model.Parameters().Concat(model.NamedBuffers().Select(b => b.Buffer)).ToArray());
        }
        try
        {
            foreach (var c in callbacks) c.OnFitStart(context);
            int firstEpoch = 1, skipBatches = 0;
            if (resume is not null)
            {
                ImportCallbackStates(resume, callbacks, context);
                Torch.SetRngState(resume.RngState);
                firstEpoch = resume.EpochsDone + 1;
                skipBatches = resume.BatchesDone;
                _logger.LogInformation("Resuming after epoch {Epoch} (and {Batches} batches of the next)", resume.EpochsDone, skipBatches);
            }
            for (int epoch = firstEpoch; epoch <= _options.Epochs && !context.StopRequested; epoch++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    // Seen between epochs: the run is at the start of this epoch (past the batches a resume skips).
                    context.Epoch = epoch;
                    context.BatchesDone = skipBatches;
                    Cancel(context, callbacks);
                }
                var clock = Stopwatch.StartNew();
                context.Epoch = epoch;
                foreach (var c in callbacks) c.OnEpochStart(context);
                var learningRates = optimizer.ParamGroups.Select(g => g.LearningRate).ToArray();
                var trainMetrics = TrainEpoch(context, train, loss, skipBatches, callbacks, stepFormat);
                skipBatches = 0;
                var valMetrics = validation is null ? null : RunEvaluation(model, validation, loss, context, callbacks, stepFormat);
                context.TrainMetrics = trainMetrics;
                context.ValidationMetrics = valMetrics;
                foreach (var c in callbacks) c.OnValidationEnd(context);
                var result = new EpochResult(epoch, trainMetrics, valMetrics, learningRates, clock.Elapsed);
                history.Add(result);
                foreach (var c in callbacks) c.OnEpochEnd(context);
                EpochCompleted?.Invoke(this, result);
            }
            foreach (var c in callbacks) c.OnFitEnd(context);
        }
        finally
        {
            foreach (var c in builtIns.OfType<IDisposable>()) c.Dispose();
            context.ReleaseBatchLoss();
        }
        var best = Improvement.BestEpoch(history, monitor, higherIsBetter, _options.EarlyStoppingMinDelta);
        bool early = context.StopRequested && context.Epoch < _options.Epochs;
        return new TrainingResult(history, best, early, early ? context.StopReason : null);
    }

    /// <summary>
    /// Tells every callback that the run was cancelled at <see cref="TrainerContext.Epoch"/> after
    /// <see cref="TrainerContext.BatchesDone"/> batches (the checkpoint writer saves that point, a report marks
    /// the run cancelled), then throws <see cref="OperationCanceledException"/>.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Cancel(TrainerContext context, IEnumerable<TrainerCallback> callbacks)
    {
        _logger.LogWarning("Training cancelled during epoch {Epoch} after {Batches} batches", context.Epoch, context.BatchesDone);
        foreach (var c in callbacks) c.OnCancelled(context);
        throw new OperationCanceledException(
            $"Training was cancelled during epoch {context.Epoch} after {context.BatchesDone} batches.", context.CancellationToken);
    }

    /// <summary>The callbacks the options ask for: logging, schedule, best weights, early stopping, progress (first), checkpoint (last).</summary>
    private List<TrainerCallback> BuiltInCallbacks(IProgress<TrainingProgress>? progress, out List<TrainerCallback> writers)
    {
        var list = new List<TrainerCallback> { new EpochLogger() };
        if (_options.SchedulerFactory is { } schedule) list.Add(new LRSchedulerCallback(schedule, _options.StepSchedulerPerBatch));
        if (_options.RestoreBestWeights) list.Add(new RestoreBestWeights(_options.EarlyStoppingMinDelta));
        if (_options.EarlyStoppingPatience is { } patience) list.Add(new EarlyStopping(patience, _options.EarlyStoppingMinDelta));
        if (progress is not null) list.Add(new ProgressReporter(progress));
        writers = new List<TrainerCallback>();
        if (_options.CheckpointPath is { } path && _options.Distributed is not { IsMain: false }) writers.Add(new CheckpointWriter(path));
        return list;
    }

    private static void CheckStateKeys(IEnumerable<TrainerCallback> callbacks)
    {
        var duplicate = callbacks.OfType<IStatefulCallback>().GroupBy(c => c.StateKey).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException(
                $"Two callbacks save their state under the same key '{duplicate.Key}' ({string.Join(", ", duplicate.Select(c => c.GetType().Name))}); " +
                "a built-in that TrainerOptions adds (SchedulerFactory, RestoreBestWeights, EarlyStoppingPatience) must not also be in Callbacks.");
    }

    private void ImportCallbackStates(TrainingCheckpoint resume, IReadOnlyList<TrainerCallback> callbacks, TrainerContext context)
    {
        var seen = new HashSet<string>();
        foreach (var callback in callbacks.OfType<IStatefulCallback>())
        {
            seen.Add(callback.StateKey);
            if (resume.CallbackState(callback.StateKey) is { } state) callback.ImportState(state, context);
            else _logger.LogWarning("The checkpoint {Path} has no state for callback '{Key}'; it starts afresh", resume.Path, callback.StateKey);
        }
        foreach (var key in resume.Callbacks.Keys.Cast<string>().Where(k => !seen.Contains(k)))
            _logger.LogWarning("The checkpoint {Path} holds state for callback '{Key}', which this run does not have", resume.Path, key);
    }

    private PhaseMetrics TrainEpoch(TrainerContext context, IEnumerable<Batch> train, TrainingLoss loss, int skipBatches, TrainerCallback[] callbacks, TrainingStepFormat stepFormat)
    {
        var model = context.Model;
        var optimizer = context.Optimizer;
        var cancellationToken = context.CancellationToken;
        model.Train();
        (train as IEpochAware)?.SetEpoch(context.Epoch);
        using var accumulator = new PhaseAccumulator(_options.TopK, _options.Metrics);
        context.Phase = TrainingPhase.Train;
        context.Running = accumulator;
        context.BatchCount = (train as IReadOnlyCollection<Batch>)?.Count;
        int accumulate = _options.GradientAccumulationSteps;
        int batchIndex = 0, pending = 0;
        Tensor[]? clipped = null;
        optimizer.ZeroGrad();

        foreach (var batch in train)
        {
            if (batchIndex < skipBatches)
            {
                // Resuming an interrupted epoch: these batches were trained on before the checkpoint.
                batch.Dispose();
                batchIndex++;
                continue;
            }
            context.BatchIndex = batchIndex;
            context.Batch = batch;
            try
            {
                using (batch)
                using (var scope = Torch.NewDisposeScope())
                using (var onDevice = ToDevice(batch))
                {
                    var current = onDevice ?? batch;
                    context.Batch = current;
                    foreach (var c in callbacks) c.OnBatchStart(context);
                    var inputs = stepFormat.Prepare(current.Inputs);
                    using (Autocast(stepFormat))
                    {
                        var outputs = model.Forward(inputs).To(ScalarType.Float32);
                        if (batchIndex == skipBatches) CheckClassCount(outputs, train);
                        context.Outputs = outputs;
                        context.Loss = loss.Compute(outputs, current, TrainingPhase.Train);
                    }
                    foreach (var c in callbacks) c.OnAfterLoss(context);
                    var value = context.Loss ?? throw new InvalidOperationException("A callback set TrainerContext.Loss to null.");
                    var toBackward = accumulate == 1 ? value : value / accumulate;
                    (context.Scaler is { } s ? s.Scale(toBackward) : toBackward).Backward();
                    pending++;
                    context.SetBatchLoss(value);
                    using (Torch.NoGrad()) accumulator.Add(context.Outputs.Detach(), current, value);
                    batchIndex++;
                    context.BatchesDone = batchIndex;
                    if (pending == accumulate)
                    {
                        ApplyStep(context, callbacks, ref clipped);
                        pending = 0;
                    }
                    foreach (var c in callbacks) c.OnBatchEnd(context);
                }
            }
            finally
            {
                context.EndStep();
            }
            if (BatchCompleted is { } handler) handler(this, context.CurrentProgress());
            if (cancellationToken.IsCancellationRequested) Cancel(context, callbacks);
        }
        if (pending > 0) ApplyStep(context, callbacks, ref clipped);
        if (batchIndex == 0) throw new InvalidOperationException("The training data produced no batches.");
        context.Running = null;
        if (_options.Distributed is { } distributed) accumulator.AllReduce(distributed);
        return accumulator.Result();
    }

    /// <summary>Moves the model to the training device when any parameter or buffer lives elsewhere.</summary>
    private void MoveToDevice(Module model)
    {
        var device = _options.Device;
        if (model.Parameters().Concat(model.NamedBuffers().Select(b => b.Buffer)).Any(t => t.Device != device))
        {
            _logger.LogInformation("Moving the model to {Device}", device);
            model.To(device);
        }
    }

    /// <summary>The batch on the training device (an asynchronous copy from pinned memory), or null when it is already there.</summary>
    private Batch? ToDevice(Batch batch)
    {
        var device = _options.Device;
        if (batch.Targets.Device == device && batch.Inputs.Values.All(t => t.Device == device)) return null;
        return batch.To(device, nonBlocking: true);
    }

    /// <summary>The autocast scope of the forward pass: float16 when asked for (CUDA), else the step format's bf16, or null.</summary>
    private IDisposable? Autocast(TrainingStepFormat stepFormat) =>
        _options.UseFloat16Autocast ? Torch.Autocast(_options.Device, ScalarType.Float16) : stepFormat.EnterAutocast(_options.Device);

    private static void CheckClassCount(Tensor outputs, IEnumerable<Batch> train)
    {
        if (train is DataLoader loader && outputs.NDim == 2 && outputs.Size(1) != loader.Dataset.Classes.Count)
            throw new InvalidOperationException(
                $"The model produces {outputs.Size(1)} outputs per sample but the training data has {loader.Dataset.Classes.Count} classes " +
                $"({string.Join(", ", loader.Dataset.Classes.Take(10))}): replace the head to match (e.g. ReplaceHead(dataset.Classes)).");
    }

    private void ApplyStep(TrainerContext context, TrainerCallback[] callbacks, ref Tensor[]? clipped)
    {
        var optimizer = context.Optimizer;
        if (_options.Distributed is { } distributed)
        {
            // DistributedDataParallel's gradient averaging, after backward and before anything reads the gradients.
            var grads = optimizer.ParamGroups.SelectMany(g => g.Parameters).Distinct().Select(p => p.Grad).OfType<Tensor>().ToArray();
            try
            {
                distributed.AllReduceMean(grads);
            }
            finally
            {
                foreach (var g in grads) g.Dispose();
            }
        }
        foreach (var c in callbacks) c.OnBeforeOptimizerStep(context);
        var scaler = context.Scaler;
        if (_options.MaxGradientNorm is { } maxNorm)
        {
            // Clip the true gradients: unscale first under float16 loss scaling.
            scaler?.Unscale_(optimizer);
            // The optimizer's parameters, gathered again only when a callback changed the groups.
            int count = optimizer.ParamGroups.Sum(g => g.Parameters.Count);
            if (clipped is null || clipped.Length != count) clipped = optimizer.ParamGroups.SelectMany(g => g.Parameters).ToArray();
            Torch.ClipGradNorm_(clipped, maxNorm);
        }
        if (scaler is null) optimizer.Step();
        else
        {
            if (!scaler.Step(optimizer))
                _logger.LogDebug("Skipped an optimizer step: float16 gradients overflowed at loss scale {Scale}", scaler.CurrentScale);
            scaler.Update();
        }
        optimizer.ZeroGrad();
        foreach (var c in callbacks) c.OnAfterOptimizerStep(context);
    }

    private PhaseMetrics RunEvaluation(Module model, IEnumerable<Batch> data, TrainingLoss loss, TrainerContext? context, IReadOnlyList<TrainerCallback> callbacks,
        TrainingStepFormat? stepFormat = null)
    {
        bool wasTraining = model.Training;
        model.Eval();
        using var accumulator = new PhaseAccumulator(_options.TopK, _options.Metrics);
        int? batchCount = (data as IReadOnlyCollection<Batch>)?.Count;
        int epoch = context?.Epoch ?? 0;
        (data as IEpochAware)?.SetEpoch(Math.Max(epoch, 1));
        // Evaluate() has no run: its progress reporter gets a context of its own.
        var ctx = context ?? new TrainerContext(model, null!, _options, new History(), _options.MonitorMetric, true, _logger, default);
        ctx.Phase = TrainingPhase.Validate;
        ctx.Running = accumulator;
        ctx.BatchCount = batchCount;
        int batchIndex = 0;
        try
        {
            using var noGrad = Torch.NoGrad();
            foreach (var batch in data)
            {
                using (batch)
                using (var scope = Torch.NewDisposeScope())
                using (var onDevice = ToDevice(batch))
                {
                    var current = onDevice ?? batch;
                    var outputs = model.Forward(stepFormat?.Prepare(current.Inputs) ?? current.Inputs).To(ScalarType.Float32);
                    accumulator.Add(outputs, current, loss.Compute(outputs, current, TrainingPhase.Validate));
                }
                batchIndex++;
                ctx.BatchesDone = batchIndex;
                foreach (var c in callbacks) c.OnValidationBatchEnd(ctx);
            }
        }
        finally
        {
            model.Train(wasTraining);
            ctx.Running = null;
        }
        if (context is not null && _options.Distributed is { } distributed) accumulator.AllReduce(distributed);
        return accumulator.Result();
    }
}
