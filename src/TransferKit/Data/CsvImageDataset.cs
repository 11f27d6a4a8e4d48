using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace TransferKit.Data;

/// <summary>Settings of a <see cref="CsvImageDataset"/>.</summary>
public sealed record CsvImageDatasetOptions
{
    /// <summary>Header of the column holding image paths (relative to the base folder, or absolute). Default "image".</summary>
    public string ImageColumn { get; init; } = "image";

    /// <summary>Header of the column holding labels. Default "label".</summary>
    public string LabelColumn { get; init; } = "label";

    /// <summary>
    /// Class names in label order. When null, integer labels 0..K-1 are used as they are (named
    /// "0".."K-1"), and text labels become classes sorted ordinally.
    /// </summary>
    public IReadOnlyList<string>? Classes { get; init; }

    /// <summary>Field separator (default ',').</summary>
    public char Separator { get; init; } = ',';

    /// <summary>How images are decoded (RGB by default).</summary>
    public ImageDecodeOptions Decode { get; init; } = ImageDecodeOptions.Default with { Mode = ImageReadMode.Rgb };

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate()
    {
        var check = new Engine.OptionsCheck(nameof(CsvImageDatasetOptions))
            .Require(!string.IsNullOrEmpty(ImageColumn), "ImageColumn must name a column.")
            .Require(!string.IsNullOrEmpty(LabelColumn), "LabelColumn must name a column.")
            .Require(ImageColumn != LabelColumn, $"ImageColumn and LabelColumn must differ (both \"{ImageColumn}\").")
            .Require(Separator is not ('"' or '\n' or '\r'), $"Separator cannot be a quote or a line break (was {(int)Separator}).")
            .Require(Classes is null || Classes.Distinct().Count() == Classes.Count, "Classes must be distinct.")
            .Require(Decode is not null, "Decode must not be null.");
        Decode?.Check(check, "Decode.");
        check.ThrowIfAny();
    }
}

/// <summary>
/// Images listed in a CSV file with a header row: one column names the image file, another its
/// label (an integer index or a class name), as in "emergency vs non-emergency vehicles" style
/// data sets. The whole file is validated when the dataset is created: a missing column, a
/// malformed row, an unknown label or a missing image file raises <see cref="DataFormatException"/>
/// naming the CSV file and the line.
/// </summary>
public sealed class CsvImageDataset : IEncodedImageDataset
{
    private readonly string[] _paths;
    private readonly long[] _labels;
    private readonly ImageDecodeOptions _decode;

    /// <summary>Reads and validates <paramref name="csvPath"/>; image paths are relative to <paramref name="imageFolder"/> (default: the CSV's folder).</summary>
    public CsvImageDataset(string csvPath, string? imageFolder = null, CsvImageDatasetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(csvPath);
        options ??= new CsvImageDatasetOptions();
        options.Validate();
        _decode = options.Decode;
        CsvPath = Path.GetFullPath(csvPath);
        ImageFolder = Path.GetFullPath(imageFolder ?? Path.GetDirectoryName(CsvPath)!);
        if (!File.Exists(CsvPath)) throw new FileNotFoundException($"CSV file '{CsvPath}' does not exist.", CsvPath);

        var rows = ReadRows(CsvPath, options.Separator);
        if (rows.Count == 0) throw Error("the file is empty: a header row is required", DataErrorKind.Corrupt);
        var header = rows[0].Fields;
        int imageColumn = Column(header, options.ImageColumn);
        int labelColumn = Column(header, options.LabelColumn);

        var rawLabels = new List<string>();
        var paths = new List<string>();
        foreach (var (line, fields) in rows.Skip(1))
        {
            if (fields.Length == 1 && fields[0].Length == 0) continue; // blank line
            if (fields.Length != header.Length)
                throw Error($"line {line} has {fields.Length} fields but the header has {header.Length}", DataErrorKind.Corrupt);
            string image = fields[imageColumn].Trim();
            if (image.Length == 0) throw Error($"line {line} has an empty '{options.ImageColumn}' value", DataErrorKind.Corrupt);
            string full = Path.IsPathRooted(image) ? image : Path.Combine(ImageFolder, image);
            if (!File.Exists(full)) throw Error($"line {line}: image file '{full}' does not exist", DataErrorKind.Corrupt);
            paths.Add(full);
            rawLabels.Add(fields[labelColumn].Trim());
        }
        (Classes, _labels) = Labels(rawLabels, options.Classes);
        _paths = paths.ToArray();
    }

    /// <summary>The CSV file.</summary>
    public string CsvPath { get; }

    /// <summary>The folder relative image paths start from.</summary>
    public string ImageFolder { get; }

    /// <inheritdoc />
    public int Count => _paths.Length;

    /// <inheritdoc />
    public IReadOnlyList<string> Classes { get; }

    /// <summary>The image file of sample <paramref name="index"/>.</summary>
    public string PathOf(int index)
    {
        DatasetGuard.CheckIndex(index, Count);
        return _paths[index];
    }

    /// <inheritdoc />
    public long GetLabel(int index)
    {
        DatasetGuard.CheckIndex(index, Count);
        return _labels[index];
    }

    /// <inheritdoc />
    public ImageSample Get(int index)
    {
        DatasetGuard.CheckIndex(index, Count);
        return new ImageSample(ImageDecoder.Decode(_paths[index], _decode), _labels[index]);
    }

    /// <summary>Reads image <paramref name="index"/>'s file without decoding it (always available).</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public bool TryGetEncoded(int index, [NotNullWhen(true)] out EncodedImage? encoded)
    {
        DatasetGuard.CheckIndex(index, Count);
        encoded = new EncodedImage(File.ReadAllBytes(_paths[index]), _labels[index], _paths[index], _decode);
        return true;
    }

    private (IReadOnlyList<string> Classes, long[] Labels) Labels(List<string> raw, IReadOnlyList<string>? given)
    {
        var labels = new long[raw.Count];
        bool allIntegers = raw.All(r => long.TryParse(r, NumberStyles.Integer, CultureInfo.InvariantCulture, out _));
        IReadOnlyList<string> classes;
        if (given is not null)
        {
            classes = given.ToArray();
        }
        else if (allIntegers)
        {
            long max = raw.Count == 0 ? -1 : raw.Max(r => long.Parse(r, CultureInfo.InvariantCulture));
            classes = Enumerable.Range(0, (int)Math.Max(0, max + 1)).Select(k => k.ToString(CultureInfo.InvariantCulture)).ToArray();
        }
        else
        {
            classes = raw.Distinct().OrderBy(c => c, StringComparer.Ordinal).ToArray();
        }
        var index = classes.Select((c, k) => (c, k)).ToDictionary(p => p.c, p => (long)p.k);
        for (int k = 0; k < raw.Count; k++)
        {
            if (index.TryGetValue(raw[k], out long byName)) labels[k] = byName;
            else if (long.TryParse(raw[k], NumberStyles.Integer, CultureInfo.InvariantCulture, out long number) && number >= 0 && number < classes.Count) labels[k] = number;
            else throw Error($"data row {k + 1} has label '{raw[k]}', which is not one of the {classes.Count} classes ({string.Join(", ", classes.Take(10))})", DataErrorKind.Corrupt);
        }
        return (classes, labels);
    }

    private int Column(string[] header, string name)
    {
        int column = Array.FindIndex(header, h => string.Equals(h.Trim(), name, StringComparison.OrdinalIgnoreCase));
        if (column < 0) throw Error($"the header has no '{name}' column (columns: {string.Join(", ", header)})", DataErrorKind.Corrupt);
        return column;
    }

    private DataFormatException Error(string reason, DataErrorKind kind) =>
        new($"CSV file '{CsvPath}': {reason}.", CsvPath, kind, reason: reason);

    /// <summary>Splits the file into rows of fields, honouring double quotes (which may contain separators, quotes and newlines).</summary>
    private List<(int Line, string[] Fields)> ReadRows(string path, char separator)
    {
        string text;
        try
        {
            text = File.ReadAllText(path, new UTF8Encoding(false, throwOnInvalidBytes: true));
        }
        catch (DecoderFallbackException e)
        {
            throw new DataFormatException($"CSV file '{path}' is not valid UTF-8 text.", path, DataErrorKind.Corrupt, e, "not valid UTF-8 text");
        }
        if (text.IndexOf('\0') >= 0) throw Error("it contains NUL bytes: not a text file", DataErrorKind.Corrupt);

        var rows = new List<(int, string[])>();
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        int line = 1, rowLine = 1;
        for (int k = 0; k < text.Length; k++)
        {
            char c = text[k];
            if (quoted)
            {
                if (c == '"' && k + 1 < text.Length && text[k + 1] == '"') { field.Append('"'); k++; }
                else if (c == '"') quoted = false;
                else { if (c == '\n') line++; field.Append(c); }
                continue;
            }
            if (c == '"' && field.Length == 0) quoted = true;
            else if (c == separator) { fields.Add(field.ToString()); field.Clear(); }
            else if (c == '\n' || c == '\r')
            {
                if (c == '\r' && k + 1 < text.Length && text[k + 1] == '\n') k++;
                fields.Add(field.ToString());
                field.Clear();
                rows.Add((rowLine, fields.ToArray()));
                fields.Clear();
                rowLine = ++line;
            }
            else field.Append(c);
        }
        if (quoted) throw Error($"a quoted field opened on line {rowLine} is never closed", DataErrorKind.Truncated);
        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            rows.Add((rowLine, fields.ToArray()));
        }
        return rows;
    }
}
