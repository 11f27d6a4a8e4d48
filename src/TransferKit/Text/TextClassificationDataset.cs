using TransferKit.Data;

namespace TransferKit.Text;

/// <summary>One labelled text.</summary>
/// <param name="Text">The text.</param>
/// <param name="Label">The class index.</param>
public sealed record TextSample(string Text, long Label);

/// <summary>
/// Texts with class labels, held in memory: read from a tab-separated or CSV file (<see cref="Load"/>),
/// or built from lists. Files are validated when read: a row with a different number of fields, an
/// empty or unknown label, an unclosed quote or text that is not UTF-8 raises
/// <see cref="DataFormatException"/> naming the file and the line. Immutable and thread-safe.
/// </summary>
public sealed class TextClassificationDataset : IDataset<TextSample>
{
    private readonly string[] _texts;
    private readonly long[] _labels;

    /// <summary>A dataset of these texts and class indices into <paramref name="classes"/>.</summary>
    /// <exception cref="ArgumentException">The lists differ in length, or a label is out of range.</exception>
    public TextClassificationDataset(IReadOnlyList<string> texts, IReadOnlyList<long> labels, IReadOnlyList<string> classes)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classes);
        if (texts.Count != labels.Count) throw new ArgumentException($"{texts.Count} texts but {labels.Count} labels.", nameof(labels));
        if (classes.Count == 0) throw new ArgumentException("A classification dataset needs at least one class.", nameof(classes));
        for (int k = 0; k < labels.Count; k++)
            if (labels[k] < 0 || labels[k] >= classes.Count)
                throw new ArgumentException($"Label {labels[k]} of sample {k} is not a class index (0..{classes.Count - 1}).", nameof(labels));
        _texts = texts.Select((t, k) => t ?? throw new ArgumentException($"Text {k} is null.", nameof(texts))).ToArray();
        _labels = labels.ToArray();
        Classes = classes.ToArray();
    }

    /// <summary>Reads a file of one text and one label a row (tab-separated by default; see <see cref="TextDatasetOptions"/>).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">A malformed row; the message names the file and the line.</exception>
    public static TextClassificationDataset Load(string path, TextDatasetOptions? options = null) => TextFileReader.Read(path, options ?? new TextDatasetOptions());

    /// <inheritdoc />
    public int Count => _texts.Length;

    /// <summary>Class names; label <c>k</c> is <c>Classes[k]</c>.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>The texts, by sample.</summary>
    public IReadOnlyList<string> Texts => _texts;

    /// <summary>The class indices, by sample.</summary>
    public IReadOnlyList<long> Labels => _labels;

    /// <summary>Rows of the file skipped for a label outside the classes (<see cref="TextDatasetOptions.SkipUnknownLabels"/>).</summary>
    public int SkippedRows { get; init; }

    /// <inheritdoc />
    public TextSample Get(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The dataset has {Count} samples (valid indices 0..{Count - 1}).");
        return new TextSample(_texts[index], _labels[index]);
    }

    /// <summary>The samples at <paramref name="indices"/>, in that order, with the same classes.</summary>
    public TextClassificationDataset Select(IEnumerable<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var samples = indices.Select(Get).ToArray();
        return new TextClassificationDataset(samples.Select(s => s.Text).ToArray(), samples.Select(s => s.Label).ToArray(), Classes);
    }

    /// <summary>
    /// A seeded train/validation split: <paramref name="validationFraction"/> of the samples go to
    /// validation, of each class separately when <paramref name="stratified"/> (the default), so that
    /// both parts keep the class proportions.
    /// </summary>
    public (TextClassificationDataset Train, TextClassificationDataset Validation) Split(double validationFraction, int seed, bool stratified = true)
    {
        var (train, validation) = stratified
            ? SplitPlan.Stratified(Count, k => _labels[k], validationFraction, seed)
            : SplitPlan.Random(Count, validationFraction, seed);
        return (Select(train), Select(validation));
    }
}
