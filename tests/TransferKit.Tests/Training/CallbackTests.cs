using TransferKit.Data;
using TransferKit.NN;
using TransferKit.Training;

namespace TransferKit.Tests.Training;

/// <summary>User callbacks, ReduceLROnPlateau in the trainer, callback state across a resume, multi-label runs and user metrics.</summary>
[Trait("Category", "Unit")]
[Collection(SerialCollection.Name)] // seeds the global generator before building models
public sealed class CallbackTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tk-callbacks-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Sequential Mlp()
    {
        Torch.ManualSeed(42);
        return new Sequential(new Linear(2, 8), new ReLU(), new Linear(8, 2));
    }

    private static float[] Values(Tensor t) => t.ToArray<float>();

    /// <summary>Unfreezes module "0" at <c>unfreezeAt</c> (as a new parameter group) and stops once train_loss falls below a threshold.</summary>
    private sealed class UnfreezeThenStopBelow(int unfreezeAt, double threshold) : TrainerCallback
    {
        public readonly Dictionary<int, bool> BackboneTrainable = new();
        public float[]? BackboneAfterEpoch2;

        public override void OnEpochStart(TrainerContext context)
        {
            if (context.Epoch != unfreezeAt) return;
            var unfrozen = context.Unfreeze("0");
            Assert.Equal(2, unfrozen.Count); // weight and bias
            Assert.Equal(unfrozen, context.ParametersNotInOptimizer());
            context.AddParamGroup(new ParamGroup(unfrozen, learningRate: 0.01, name: "backbone"));
            Assert.Empty(context.ParametersNotInOptimizer());
        }

        public override void OnBatchStart(TrainerContext context) =>
            BackboneTrainable[context.Epoch] = context.Model.GetSubmodule("0").Parameters().All(p => p.RequiresGrad);

        public override void OnEpochEnd(TrainerContext context)
        {
            if (context.Epoch == 2) BackboneAfterEpoch2 = Values(((Linear)context.Model.GetSubmodule("0")).Weight);
            if (context.LastEpoch!.Get("train_loss") < threshold) context.StopTraining($"train_loss fell below {threshold}");
        }
    }

    [Fact]
    public void AUserCallbackUnfreezesTheBackboneAtEpoch3AndStopsAtAMetricThreshold()
    {
        using var model = Mlp();
        ((Linear)model[0]).RequiresGrad_(false);
        var initial = Values(((Linear)model[0]).Weight);
        const double threshold = 0.2;
        var callback = new UnfreezeThenStopBelow(3, threshold);
        var options = new TrainerOptions
        {
            Epochs = 30,
            OptimizerFactory = m => new SGD(m.TrainableParameters(), 0.01, momentum: 0.9),
            MonitorMetric = "train_loss",
            RestoreBestWeights = false,
            Callbacks = new TrainerCallback[] { callback },
        };
        var result = new Trainer(options).Fit(model, new Blobs(200, 20, 1));

        var epochs = result.History.Epochs;
        int stoppedAt = epochs.Count;
        var losses = string.Join(", ", epochs.Select(e => e.Train.Loss.ToString("F4")));
        // It stopped at the first epoch whose loss crossed the threshold, after the unfreeze and before the planned end.
        Assert.True(result.StoppedEarly, losses);
        Assert.Equal("train_loss fell below 0.2", result.StopReason);
        Assert.Equal(epochs.First(e => e.Train.Loss < threshold).Epoch, stoppedAt);
        Assert.InRange(stoppedAt, 4, 29);
        Assert.All(epochs.Take(stoppedAt - 1), e => Assert.True(e.Train.Loss >= threshold, losses));
        // Frozen before epoch 3 (and untouched by the optimizer), trainable from epoch 3 on, in its own group.
        Assert.Equal(Enumerable.Range(1, stoppedAt).Select(e => e >= 3), Enumerable.Range(1, stoppedAt).Select(e => callback.BackboneTrainable[e]));
        Assert.Equal(initial, callback.BackboneAfterEpoch2);
        Assert.NotEqual(initial, Values(((Linear)model[0]).Weight));
        Assert.All(epochs.Take(2), e => Assert.Equal(new[] { 0.01 }, e.LearningRates));
        Assert.All(epochs.Skip(2), e => Assert.Equal(new[] { 0.01, 0.01 }, e.LearningRates));
    }

    [Fact]
    public void ReduceLROnPlateauPlugsIntoTheTrainerAndHalvesTheRateAfterThePlateau()
    {
        using var model = Mlp();
        // A rate of 1e-6 barely moves the validation loss (relative change far below the 1e-4
        // threshold), so epoch 1 is the best and epochs 2, 3, 4 are bad: patience 2 is exceeded at
        // the end of epoch 4, again at the end of epoch 7, and at the end of epoch 10.
        var plateau = new ReduceLROnPlateauCallback("val_loss", o => new ReduceLROnPlateau(o, PlateauMode.Min, factor: 0.5, patience: 2));
        var options = new TrainerOptions
        {
            Epochs = 10,
            OptimizerFactory = m => new SGD(m.TrainableParameters(), 1e-6),
            MonitorMetric = "val_loss",
            RestoreBestWeights = false,
            Callbacks = new TrainerCallback[] { plateau },
        };
        var result = new Trainer(options).Fit(model, new Blobs(40, 20, 1), new Blobs(40, 20, 2));
        var rates = result.History.Epochs.Select(e => e.LearningRates.Single()).ToArray();
        Assert.Equal(new[] { 1e-6, 1e-6, 1e-6, 1e-6, 5e-7, 5e-7, 5e-7, 2.5e-7, 2.5e-7, 2.5e-7 }, rates);
        Assert.Equal(1.25e-7, plateau.Scheduler!.Optimizer.ParamGroups[0].LearningRate);
    }

    /// <summary>Counts training batches and epochs; its counts survive a resume through the checkpoint.</summary>
    private sealed class Counter : TrainerCallback, IStatefulCallback
    {
        public long Batches, Epochs;
        public string StateKey => "counter";
        public override void OnBatchEnd(TrainerContext context) => Batches++;
        public override void OnEpochEnd(TrainerContext context) => Epochs++;
        public IReadOnlyDictionary<string, object?> ExportState(TrainerContext context) =>
            new Dictionary<string, object?> { ["batches"] = Batches, ["epochs"] = Epochs };
        public void ImportState(IReadOnlyDictionary<string, object?> state, TrainerContext context)
        {
            Batches = (long)state["batches"]!;
            Epochs = (long)state["epochs"]!;
        }
    }

    [Fact]
    public void AStatefulCallbackContinuesFromItsCheckpointedStateAfterACancelledRun()
    {
        string checkpoint = Path.Combine(_dir, "run.pth");
        TrainerOptions Options(Counter counter) => new()
        {
            Epochs = 3,
            LearningRate = 0.05,
            MonitorMetric = "train_loss",
            CheckpointPath = checkpoint,
            EarlyStoppingPatience = 5,
            Callbacks = new TrainerCallback[] { counter },
        };
        using var model = Mlp();
        var first = new Counter();
        using var cts = new CancellationTokenSource();
        var trainer = new Trainer(Options(first));
        trainer.BatchCompleted += (_, p) => { if (p.Epoch == 2 && p.Batch == 4) cts.Cancel(); };
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(model, new Blobs(100, 10, 1), cancellationToken: cts.Token));
        Assert.Equal(14, first.Batches); // 10 in epoch 1, 4 in epoch 2

        using var resumed = Mlp();
        var second = new Counter();
        var result = new Trainer(Options(second)).Resume(checkpoint, resumed, new Blobs(100, 10, 1));
        Assert.Equal(3, result.History.Epochs.Count);
        Assert.Equal(30, second.Batches); // the checkpoint's 14 + the 6 left of epoch 2 + 10 of epoch 3
        Assert.Equal(3, second.Epochs);
    }

    /// <summary>Records where each OnCancelled call found the run.</summary>
    private sealed class CancelRecorder : TrainerCallback
    {
        public List<(int Epoch, int Batches)> Calls { get; } = new();
        public override void OnCancelled(TrainerContext context) => Calls.Add((context.Epoch, context.BatchesDone));
    }

    [Fact]
    public void ACancellationSeenBetweenEpochsTellsTheCallbacksAndResumesAtTheNextEpoch()
    {
        string checkpoint = Path.Combine(_dir, "between.pth");
        var recorder = new CancelRecorder();
        TrainerOptions Options(Counter counter, params TrainerCallback[] more) => new()
        {
            Epochs = 3,
            LearningRate = 0.05,
            CheckpointPath = checkpoint,
            Callbacks = new TrainerCallback[] { counter }.Concat(more).ToArray(),
        };
        using var model = Mlp();
        var first = new Counter();
        using var cts = new CancellationTokenSource();
        var trainer = new Trainer(Options(first, recorder));
        trainer.EpochCompleted += (_, e) => { if (e.Epoch == 1) cts.Cancel(); };
        var e = Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(model, new Blobs(100, 10, 1), cancellationToken: cts.Token));
        Assert.Contains("epoch 2 after 0 batches", e.Message);
        Assert.Equal(new[] { (2, 0) }, recorder.Calls);
        Assert.Equal(10, first.Batches);

        using var resumed = Mlp();
        var second = new Counter();
        var result = new Trainer(Options(second)).Resume(checkpoint, resumed, new Blobs(100, 10, 1));
        Assert.Equal(new[] { 1, 2, 3 }, result.History.Epochs.Select(x => x.Epoch));
        Assert.Equal(30, second.Batches); // the checkpoint's 10 + 10 in epoch 2 + 10 in epoch 3
    }

    /// <summary>Fraction of labels predicted wrong (multi-label), lower is better.</summary>
    private sealed class LabelErrorRate : Metric
    {
        private long _wrong, _total;
        public LabelErrorRate() : base("label_error", higherIsBetter: false) { }
        public override void Reset() => _wrong = _total = 0;
        public override void Update(Tensor outputs, Batch batch)
        {
            using var scope = Torch.NewDisposeScope();
            _wrong += outputs.Gt(0).Eq(batch.Targets.Gt(0.5)).Eq(false).Sum().Item<long>();
            _total += outputs.Size(0) * outputs.Size(1);
        }
        public override double Compute() => _total == 0 ? 0 : (double)_wrong / _total;
    }

    [Fact]
    public void AMultiLabelRunTrainsWithBceAndReportsLabelAccuracyAndUserMetrics()
    {
        using var model = Mlp();
        using var loss = new BinaryCrossEntropyWithLogitsLoss();
        var options = new TrainerOptions
        {
            Epochs = 6,
            LearningRate = 0.1,
            Loss = loss,
            Metrics = new Metric[] { new LabelErrorRate() },
            MonitorMetric = "val_label_error",
            EarlyStoppingPatience = 10,
        };
        var result = new Trainer(options).Fit(model, new Blobs(200, 20, 1, multiLabel: true), new Blobs(100, 50, 2, multiLabel: true));
        var first = result.History.Epochs[0];
        var last = result.History.Epochs[^1];
        Assert.True(last.Validation!.IsMultiLabel);
        Assert.Null(last.Validation.Confusion);
        Assert.True(last.Train.Loss < first.Train.Loss, $"{first.Train.Loss} -> {last.Train.Loss}");
        foreach (var e in result.History.Epochs)
        {
            Assert.Equal(1 - e.Validation!.Accuracy, e.Get("val_label_error"), 12);
            Assert.Equal(1 - e.Train.Accuracy, e.Get("train_label_error"), 12);
        }
        Assert.True(last.Validation.Accuracy > 0.6, $"label accuracy {last.Validation.Accuracy}");
        Assert.Same(result.History.Best("val_label_error", higherIsBetter: false), result.BestEpoch);
        Assert.Contains("multi-label", Assert.Throws<InvalidOperationException>(() => last.Get("val_f1")).Message);
        Assert.Contains("Multi-label training needs float multi-hot targets",
            Assert.Throws<InvalidOperationException>(() => new Trainer(options with { Epochs = 1 }).Fit(model, new Blobs(20, 10, 1))).Message);
    }

    [Fact]
    public void OptionsListEveryInvalidSettingAtOnce()
    {
        var message = Assert.Throws<ArgumentException>(() => new Trainer(new TrainerOptions { Epochs = 0, TopK = 0, MonitorMetric = "val_nope" })).Message;
        Assert.Contains("Epochs must be at least 1", message);
        Assert.Contains("TopK must be at least 1", message);
        Assert.Contains("Unknown metric 'val_nope'", message);
        Assert.Contains("built-in name", Assert.Throws<ArgumentException>(() => new Trainer(new TrainerOptions { Metrics = new Metric[] { new Named("accuracy") } })).Message);
        _ = new Trainer(new TrainerOptions { Metrics = new Metric[] { new Named("mine") }, MonitorMetric = "val_mine" }); // a user metric can be monitored
        using var model = Mlp();
        var twice = new Trainer(new TrainerOptions { EarlyStoppingPatience = 2, MonitorMetric = "train_loss", Callbacks = new TrainerCallback[] { new EarlyStopping(3) } });
        Assert.Contains("same key 'early_stopping'", Assert.Throws<ArgumentException>(() => twice.Fit(model, new Blobs(10, 5, 1))).Message);
    }

    private sealed class Named(string name) : Metric(name, higherIsBetter: true)
    {
        public override void Reset() { }
        public override void Update(Tensor outputs, Batch batch) { }
        public override double Compute() => 0;
    }

    [Fact]
    public void AddingAParamGroupRejectsFrozenAndAlreadyOptimizedParameters()
    {
        using var model = Mlp();
        ((Linear)model[0]).RequiresGrad_(false);
        using var optimizer = new SGD(model.TrainableParameters(), 0.1);
        Assert.Contains("more than one parameter group", Assert.Throws<ArgumentException>(() => optimizer.AddParamGroup(new ParamGroup(model[2].Parameters()))).Message);
        Assert.Contains("frozen", Assert.Throws<ArgumentException>(() => optimizer.AddParamGroup(new ParamGroup(model[0].Parameters()))).Message);
        model[0].RequiresGrad_(true);
        optimizer.AddParamGroup(new ParamGroup(model[0].Parameters(), learningRate: 0.5));
        Assert.Equal(new[] { 0.1, 0.5 }, optimizer.ParamGroups.Select(g => g.LearningRate));
    }
}
