using TransferKit.NN;
using TransferKit.Training;
using TransferKit.Data;
using TransferKit.Engine;

namespace TransferKit.Tests.Training;


[Collection(SerialCollection.Name)]
[Trait("Category", "Unit")]
public class TrainerTests
{
    private static Sequential Mlp()
    {
        Torch.ManualSeed(42);
        return new Sequential(new Linear(2, 8), new ReLU(), new Linear(8, 2));
    }

    [Fact]
    public void FitLearnsASeparableProblemAndReportsMetricsProgressAndEvents()
    {
        using var model = Mlp();
        var options = new TrainerOptions { Epochs = 5, LearningRate = 0.1 };
        var trainer = new Trainer(options);
        int epochEvents = 0, batchEvents = 0;
        trainer.EpochCompleted += (_, _) => epochEvents++;
        trainer.BatchCompleted += (_, _) => batchEvents++;
        var reports = new List<TrainingProgress>();
        var result = trainer.Fit(model, new Blobs(200, 20, 1), new Blobs(100, 50, 2), new SynchronousProgress<TrainingProgress>(reports.Add));

        Assert.Equal(5, result.History.Epochs.Count);
        Assert.Equal(5, epochEvents);
        Assert.Equal(50, batchEvents);
        Assert.Contains(reports, r => r.Phase == TrainingPhase.Validate && r.BatchCount == 2);
        Assert.All(reports.Where(r => r.Phase == TrainingPhase.Train), r => Assert.Equal(10, r.BatchCount));
        var last = result.History.Epochs[^1];
        Assert.True(last.Validation!.Accuracy > 0.95, $"validation accuracy {last.Validation.Accuracy}");
        Assert.True(result.History.Epochs[0].Train.Loss > last.Train.Loss);
        Assert.Equal(100, last.Validation.Samples);
        Assert.Equal(100, Enumerable.Range(0, 2).Sum(a => Enumerable.Range(0, 2).Sum(p => last.Validation.Confusion![a, p])));
        Assert.Equal(1.0, last.Validation.TopKAccuracy); // k is capped at the 2 classes
        Assert.All(last.Validation.F1, f => Assert.InRange(f, 0.9, 1.0));
    }

    [Fact]
    public void TheBestWeightsByTheMonitoredMetricAreRestored()
    {
        using var model = Mlp();
        // Validation labels are the inverse of the training labels: every epoch of learning makes
        // the validation loss worse, so the best epoch is the first and its weights must come back.
        var options = new TrainerOptions { Epochs = 4, LearningRate = 0.05, MonitorMetric = "val_loss" };
        var trainer = new Trainer(options);
        var val = new Blobs(100, 50, 2, invertedLabels: true);
        var result = trainer.Fit(model, new Blobs(200, 20, 1), val);
        var losses = string.Join(", ", result.History.Epochs.Select(e => e.Validation!.Loss));
        var best = result.History.Best("val_loss")!;
        Assert.Same(best, result.BestEpoch);
        Assert.True(best.Epoch == 1, $"best epoch {best.Epoch}: {losses}");
        Assert.True(result.History.Epochs[^1].Validation!.Loss > best.Validation!.Loss, losses);
        var after = trainer.Evaluate(model, val);
        Assert.Equal(best.Validation.Loss, after.Loss, 6);
    }

    [Fact]
    public void EarlyStoppingEndsTheRunAfterPatienceEpochsWithoutImprovement()
    {
        using var model = Mlp();
        var options = new TrainerOptions { Epochs = 30, LearningRate = 1e-6, EarlyStoppingPatience = 2, EarlyStoppingMinDelta = 0.05 };
        var result = new Trainer(options).Fit(model, new Blobs(40, 20, 1), new Blobs(40, 20, 3, randomLabels: true));
        Assert.True(result.StoppedEarly);
        Assert.Equal(4, result.History.Epochs.Count); // the first epoch sets the mark, then 3 without improvement
    }

    [Fact]
    public void GradientAccumulationOverTwoHalfBatchesEqualsOneFullBatch()
    {
        using var a = Mlp();
        using var b = Mlp();
        var sgd = (Module m) => (Optimizer)new SGD(m.TrainableParameters(), 0.1);
        new Trainer(new TrainerOptions { Epochs = 1, OptimizerFactory = sgd, MonitorMetric = "train_loss" }).Fit(a, new Blobs(64, 16, 5));
        new Trainer(new TrainerOptions { Epochs = 1, OptimizerFactory = sgd, MonitorMetric = "train_loss", GradientAccumulationSteps = 2 }).Fit(b, new Blobs(64, 8, 5));
        foreach (var ((name, pa), (_, pb)) in a.NamedParameters().Zip(b.NamedParameters()))
        {
            var x = pa.ToArray<float>();
            var y = pb.ToArray<float>();
            for (int k = 0; k < x.Length; k++) Assert.True(Math.Abs(x[k] - y[k]) < 1e-6, $"{name}[{k}]: {x[k]} vs {y[k]}");
        }
    }

    [Fact]
    public void CancellationStopsAfterTheCurrentBatch()
    {
        using var model = Mlp();
        using var cts = new CancellationTokenSource();
        var trainer = new Trainer(new TrainerOptions { Epochs = 3 });
        int batches = 0;
        trainer.BatchCompleted += (_, _) => { if (++batches == 3) cts.Cancel(); };
        var history = new List<EpochResult>();
        trainer.EpochCompleted += (_, e) => history.Add(e);
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(model, new Blobs(200, 20, 1), null, null, cts.Token));
        Assert.Equal(3, batches);
        Assert.Empty(history);
    }

    [Fact]
    public void TwoThousandTrainingStepsKeepTheLiveTensorCountFlat()
    {
        using var model = Mlp();
        var trainer = new Trainer(new TrainerOptions { Epochs = 1, LearningRate = 0.01, MaxGradientNorm = 1.0, MonitorMetric = "train_loss" });
        trainer.Fit(model, new Blobs(40, 4, 1)); // warm-up: optimizer state, first allocations
        long before = SerialCollection.SettledLiveTensorCount();
        var result = trainer.Fit(model, new Blobs(2000, 1, 1));
        Assert.Equal(2000, result.History.Epochs[0].Train.Samples);
        Assert.Equal(before, Torch.LiveTensorCount);
    }

    [Fact]
    public void BadOptionsAreExplainedBeforeTraining()
    {
        Assert.Contains("Epochs must be at least 1", Assert.Throws<ArgumentException>(() => new Trainer(new TrainerOptions { Epochs = 0 })).Message);
        Assert.Contains("Unknown metric 'accuracy'", Assert.Throws<ArgumentException>(() => new Trainer(new TrainerOptions { MonitorMetric = "accuracy" })).Message);
        using var model = Mlp();
        model.RequiresGrad_(false);
        Assert.Contains("no parameters to train", Assert.Throws<ArgumentException>(() => new Trainer(new TrainerOptions()).Fit(model, new Blobs(10, 5, 1))).Message);
    }

    [Fact]
    public void ClipGradNormScalesGradientsToTheMaximumNorm()
    {
        using var scope = Torch.NewDisposeScope();
        var p = Torch.FromArray(new float[] { 1, 1 }).RequiresGrad_();
        var q = Torch.FromArray(new float[] { 1 }).RequiresGrad_();
        ((p * Torch.FromArray(new float[] { 3, 0 })).Sum() + (q * 4).Sum()).Backward(); // grads (3, 0) and (4): norm 5
        double norm = Torch.ClipGradNorm_(new[] { p, q }, maxNorm: 1);
        Assert.Equal(5, norm, 5);
        Approx.Equal(new[] { 0.6f, 0 }, p.Grad!.ToArray<float>(), 1e-5);
        Approx.Equal(new[] { 0.8f }, q.Grad!.ToArray<float>(), 1e-5);
    }

    [Fact]
    public void Bf16AutocastRunsLinearLayersInBfloat16()
    {
        using var scope = Torch.NewDisposeScope();
        using var fc = new Linear(4, 3);
        var x = Torch.Randn(2, 4);
        using (Torch.Autocast()) Assert.Equal(ScalarType.BFloat16, fc.Forward(x).Dtype);
        Assert.Equal(ScalarType.Float32, fc.Forward(x).Dtype);
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
