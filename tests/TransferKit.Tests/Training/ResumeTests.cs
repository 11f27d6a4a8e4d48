using TransferKit.Data;
using TransferKit.NN;
using TransferKit.Training;
using TransferKit.Engine;

namespace TransferKit.Tests.Training;


[Collection(SerialCollection.Name)]
[Trait("Category", "Unit")]
public sealed class ResumeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tk-resume-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TensorImageDataset Data(int seed, int n = 96)
    {
        Torch.ManualSeed((ulong)seed);
        var x = Torch.Randn(n, 6);
        using var w = Torch.Randn(6, 3);
        using var logits = x.MatMul(w);
        long[] labels = logits.ArgMax(1).ToArray<long>();
        return new TensorImageDataset(x, labels, new[] { "a", "b", "c" });
    }

    private static Sequential Model()
    {
        Torch.ManualSeed(1);
        return new Sequential(new Linear(6, 16), new ReLU(), new Dropout(0.3), new Linear(16, 3));
    }

    private TrainerOptions Options(int epochs) => new()
    {
        Epochs = epochs,
        OptimizerFactory = m => new SGD(m.TrainableParameters(), 0.05, momentum: 0.9, weightDecay: 1e-4),
        SchedulerFactory = o => new StepLR(o, stepSize: 2, gamma: 0.5),
        CheckpointPath = Path.Combine(_dir, "run.pth"),
    };

    private static Dictionary<string, float[]> Weights(Module m) => m.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.ToArray<float>());

    [Fact]
    public void StoppingAfterEpoch2Of4AndResumingGivesBitIdenticalWeights()
    {
        bool deterministic = Torch.AreDeterministicAlgorithmsEnabled;
        Torch.UseDeterministicAlgorithms(true);
        try
        {
            using var train = Data(10);
            using var val = Data(11, 48);
            DataLoader Loader(IImageDataset d, bool shuffle) => new(d, new DataLoaderOptions { BatchSize = 16, Shuffle = shuffle, Seed = 5 });

            using var uninterrupted = Model();
            Torch.ManualSeed(2);
            var full = new Trainer(Options(4)).Fit(uninterrupted, Loader(train, true), Loader(val, false));

            using var first = Model();
            Torch.ManualSeed(2);
            new Trainer(Options(2)).Fit(first, Loader(train, true), Loader(val, false));

            using var resumed = Model();
            Torch.ManualSeed(999); // the checkpoint's RNG state must win
            var rest = new Trainer(Options(4)).Resume(Path.Combine(_dir, "run.pth"), resumed, Loader(train, true), Loader(val, false));

            Assert.Equal(4, rest.History.Epochs.Count);
            Assert.Equal(full.BestEpoch!.Epoch, rest.BestEpoch!.Epoch);
            Assert.Equal(full.History.Epochs.Select(e => e.Validation!.Loss), rest.History.Epochs.Select(e => e.Validation!.Loss));
            var expected = Weights(uninterrupted);
            foreach (var (name, values) in Weights(resumed)) Assert.Equal(expected[name], values);
        }
        finally
        {
            Torch.UseDeterministicAlgorithms(deterministic);
        }
    }

    [Fact]
    public void CancellingMidEpochLeavesACheckpointThatResumesToTheSameWeights()
    {
        using var train = Data(20);
        DataLoader Loader() => new(train, new DataLoaderOptions { BatchSize = 8, Shuffle = true, Seed = 9 });

        using var uninterrupted = Model();
        Torch.ManualSeed(3);
        new Trainer(Options(3) with { MonitorMetric = "train_loss", RestoreBestWeights = false }).Fit(uninterrupted, Loader());

        using var interrupted = Model();
        using var cts = new CancellationTokenSource();
        var trainer = new Trainer(Options(3) with { MonitorMetric = "train_loss", RestoreBestWeights = false });
        int batches = 0;
        trainer.BatchCompleted += (_, p) => { if (++batches == 12 + 5) cts.Cancel(); }; // epoch 2, batch 5
        Torch.ManualSeed(3);
        var epochs = new List<EpochResult>();
        trainer.EpochCompleted += (_, e) => epochs.Add(e);
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(interrupted, Loader(), cancellationToken: cts.Token));
        Assert.Single(epochs);

        using var resumed = Model();
        new Trainer(Options(3) with { MonitorMetric = "train_loss", RestoreBestWeights = false }).Resume(Path.Combine(_dir, "run.pth"), resumed, Loader());
        var expected = Weights(uninterrupted);
        foreach (var (name, values) in Weights(resumed)) Assert.Equal(expected[name], values);
    }

    [Fact]
    public void TheCheckpointIsAPthFilePytorchCouldReadAndRestoresFrozenParameters()
    {
        using var train = Data(30, 32);
        using var model = Model();
        ((Linear)model[0]).RequiresGrad_(false);
        new Trainer(Options(1) with { MonitorMetric = "train_loss" }).Fit(model, new DataLoader(train, new DataLoaderOptions { BatchSize = 16 }));
        var tree = (IReadOnlyDictionary<object, object?>)TransferKit.Serialization.TorchSerializer.Load(Path.Combine(_dir, "run.pth"))!;
        try
        {
            Assert.Equal("transferkit.training_checkpoint", tree["format"]);
            Assert.Equal(1L, tree["epochs_done"]);
            Assert.Equal(new object?[] { "0.weight", "0.bias" }, ((IList<object?>)tree["frozen"]!).ToArray());
        }
        finally
        {
            DisposeAll(tree);
        }
        using var fresh = Model();
        new Trainer(Options(1) with { MonitorMetric = "train_loss" }).Resume(Path.Combine(_dir, "run.pth"), fresh, new DataLoader(train, new DataLoaderOptions { BatchSize = 16 }));
        Assert.False(((Linear)fresh[0]).Weight.RequiresGrad);
        Assert.True(((Linear)fresh[3]).Weight.RequiresGrad);

        File.WriteAllText(Path.Combine(_dir, "other.pth"), "not a checkpoint");
        Assert.ThrowsAny<IOException>(() => new Trainer(Options(1)).Resume(Path.Combine(_dir, "other.pth"), fresh, new DataLoader(train)));
    }

    private static void DisposeAll(object? node)
    {
        switch (node)
        {
            case Tensor t: t.Dispose(); break;
            case IReadOnlyDictionary<object, object?> d: foreach (var v in d.Values) DisposeAll(v); break;
            case IList<object?> l: foreach (var v in l) DisposeAll(v); break;
        }
    }
}
