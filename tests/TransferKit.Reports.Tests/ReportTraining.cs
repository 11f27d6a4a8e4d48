using TransferKit.Data;
using TransferKit.Training;
using TransferKit.Transfer;

namespace TransferKit.Reports.Tests;

/// <summary>A few seconds of real training (a small CNN on synthetic shapes) with a report callback.</summary>
internal static class ReportTraining
{
    public static readonly Preprocessing Preprocessing = new(16, 16, new[] { 0.5, 0.5, 0.5 }, new[] { 0.25, 0.25, 0.25 });

    public static SyntheticShapesDataset Shapes(int count, int seed) =>
        new(new[] { ShapeKind.Circle, ShapeKind.Square, ShapeKind.Triangle }, count, 16, seed);

    public static DataLoader Loader(IImageDataset data, bool shuffle = false) =>
        new(data, new DataLoaderOptions { BatchSize = 16, Shuffle = shuffle, Seed = 3 }, Preprocessing.EvalTransform());

    /// <summary>Trains a fresh model with <paramref name="report"/> (and <paramref name="more"/> callbacks after it).</summary>
    public static TrainingResult Train(HtmlReportCallback report, int epochs = 2, bool validation = true, IReadOnlyList<string>? classNames = null,
        CancellationToken cancellationToken = default, params TrainerCallback[] more)
    {
        var train = Shapes(48, 1);
        var val = Shapes(32, 2);
        using var model = ModelBuilder.FromArchitecture("small_cnn", 3, Preprocessing).Build();
        model.ReplaceHead(classNames ?? train.Classes);
        var trainer = new Trainer(new TrainerOptions { Epochs = epochs, LearningRate = 0.01 }, new TrainerCallback[] { report }.Concat(more));
        return trainer.Fit(model, Loader(train, shuffle: true), validation ? Loader(val) : null, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Trains for two epochs with a report at <paramref name="path"/> that shows <paramref name="samples"/>
    /// examples and the <paramref name="topLosses"/> worst of <paramref name="evaluated"/> evaluation images.
    /// </summary>
    public static HtmlReportCallback TrainedReport(string path, int samples, int topLosses, int evaluated)
    {
        var report = new HtmlReportCallback(path, new HtmlReportOptions
        {
            EvaluationData = Loader(Shapes(evaluated, 2)),
            SampleCount = samples,
            TopLossCount = topLosses,
        });
        Train(report, epochs: 2);
        return report;
    }

    /// <summary>A temporary folder deleted by Dispose.</summary>
    public sealed class TempFolder : IDisposable
    {
        public TempFolder() => Directory.CreateDirectory(Path);

        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tk-report-tests-" + Guid.NewGuid().ToString("N"));

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
