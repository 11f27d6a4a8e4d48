using TransferKit.Data;
using TransferKit.Engine;

namespace TransferKit.Reports;

/// <summary>What an <see cref="HtmlReportCallback"/> puts in its report.</summary>
public sealed record HtmlReportOptions
{
    /// <summary>The page's title.</summary>
    public string Title { get; init; } = "Training report";

    /// <summary>Class names by index; null takes the model's labels (a <see cref="Transfer.TransferModel"/>), else numbers.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>How examples are shown; null picks one from the first batch (<see cref="ExampleRenderer.For"/>).</summary>
    public ExampleRenderer? Renderer { get; init; }

    /// <summary>
    /// Data the final model is evaluated on when training ends (usually the validation loader), for
    /// the top losses, the misclassified sentences and the final confusion matrix; null skips them.
    /// </summary>
    public IEnumerable<Batch>? EvaluationData { get; init; }

    /// <summary>Examples of the first training batch shown in the sample grid (0 for none).</summary>
    public int SampleCount { get; init; } = 16;

    /// <summary>Examples shown among the top losses (0 for none).</summary>
    public int TopLossCount { get; init; } = 12;

    /// <summary>Misclassified text examples listed, highest loss first (text inputs only).</summary>
    public int MisclassifiedTextCount { get; init; } = 30;

    /// <summary>Rewrite the report after every epoch (true), or only when training ends or is cancelled.</summary>
    public bool WriteEveryEpoch { get; init; } = true;

    /// <summary>Further settings to list (e.g. the data set, batch size, augmentation), by name.</summary>
    public IReadOnlyDictionary<string, string>? Settings { get; init; }

    /// <summary>Checks the values; throws one <see cref="ArgumentException"/> listing every bad one.</summary>
    public void Validate() => new OptionsCheck(nameof(HtmlReportOptions))
        .Require(!string.IsNullOrWhiteSpace(Title), "Title must not be empty.")
        .Require(SampleCount is >= 0 and <= 256, $"SampleCount must be in 0..256 (was {SampleCount}).")
        .Require(TopLossCount is >= 0 and <= 256, $"TopLossCount must be in 0..256 (was {TopLossCount}).")
        .Require(MisclassifiedTextCount is >= 0 and <= 10_000, $"MisclassifiedTextCount must be in 0..10000 (was {MisclassifiedTextCount}).")
        .Require(ClassNames is null || ClassNames.All(n => n is not null), "ClassNames must not contain null.")
        .ThrowIfAny();
}
