using TransferKit.Data;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Training;
using TransferKit.Transfer;
using TransferKit.Engine;

namespace TransferKit.Tests.Transfer;


[Collection(SerialCollection.Name)] // seeds the global generator before building models
[Trait("Category", "Integration")]
public class FineTuningTests
{
    private static readonly ShapeKind[] Three = { ShapeKind.Circle, ShapeKind.Square, ShapeKind.Triangle };
    private static readonly Preprocessing Small = new(32, 32, new[] { 0.5, 0.5, 0.5 }, new[] { 0.25, 0.25, 0.25 });

    private static TransferModel FrozenSmallCnn(int seed)
    {
        Torch.ManualSeed((ulong)seed);
        return ModelBuilder.FromArchitecture("small_cnn", 3, Small).FreezeBackbone().Build();
    }

    private static Dictionary<string, float[]> Snapshot(Module m) => m.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.ToArray<float>());

    [Fact]
    public void TrainingTheHeadOnCachedFeaturesEqualsTrainingThroughTheFrozenBackbone()
    {
        var shapes = new SyntheticShapesDataset(Three, 48, 32, seed: 2);
        var loaderOptions = new DataLoaderOptions { BatchSize = 8, Shuffle = true, Seed = 4 };
        // float32 on both sides: the cache holds float32 features (the default step would run the frozen backbone in bf16 on CPUs with native bf16).
        var trainerOptions = new TrainerOptions { Epochs = 3, MonitorMetric = "train_loss", RestoreBestWeights = false, CpuStep = CpuStepMode.Float32 };

        using var uncached = FrozenSmallCnn(7);
        var loader = new DataLoader(shapes, loaderOptions, uncached.Preprocessing.EvalTransform());
        new Trainer(trainerOptions with { OptimizerFactory = m => new SGD(m.TrainableParameters(), 0.1, momentum: 0.9) }).Fit(uncached, loader);

        using var cached = FrozenSmallCnn(7);
        cached.Train(); // the backbone runs in evaluation mode because it is frozen
        using var features = FeatureCache.Compute(cached.ForwardFeatures, new DataLoader(shapes, loaderOptions, cached.Preprocessing.EvalTransform()));
        Assert.Equal(48, features.Count);
        using (var first = features.Get(0)) Assert.Equal(new long[] { 64 }, first.Image.Shape);
        new Trainer(trainerOptions with { OptimizerFactory = m => new SGD(m.TrainableParameters(), 0.1, momentum: 0.9) })
            .Fit(cached.Head, new DataLoader(features, loaderOptions));

        var expected = Snapshot(uncached);
        foreach (var (name, values) in Snapshot(cached))
            for (int k = 0; k < values.Length; k++)
                Assert.True(Math.Abs(values[k] - expected[name][k]) <= 1e-5, $"{name}[{k}]: cached {values[k]}, uncached {expected[name][k]}");
        Assert.NotEqual(Snapshot(FrozenSmallCnn(7))["classifier.3.weight"], expected["classifier.3.weight"]); // the head did train
    }

    [Fact]
    public void HeadGradientsAreTheSameFromCachedFeatures()
    {
        var shapes = new SyntheticShapesDataset(Three, 8, 32, seed: 3);
        using var model = FrozenSmallCnn(8);
        model.Train();
        var transform = model.Preprocessing.EvalTransform();
        using var scope = Torch.NewDisposeScope();
        var batch = new DataLoader(shapes, new DataLoaderOptions { BatchSize = 8 }, transform).First();
        Functional.CrossEntropy(model.Forward(batch.Inputs), batch.Targets).Backward();
        var direct = model.Head.Parameters().Select(p => p.Grad!.ToArray<float>()).ToArray();
        model.ZeroGrad();
        using var cache = FeatureCache.Compute(model.ForwardFeatures, new DataLoader(shapes, new DataLoaderOptions { BatchSize = 3 }, transform));
        var cachedBatch = new DataLoader(cache, new DataLoaderOptions { BatchSize = 8 }).First();
        Functional.CrossEntropy(model.Head.Forward(cachedBatch.Inputs), cachedBatch.Targets).Backward();
        var fromCache = model.Head.Parameters().Select(p => p.Grad!.ToArray<float>()).ToArray();
        for (int k = 0; k < direct.Length; k++) Approx.Equal(direct[k], fromCache[k], 1e-5);
        batch.Dispose();
        cachedBatch.Dispose();
    }

    [Fact]
    public void FineTuneTrainsTheHeadFirstThenEverythingWithLowerRatesForEarlierStages()
    {
        var shapes = new SyntheticShapesDataset(Three, 24, 32, seed: 5);
        using var model = FrozenSmallCnn(9);
        var initial = Snapshot(model);
        var loader = new DataLoader(shapes, new DataLoaderOptions { BatchSize = 8, Shuffle = true }, model.Preprocessing.EvalTransform());
        var options = new FineTuneOptions
        {
            FreezeEpochs = 1,
            Epochs = 2,
            BaseLearningRate = 1e-2,
            Trainer = new TrainerOptions { MonitorMetric = "train_loss", RestoreBestWeights = false },
        };
        var result = FineTuning.FineTune(model, loader, options: options);
        Assert.Equal(3, result.Training.History.Epochs.Count); // one run, one history
        Assert.Equal(2, result.UnfrozeAtEpoch);
        Assert.Equal(new[] { 1e-2 }, result.Training.History.Epochs[0].LearningRates); // the head alone
        Assert.False(model.IsBackboneFrozen);
        var after = Snapshot(model);
        Assert.NotEqual(initial["features.0.weight"], after["features.0.weight"]);
        Assert.NotEqual(initial["classifier.3.weight"], after["classifier.3.weight"]);
        // From the unfreeze on: the head (group 0) at half the base rate, then one group per backbone
        // stage from 1/100 of that (the earliest) upwards; the cosine schedule then halves them all.
        var rates = result.Training.History.Epochs[1].LearningRates;
        Assert.True(rates.Count > 2, $"{rates.Count} groups");
        Assert.Equal(5e-3, rates[0], 12);
        Assert.Equal(5e-5, rates[1], 12);
        Assert.True(rates.Skip(1).Zip(rates.Skip(2)).All(p => p.First < p.Second), string.Join(", ", rates));
        var last = result.Training.History.Epochs[2].LearningRates;
        for (int g = 0; g < rates.Count; g++) Assert.Equal(rates[g] / 2, last[g], 12);
    }

    [Fact]
    public void AFineTuneCancelledAfterItsUnfreezeResumesToTheSameWeightsAndOneHistory()
    {
        bool deterministic = Torch.AreDeterministicAlgorithmsEnabled;
        Torch.UseDeterministicAlgorithms(true);
        string dir = Directory.CreateTempSubdirectory("tk-finetune-").FullName;
        try
        {
            var shapes = new SyntheticShapesDataset(Three, 24, 32, seed: 6);
            DataLoader Loader(TransferModel m) => new(shapes, new DataLoaderOptions { BatchSize = 8, Shuffle = true, Seed = 3 }, m.Preprocessing.EvalTransform());
            FineTuneOptions Options(string name) => new()
            {
                FreezeEpochs = 1,
                Epochs = 3,
                BaseLearningRate = 1e-2,
                Optimizer = FineTuneOptimizer.Sgd,
                Trainer = new TrainerOptions { MonitorMetric = "train_loss", RestoreBestWeights = false, CheckpointPath = Path.Combine(dir, name) },
            };

            using var uninterrupted = FrozenSmallCnn(11);
            Torch.ManualSeed(5);
            var full = FineTuning.FineTune(uninterrupted, Loader(uninterrupted), options: Options("full.pth"));

            using var interrupted = FrozenSmallCnn(11);
            using var cts = new CancellationTokenSource();
            var cancelAfterBatch = new CancelAt(epoch: 3, batch: 2, cts);
            var options = Options("run.pth");
            Torch.ManualSeed(5);
            Assert.ThrowsAny<OperationCanceledException>(() => FineTuning.FineTune(interrupted, Loader(interrupted),
                options: options with { Trainer = options.Trainer with { Callbacks = new TrainerCallback[] { cancelAfterBatch } } }, cancellationToken: cts.Token));

            using var resumed = FrozenSmallCnn(12); // other initial weights: the checkpoint's must win
            Torch.ManualSeed(999);
            var rest = FineTuning.Resume(Path.Combine(dir, "run.pth"), resumed, Loader(resumed), options: options);

            Assert.Equal(2, full.UnfrozeAtEpoch);
            Assert.Equal(2, rest.UnfrozeAtEpoch);
            Assert.Equal(4, rest.Training.History.Epochs.Count);
            Assert.Equal(full.Training.History.Epochs.Select(e => e.LearningRates.ToArray()), rest.Training.History.Epochs.Select(e => e.LearningRates.ToArray()));
            Assert.Equal(full.Training.History.Epochs[^1].Train.Loss, rest.Training.History.Epochs[^1].Train.Loss);
            var expected = Snapshot(uninterrupted);
            foreach (var (name, values) in Snapshot(resumed)) Assert.Equal(expected[name], values);
            Assert.False(resumed.IsBackboneFrozen);
        }
        finally
        {
            Torch.UseDeterministicAlgorithms(deterministic);
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class CancelAt(int epoch, int batch, CancellationTokenSource cts) : TrainerCallback
    {
        public override void OnBatchEnd(TrainerContext context)
        {
            if (context.Epoch == epoch && context.BatchesDone == batch) cts.Cancel();
        }
    }
}
