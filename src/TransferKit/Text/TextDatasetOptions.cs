using TransferKit.Engine;

namespace TransferKit.Text;

/// <summary>How <see cref="TextClassificationDataset.Load"/> reads a file of texts and labels.</summary>
public sealed record TextDatasetOptions
{
    /// <summary>Field separator: <c>'\t'</c> (the default) or <c>','</c> for CSV.</summary>
    public char Separator { get; init; } = '\t';

    /// <summary>
    /// Whether a field that starts with a double quote is quoted (CSV: it may then hold separators,
    /// line breaks and doubled quotes). Null (the default): on for <c>','</c>, off otherwise, so that
    /// quotes in tab-separated sentences stay text.
    /// </summary>
    public bool? Quoting { get; init; }

    /// <summary>Whether the first row names the columns (then <see cref="TextColumn"/> and <see cref="LabelColumn"/> find them). Default false.</summary>
    public bool HasHeader { get; init; }

    /// <summary>The text column's header (case-insensitive), with <see cref="HasHeader"/>. Default "text".</summary>
    public string TextColumn { get; init; } = "text";

    /// <summary>The label column's header (case-insensitive), with <see cref="HasHeader"/>. Default "label".</summary>
    public string LabelColumn { get; init; } = "label";

    /// <summary>The text column's position (from 0) in a file without header. Default 0.</summary>
    public int TextColumnIndex { get; init; }

    /// <summary>The label column's position (from 0) in a file without header. Default 1.</summary>
    public int LabelColumnIndex { get; init; } = 1;

    /// <summary>
    /// Class names in label order; labels may then be these names or their indices. Null (the
    /// default): integer labels 0..K-1 are used as they are, text labels become classes sorted ordinally.
    /// </summary>
    public IReadOnlyList<string>? Classes { get; init; }

    /// <summary>
    /// Skip rows whose label is not one of <see cref="Classes"/> (they are counted in
    /// <see cref="TextClassificationDataset.SkippedRows"/>) instead of failing. Needs <see cref="Classes"/>. Default false.
    /// </summary>
    public bool SkipUnknownLabels { get; init; }

    /// <summary>Whether quoting is on for this separator.</summary>
    internal bool QuotingInEffect => Quoting ?? Separator == ',';

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate() => new OptionsCheck(nameof(TextDatasetOptions))
        .Require(Separator is not ('"' or '\n' or '\r' or '\0'), $"Separator cannot be a quote, a line break or NUL (was {(int)Separator}).")
        .Require(!HasHeader || !string.IsNullOrWhiteSpace(TextColumn), "TextColumn must name a column.")
        .Require(!HasHeader || !string.IsNullOrWhiteSpace(LabelColumn), "LabelColumn must name a column.")
        .Require(!HasHeader || !string.Equals(TextColumn, LabelColumn, StringComparison.OrdinalIgnoreCase), $"TextColumn and LabelColumn must differ (both \"{TextColumn}\").")
        .Require(HasHeader || (TextColumnIndex >= 0 && LabelColumnIndex >= 0), $"Column indices must be >= 0 (text {TextColumnIndex}, label {LabelColumnIndex}).")
        .Require(HasHeader || TextColumnIndex != LabelColumnIndex, $"TextColumnIndex and LabelColumnIndex must differ (both {TextColumnIndex}).")
        .Require(Classes is null || (Classes.Count > 0 && Classes.Distinct().Count() == Classes.Count), "Classes must be distinct and not empty.")
        .Require(!SkipUnknownLabels || Classes is not null, "SkipUnknownLabels needs Classes (which labels to keep).")
        .ThrowIfAny();
}
