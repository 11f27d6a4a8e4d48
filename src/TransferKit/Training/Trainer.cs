using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TransferKit.NN;
using TransferKit.Engine;
using TransferKit.Data;

namespace TransferKit.Training;

/// <summary>
/// Trains a classifier: per epoch a training phase (forward, cross-entropy, backward, optimizer
/// step, with optional gradient accumulation, clipping and bf16 autocast) and a validation phase;
/// metrics (loss, accuracy, top-k, per-class precision/recall/F1, confusion matrix); keeping the
/// best weights by a chosen metric; early stopping; learning-rate schedules; cancellation after
/// the current batch; logging, progress and events. Every intermediate tensor of a step is freed
/// when the step ends.
/// </summary>
public sealed class Trainer
{
    private readonly TrainerOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a trainer; the options are validated now.</summary>
    public Trainer(TrainerOptions options, ILogger<Trainer>? logger = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Raised after every epoch with its metrics.</summary>
    public event EventHandler<EpochResult>? EpochCompleted;

    /// <summary>Raised after every training batch.</summary>
    public event EventHandler<TrainingProgress>? BatchCompleted;

    /// <summary>
    /// Trains <paramref name="model"/> on <paramref name="train"/> (enumerated once per epoch) and
    /// measures it on <paramref name="validation"/> after each epoch. Batches are disposed after use.
    /// </summary>
    public TrainingResult Fit(Module model, IEnumerable<Batch> train, IEnumerable<Batch>? validation = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(model, train, validation, progress, cancellationToken, resume: null);

    /// <summary>
    /// Continues a run from a checkpoint written by <see cref="TrainerOptions.CheckpointPath"/>:
    /// restores the weights, frozen parameters, optimizer state, schedule, RNG state, history and
    /// best weights, then trains the remaining epochs (skipping the batches a cancelled epoch had
    /// already done). <paramref name="model"/> must have the checkpoint's architecture; the batch
    /// sources should be the same (an <see cref="IEpochAware"/> loader reproduces each epoch's
    /// order). In deterministic mode the result equals an uninterrupted run.
    /// </summary>
    public TrainingResult Resume(string checkpointPath, Module model, IEnumerable<Batch> train, IEnumerable<Batch>? validation = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpointPath);
        using var checkpoint = TrainingCheckpoint.Load(checkpointPath);
        return Run(model, train, validation, progress, cancellationToken, checkpoint);
    }

    private TrainingResult Run(Module model, IEnumerable<Batch> train, IEnumerable<Batch>? validation,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken, TrainingCheckpoint? resume)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        string monitor = validation is null && _options.MonitorMetric.StartsWith("val_", StringComparison.Ordinal) ? "train_loss" : _options.MonitorMetric;
        bool lowerIsBetter = MetricDirection.IsLowerBetter(monitor);

        if (resume is not null)
        {
            var frozen = new HashSet<string>(resume.Frozen);
            foreach (var (name, p) in model.NamedParameters()) p.RequiresGrad = !frozen.Contains(name);
            model.LoadStateDict(resume.Model);
        }
        using var optimizer = _options.OptimizerFactory?.Invoke(model)
            ?? new SGD(model.TrainableParameters(), _options.LearningRate, momentum: 0.9);
        var scheduler = _options.SchedulerFactory?.Invoke(optimizer);
        var history = resume?.History ?? new History();
        Dictionary<string, Tensor>? bestWeights = null;
        EpochResult? best = null;
        int epochsWithoutImprovement = 0, firstEpoch = 1, skipBatches = 0;
        bool stoppedEarly = false, cancelled = false;
        if (resume is not null)
        {
            optimizer.ImportState(resume.Optimizer);
            scheduler?.SetStep(resume.SchedulerStep);
            Torch.SetRngState(resume.RngState);
            if (resume.Best is not null) bestWeights = resume.Best.ToDictionary(p => p.Key, p => p.Value.Clone().DetachFromDisposeScope());
            best = history.Epochs.FirstOrDefault(e => e.Epoch == resume.BestEpoch);
            epochsWithoutImprovement = resume.EpochsWithoutImprovement;
            firstEpoch = resume.EpochsDone + 1;
            skipBatches = resume.BatchesDone;
            _logger.LogInformation("Resuming after epoch {Epoch} (and {Batches} batches of the next)", resume.EpochsDone, skipBatches);
        }

        _logger.LogInformation("Training {Parameters} of {Total} parameters for {Epochs} epochs, monitoring {Metric}",
            model.ParameterCount(trainableOnly: true), model.ParameterCount(), _options.Epochs, monitor);
        try
        {
            for (int epoch = firstEpoch; epoch <= _options.Epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                var learningRates = optimizer.ParamGroups.Select(g => g.LearningRate).ToArray();
                var trainMetrics = TrainEpoch(model, train, optimizer, scheduler, epoch, skipBatches, progress, cancellationToken, out int batchesDone, out cancelled);
                skipBatches = 0;
                if (cancelled)
                {
                    _logger.LogWarning("Training cancelled during epoch {Epoch} after {Batches} batches", epoch, batchesDone);
                    SaveCheckpoint(model, optimizer, scheduler, epoch - 1, batchesDone, history, bestWeights, best, epochsWithoutImprovement);
                    break;
                }
                var valMetrics = validation is null ? null : RunEvaluation(model, validation, epoch, progress);
                if (scheduler is not null && !_options.StepSchedulerPerBatch) scheduler.Step();

                var result = new EpochResult(epoch, trainMetrics, valMetrics, learningRates, clock.Elapsed);
                history.Add(result);
                _logger.LogInformation("Epoch {Epoch}/{Epochs}: train loss {TrainLoss:F4} acc {TrainAcc:P1}{Val} ({Seconds:F1} s)",
                    epoch, _options.Epochs, trainMetrics.Loss, trainMetrics.Accuracy,
                    valMetrics is null ? "" : $", val loss {valMetrics.Loss:F4} acc {valMetrics.Accuracy:P1}", clock.Elapsed.TotalSeconds);
                EpochCompleted?.Invoke(this, result);

                double value = result.Get(monitor);
                double bestValue = best?.Get(monitor) ?? (lowerIsBetter ? double.PositiveInfinity : double.NegativeInfinity);
                bool improved = lowerIsBetter ? value < bestValue - _options.EarlyStoppingMinDelta : value > bestValue + _options.EarlyStoppingMinDelta;
                if (improved || best is null)
                {
                    best = result;
                    epochsWithoutImprovement = 0;
                    if (_options.RestoreBestWeights) Snapshot(model, ref bestWeights);
                }
                else
                {
                    epochsWithoutImprovement++;
                }
                SaveCheckpoint(model, optimizer, scheduler, epoch, 0, history, bestWeights, best, epochsWithoutImprovement);
                if (_options.EarlyStoppingPatience is { } patience && epochsWithoutImprovement > patience)
                {
                    _logger.LogInformation("Early stopping after epoch {Epoch}: {Metric} has not improved for {Patience} epochs", epoch, monitor, patience);
                    stoppedEarly = true;
                    break;
                }
            }
            if (_options.RestoreBestWeights && bestWeights is not null && best is not null && !cancelled)
            {
                model.LoadStateDict(bestWeights);
                _logger.LogInformation("Restored the weights of epoch {Epoch} ({Metric} = {Value:F4})", best.Epoch, monitor, best.Get(monitor));
            }
        }
        finally
        {
            if (bestWeights is not null)
                foreach (var t in bestWeights.Values) t.Dispose();
        }
        return new TrainingResult(history, best, stoppedEarly, cancelled);
    }

    private void SaveCheckpoint(Module model, Optimizer optimizer, LRScheduler? scheduler, int epochsDone, int batchesDone, History history,
        Dictionary<string, Tensor>? bestWeights, EpochResult? best, int epochsWithoutImprovement)
    {
        if (_options.CheckpointPath is not { } path) return;
        TrainingCheckpoint.Save(path, model, optimizer, scheduler, epochsDone, batchesDone, history, bestWeights, best?.Epoch ?? 0, epochsWithoutImprovement);
        _logger.LogDebug("Checkpoint written to {Path} (epoch {Epoch}, batch {Batch})", path, epochsDone, batchesDone);
    }

    /// <summary>Measures a model in evaluation mode (no gradients) on a batch source.</summary>
    public PhaseMetrics Evaluate(Module model, IEnumerable<Batch> data, IProgress<TrainingProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        return RunEvaluation(model, data, 0, progress);
    }

    private PhaseMetrics TrainEpoch(Module model, IEnumerable<Batch> train, Optimizer optimizer, LRScheduler? scheduler, int epoch, int skipBatches,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken, out int batchesDone, out bool cancelled)
    {
        cancelled = false;
        model.Train();
        (train as IEpochAware)?.SetEpoch(epoch);
        var accumulator = new PhaseAccumulator(_options.TopK);
        int? batchCount = (train as IReadOnlyCollection<Batch>)?.Count;
        int accumulate = _options.GradientAccumulationSteps;
        var trainable = model.TrainableParameters().ToArray();
        int batchIndex = 0, pending = 0;
        optimizer.ZeroGrad();
        using var classWeights = _options.ClassWeights is null ? null : Torch.FromArray(_options.ClassWeights).DetachFromDisposeScope();

        foreach (var batch in train)
        {
            if (batchIndex < skipBatches)
            {
                // Resuming a cancelled epoch: these batches were trained on before the checkpoint.
                batch.Dispose();
                batchIndex++;
                continue;
            }
            using (batch)
            using (var scope = Torch.NewDisposeScope())
            {
                Tensor logits;
                Tensor loss;
                using (_options.UseBFloat16Autocast ? Torch.Autocast() : (IDisposable?)null)
                {
                    logits = model.Forward(batch.Inputs).To(ScalarType.Float32);
                    if (batchIndex == skipBatches) CheckClassCount(logits, train);
                    loss = Functional.CrossEntropy(logits, batch.Targets, classWeights, labelSmoothing: _options.LabelSmoothing);
                }
                (accumulate == 1 ? loss : loss / accumulate).Backward();
                pending++;
                using (Torch.NoGrad()) accumulator.Add(logits.Detach(), batch.Targets, loss.Item<double>());
            }
            batchIndex++;
            if (pending == accumulate)
            {
                ApplyStep(optimizer, scheduler, trainable);
                pending = 0;
            }
            var report = new TrainingProgress(epoch, _options.Epochs, TrainingPhase.Train, batchIndex, batchCount, accumulator.MeanLoss, accumulator.Accuracy);
            progress?.Report(report);
            BatchCompleted?.Invoke(this, report);
            if (cancellationToken.IsCancellationRequested)
            {
                cancelled = true;
                break;
            }
        }
        if (pending > 0 && !cancelled) ApplyStep(optimizer, scheduler, trainable);
        if (batchIndex == 0) throw new InvalidOperationException("The training data produced no batches.");
        batchesDone = batchIndex;
        return accumulator.Result();
    }

    private static void CheckClassCount(Tensor logits, IEnumerable<Batch> train)
    {
        if (train is Data.DataLoader loader && logits.Size(1) != loader.Dataset.Classes.Count)
            throw new InvalidOperationException(
                $"The model produces {logits.Size(1)} outputs per sample but the training data has {loader.Dataset.Classes.Count} classes " +
                $"({string.Join(", ", loader.Dataset.Classes.Take(10))}): replace the head to match (e.g. ReplaceHead(dataset.Classes)).");
    }

    private void ApplyStep(Optimizer optimizer, LRScheduler? scheduler, Tensor[] trainable)
    {
        if (_options.MaxGradientNorm is { } maxNorm) Torch.ClipGradNorm_(trainable, maxNorm);
        optimizer.Step();
        optimizer.ZeroGrad();
        if (_options.StepSchedulerPerBatch) scheduler?.Step();
    }

    private PhaseMetrics RunEvaluation(Module model, IEnumerable<Batch> data, int epoch, IProgress<TrainingProgress>? progress)
    {
        bool wasTraining = model.Training;
        model.Eval();
        var accumulator = new PhaseAccumulator(_options.TopK);
        int? batchCount = (data as IReadOnlyCollection<Batch>)?.Count;
        (data as IEpochAware)?.SetEpoch(Math.Max(epoch, 1));
        int batchIndex = 0;
        using var classWeights = _options.ClassWeights is null ? null : Torch.FromArray(_options.ClassWeights).DetachFromDisposeScope();
        try
        {
            using var noGrad = Torch.NoGrad();
            foreach (var batch in data)
            {
                using (batch)
                using (var scope = Torch.NewDisposeScope())
                {
                    var logits = model.Forward(batch.Inputs).To(ScalarType.Float32);
                    var loss = Functional.CrossEntropy(logits, batch.Targets, classWeights);
                    accumulator.Add(logits, batch.Targets, loss.Item<double>());
                }
                batchIndex++;
                progress?.Report(new TrainingProgress(epoch, _options.Epochs, TrainingPhase.Validate, batchIndex, batchCount, accumulator.MeanLoss, accumulator.Accuracy));
            }
        }
        finally
        {
            model.Train(wasTraining);
        }
        return accumulator.Result();
    }

    private static void Snapshot(Module model, ref Dictionary<string, Tensor>? snapshot)
    {
        if (snapshot is not null)
            foreach (var t in snapshot.Values) t.Dispose();
        snapshot = new Dictionary<string, Tensor>();
        foreach (var (key, tensor) in model.StateDict())
        {
            using (tensor) snapshot[key] = tensor.Clone().DetachFromDisposeScope();
        }
    }
}
