using System.Diagnostics.CodeAnalysis;

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
        (_paths, _labels, Classes) = LabelledFileCsv.Read(CsvPath, ImageFolder, options.ImageColumn, options.LabelColumn, options.Separator,
            options.Classes, "image");
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
}
