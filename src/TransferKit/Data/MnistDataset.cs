using TransferKit.Engine;

namespace TransferKit.Data;

/// <summary>Which MNIST-format dataset a folder holds, for its class names.</summary>
public enum MnistVariant
{
    /// <summary>MNIST handwritten digits: classes "0" to "9".</summary>
    Digits,

    /// <summary>Fashion-MNIST (Zalando): T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot.</summary>
    Fashion,
}

/// <summary>
/// MNIST or Fashion-MNIST (torchvision's <c>MNIST</c> / <c>FashionMNIST</c>), read from the original
/// IDX files, gzip-compressed or not. All images are loaded into managed memory at construction
/// (47 MB for a training set); <see cref="Get(int)"/> returns a new uint8 [28, 28, 1] tensor.
/// </summary>
/// <remarks>
/// Files are validated completely: IDX magic numbers (0x00000803 for images, 0x00000801 for labels),
/// dimensions, exact file length, gzip integrity, equal image and label counts, and labels within
/// the class list. Any violation raises <see cref="DataFormatException"/> naming the file.
/// </remarks>
public sealed class MnistDataset : IImageDataset
{
    /// <summary>MNIST's classes: "0" to "9".</summary>
    public static IReadOnlyList<string> DigitClasses { get; } = Array.AsReadOnly(new[] { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" });

    /// <summary>Fashion-MNIST's classes, in label order (the names torchvision uses).</summary>
    public static IReadOnlyList<string> FashionClasses { get; } = Array.AsReadOnly(new[]
    {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    });

    private readonly ReadOnlyMemory<byte> _images;
    private readonly ReadOnlyMemory<byte> _labels;

    /// <summary>
    /// Loads the training (60,000) or test (10,000) split from <paramref name="root"/>, which holds
    /// the standard file names <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>,
    /// <c>t10k-images-idx3-ubyte</c> and <c>t10k-labels-idx1-ubyte</c>, each with or without
    /// <c>.gz</c>, directly or in a <c>raw</c> subfolder (torchvision's layout).
    /// </summary>
    /// <param name="root">The folder holding the files.</param>
    /// <param name="train">True for the training split, false for the test split.</param>
    /// <param name="variant">Digits (MNIST) or Fashion (Fashion-MNIST): decides <see cref="Classes"/>.</param>
    /// <exception cref="FileNotFoundException">A file of the split is missing.</exception>
    /// <exception cref="DataFormatException">A file is not a valid IDX file, or the two files disagree.</exception>
    public MnistDataset(string root, bool train = true, MnistVariant variant = MnistVariant.Digits)
        : this(FindFile(root, train ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte"),
               FindFile(root, train ? "train-labels-idx1-ubyte" : "t10k-labels-idx1-ubyte"),
               ClassesOf(variant))
    {
    }

    private MnistDataset(string imagesPath, string labelsPath, IReadOnlyList<string> classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        if (classes.Count is 0 or > 256)
            throw new ArgumentException($"An IDX label file can address 1 to 256 classes, not {classes.Count}.", nameof(classes));
        ImagesPath = imagesPath;
        LabelsPath = labelsPath;
        Classes = classes.ToArray();

        var images = IdxReader.Read(imagesPath, expectedRank: 3);
        var labels = IdxReader.Read(labelsPath, expectedRank: 1);
        if (images.Dims[1] == 0 || images.Dims[2] == 0)
            throw IdxReader.Error(imagesPath, DataErrorKind.Corrupt, $"the images are {images.Dims[1]} x {images.Dims[2]} pixels");
        if (images.Dims[0] != labels.Dims[0])
            throw IdxReader.Error(labelsPath, DataErrorKind.Corrupt,
                $"it holds {labels.Dims[0]} labels but the images file '{imagesPath}' holds {images.Dims[0]} images");
        int bad = labels.Data.Span.IndexOfAnyInRange((byte)Math.Min(classes.Count, 255), (byte)255);
        if (classes.Count < 256 && bad >= 0)
            throw IdxReader.Error(labelsPath, DataErrorKind.Corrupt,
                $"label {labels.Data.Span[bad]} at index {bad} is outside the {classes.Count} classes (0..{classes.Count - 1})");

        Count = images.Dims[0];
        Height = images.Dims[1];
        Width = images.Dims[2];
        _images = images.Data;
        _labels = labels.Data;
    }

    /// <summary>
    /// Loads an images file and a labels file with any names (raw or gzip IDX), with the given class
    /// names (e.g. <see cref="DigitClasses"/>).
    /// </summary>
    /// <exception cref="DataFormatException">A file is not a valid IDX file, or the two files disagree.</exception>
    public static MnistDataset FromFiles(string imagesPath, string labelsPath, IReadOnlyList<string> classes)
    {
        ArgumentNullException.ThrowIfNull(imagesPath);
        ArgumentNullException.ThrowIfNull(labelsPath);
        return new MnistDataset(imagesPath, labelsPath, classes);
    }

    /// <summary>The class names of a variant: <see cref="DigitClasses"/> or <see cref="FashionClasses"/>.</summary>
    public static IReadOnlyList<string> ClassesOf(MnistVariant variant) => variant switch
    {
        MnistVariant.Digits => DigitClasses,
        MnistVariant.Fashion => FashionClasses,
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "Unknown MNIST variant."),
    };

    /// <summary>The images file that was read.</summary>
    public string ImagesPath { get; }

    /// <summary>The labels file that was read.</summary>
    public string LabelsPath { get; }

    /// <inheritdoc/>
    public int Count { get; }

    /// <summary>Image height in pixels (28 for MNIST).</summary>
    public int Height { get; }

    /// <summary>Image width in pixels (28 for MNIST).</summary>
    public int Width { get; }

    /// <inheritdoc/>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Image <paramref name="index"/> as a new uint8 [Height, Width, 1] tensor, and its label.</summary>
    public ImageSample Get(int index)
    {
        DatasetGuard.CheckIndex(index, Count);
        int pixels = Height * Width;
        var image = Torch.FromArray(_images.Span.Slice(index * pixels, pixels), Height, Width, 1);
        return new ImageSample(image, _labels.Span[index]);
    }

    /// <inheritdoc/>
    public long GetLabel(int index)
    {
        DatasetGuard.CheckIndex(index, Count);
        return _labels.Span[index];
    }

    /// <summary>Every image in one new uint8 tensor of shape [Count, Height, Width, 1].</summary>
    public Tensor GetAllImages() => Torch.FromArray(_images.Span, Count, Height, Width, 1);

    /// <summary>Every label in one new int64 tensor of shape [Count].</summary>
    public Tensor GetAllLabels()
    {
        using var bytes = Torch.FromArray(_labels.Span, Count);
        return bytes.To(ScalarType.Int64);
    }

    private static string FindFile(string root, string name)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"The MNIST folder '{root}' does not exist.");
        var candidates = new[]
        {
            Path.Combine(root, name + ".gz"), Path.Combine(root, name),
            Path.Combine(root, "raw", name + ".gz"), Path.Combine(root, "raw", name),
        };
        foreach (var candidate in candidates)
            if (File.Exists(candidate)) return candidate;
        throw new FileNotFoundException(
            $"The MNIST file {name} was not found in '{root}' (looked for {string.Join(", ", candidates.Select(Path.GetFileName).Distinct())}, also under raw/).",
            Path.Combine(root, name + ".gz"));
    }
}
