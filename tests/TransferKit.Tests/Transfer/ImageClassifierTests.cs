using TransferKit.Data;
using TransferKit.Inference;
using TransferKit.Models;
using TransferKit.Training;
using TransferKit.Transfer;

namespace TransferKit.Tests.Transfer;

/// <summary>The one-line path, <c>ImageClassifier.FineTune</c>, end to end on generated image folders.</summary>
[Trait("Category", "Integration")]
public sealed class ImageClassifierTests
{
    // small_cnn from random initialisation at the images' own scale: no download, a few seconds.
    private static ImageClassifierOptions Small => new()
    {
        Pretrained = false,
        Preprocessing = new Preprocessing(16, 16, new[] { 0.5, 0.5, 0.5 }, new[] { 0.25, 0.25, 0.25 }),
        Loader = new DataLoaderOptions { BatchSize = 8, NumWorkers = 0 },
        Seed = 3,
    };

    [Fact]
    public void FineTuneSavePredictInThreeLinesInfersTheClassesAndLearnsThem()
    {
        using var folder = new ImageFolderFixture(trainValSplit: false, perClass: 30);
        string package = Path.Combine(folder.Root, "model.tkmodel");

        using var model = ImageClassifier.FineTune("small_cnn", folder.Root, epochs: 3, Small);
        model.Save(package);
        using var predictor = Predictor.Load(package);

        Assert.Equal(new[] { "bright", "dark" }, model.Labels);
        Assert.False(model.Training);
        Assert.Equal(16, model.Preprocessing.InputSize);
        var images = folder.Images().ToList();
        var predictions = predictor.PredictBatch(images.Select(i => i.Path));
        double accuracy = predictions.Zip(images).Count(p => p.First.Label == p.Second.Class) / (double)images.Count;
        Assert.True(accuracy >= 0.9, $"accuracy {accuracy:P1} on a trivially separable folder");
        // One image alone may take other kernel paths than a batch: the same up to float rounding.
        var alone = predictor.Predict(images[0].Path);
        Approx.Equal(predictions[0].Probabilities.Select(p => (float)p).ToArray(), alone.Probabilities.Select(p => (float)p).ToArray(), 1e-6);
    }

    [Fact]
    public void ATrainFolderWithAValFolderUsesThemAndRefusesDifferentClasses()
    {
        using var split = new ImageFolderFixture(trainValSplit: true, perClass: 12);
        using var model = ImageClassifier.FineTune("small_cnn", split.Root, epochs: 1, Small);
        Assert.Equal(new[] { "bright", "dark" }, model.Labels);

        using var mismatched = new ImageFolderFixture(trainValSplit: true, perClass: 6, valClasses: new[] { "bright", "gray" });
        var e = Assert.Throws<ArgumentException>(() => ImageClassifier.FineTune("small_cnn", mismatched.Root, epochs: 1, Small));
        Assert.Contains(Path.Combine(mismatched.Root, "val"), e.Message);
        Assert.Contains("gray", e.Message);
    }

    [Fact]
    public void ACancelledRunThrowsAndAMissingFolderIsNamed()
    {
        using var folder = new ImageFolderFixture(trainValSplit: false, perClass: 4);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => ImageClassifier.FineTune("small_cnn", folder.Root, 1, Small, cancellationToken: cancelled.Token));

        string missing = Path.Combine(folder.Root, "nope");
        Assert.Contains(missing, Assert.Throws<DirectoryNotFoundException>(() => ImageClassifier.FineTune("small_cnn", missing)).Message);
    }

    [Fact]
    public void DatasetsAreTheHeldOutSplitOrTheValFolderAsFineTuneUsesThem()
    {
        using var folder = new ImageFolderFixture(trainValSplit: false, perClass: 10);
        var (train, validation) = ImageClassifier.Datasets(folder.Root, Small);
        Assert.Equal(16, train.Count);
        Assert.Equal(4, validation!.Count);  // 20 % of each class
        Assert.Equal(new[] { 2L, 2L }, Enumerable.Range(0, validation.Count).GroupBy(validation.GetLabel).Select(g => (long)g.Count()).ToArray());
        Assert.Null(ImageClassifier.Datasets(folder.Root, Small with { ValidationFraction = 0 }).Validation);

        using var split = new ImageFolderFixture(trainValSplit: true, perClass: 6);
        var (splitTrain, splitValidation) = ImageClassifier.Datasets(split.Root, Small);
        Assert.Equal(12, splitTrain.Count);
        Assert.Equal(Path.Combine(split.Root, "val"), Assert.IsType<ImageFolderDataset>(splitValidation).Root);
    }

    [Fact]
    public void AnInterruptedRunResumesFromItsCheckpointWhereItStopped()
    {
        using var folder = new ImageFolderFixture(trainValSplit: false, perClass: 8);
        string checkpoint = Path.Combine(folder.Root, "run.ckpt");
        using var cancellation = new CancellationTokenSource();
        var first = new EpochRecorder(stopAfter: 2, cancellation);
        ImageClassifierOptions With(EpochRecorder recorder) => Small with
        {
            FineTune = new FineTuneOptions { Trainer = new TrainerOptions { CheckpointPath = checkpoint, Callbacks = new[] { recorder } } },
        };

        Assert.ThrowsAny<OperationCanceledException>(() => ImageClassifier.FineTune("small_cnn", folder.Root, 3, With(first), cancellationToken: cancellation.Token));
        Assert.True(File.Exists(checkpoint));
        var second = new EpochRecorder(stopAfter: int.MaxValue, null);
        using var model = ImageClassifier.Resume(checkpoint, "small_cnn", folder.Root, 3, With(second));

        Assert.Equal(new[] { 1, 2 }, first.Epochs);
        Assert.Equal(new[] { 3, 4 }, second.Epochs);  // one head epoch + three: continues at epoch 3
        Assert.Equal(new[] { "bright", "dark" }, model.Labels);
        Assert.False(model.Training);
        Assert.Throws<FileNotFoundException>(() => ImageClassifier.Resume(Path.Combine(folder.Root, "none.ckpt"), "small_cnn", folder.Root, 3, Small));
    }

    /// <summary>Records the epochs that end; cancels the run after <c>stopAfter</c> of them.</summary>
    private sealed class EpochRecorder(int stopAfter, CancellationTokenSource? cancellation) : TrainerCallback
    {
        public List<int> Epochs { get; } = new();

        public override void OnEpochEnd(TrainerContext context)
        {
            Epochs.Add(context.Epoch);
            if (Epochs.Count == stopAfter) cancellation?.Cancel();
        }
    }

    [Fact]
    public void InvalidOptionsAreAllReportedBeforeAnythingLoads()
    {
        using var folder = new ImageFolderFixture(trainValSplit: false, perClass: 2);
        var options = Small with
        {
            ValidationFraction = 1.5,
            Seed = -1,
            WeightsTag = "IMAGENET1K_V1",
            Loader = new DataLoaderOptions { BatchSize = 0 },
        };
        var e = Assert.Throws<ArgumentException>(() => ImageClassifier.FineTune("small_cnn", folder.Root, 1, options));
        Assert.Contains("ImageClassifierOptions has 4 invalid settings", e.Message);
        Assert.Contains("ValidationFraction", e.Message);
        Assert.Contains("Seed", e.Message);
        Assert.Contains("WeightsTag and WeightsFile need Pretrained", e.Message);
        Assert.Contains("Loader: DataLoaderOptions: BatchSize must be at least 1", e.Message);
    }

    [Fact]
    public void AnArchitectureWithoutCataloguedWeightsSaysToTrainFromScratch()
    {
        using var folder = new ImageFolderFixture(trainValSplit: false, perClass: 2);
        var e = Assert.Throws<ArgumentException>(() => ImageClassifier.FineTune("small_cnn", folder.Root, 1, Small with { Pretrained = true }));
        Assert.Contains("Pretrained = false", e.Message);
        Assert.Contains("resnet18", e.Message);
        Assert.Contains("Registered:", Assert.Throws<ArgumentException>(() => ImageClassifier.FineTune("resnet19", folder.Root, 1, Small)).Message);
    }
}
