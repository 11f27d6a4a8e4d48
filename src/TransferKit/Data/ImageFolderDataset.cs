using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using TransferKit.Engine;

namespace TransferKit.Data;

/// <summary>What <see cref="ImageFolderDataset"/> does with a file it cannot use.</summary>
public enum InvalidFilePolicy
{
    /// <summary>Leave the file out, and report it in <see cref="ImageFolderDataset.Warnings"/> and to the logger.</summary>
    Skip,

    /// <summary>Raise <see cref="DataFormatException"/> naming the file.</summary>
    Throw,
}

/// <summary>Options of <see cref="ImageFolderDataset"/>.</summary>
public sealed record ImageFolderOptions
{
    /// <summary>The default image extensions: .jpg, .jpeg and .png (the formats <see cref="ImageDecoder"/> reads).</summary>
    public static IReadOnlyList<string> DefaultExtensions { get; } = Array.AsReadOnly(new[] { ".jpg", ".jpeg", ".png" });

    /// <summary>
    /// File name endings that count as images, compared case-insensitively (".JPG" matches ".jpg").
    /// Other files follow <see cref="InvalidFiles"/>. <see cref="DefaultExtensions"/> by default.
    /// </summary>
    public IReadOnlyList<string> Extensions { get; init; } = DefaultExtensions;

    /// <summary>
    /// What to do with a file in a class folder whose extension is not in <see cref="Extensions"/>
    /// (e.g. a stray .gif or readme), or that fails <see cref="VerifyImages"/>. <see cref="InvalidFilePolicy.Skip"/> by default.
    /// </summary>
    public InvalidFilePolicy InvalidFiles { get; init; } = InvalidFilePolicy.Skip;

    /// <summary>
    /// Read every image's header when the dataset is built, so that files without a valid JPEG/PNG
    /// header (whatever their extension says, e.g. a GIF named .jpg, an empty file) are handled by
    /// <see cref="InvalidFiles"/> up front rather than failing in <see cref="ImageFolderDataset.Get(int)"/>.
    /// Damage after the header (e.g. truncated pixel data) still surfaces in <c>Get</c>. Costs one
    /// read of each file. False by default.
    /// </summary>
    public bool VerifyImages { get; init; }

    /// <summary>
    /// How images are decoded by <see cref="ImageFolderDataset.Get(int)"/>. By default always RGB (3
    /// channels, as torchvision's loader converts every image with <c>convert("RGB")</c>), so that
    /// grayscale files don't break batches.
    /// </summary>
    public ImageDecodeOptions Decode { get; init; } = new() { Mode = ImageReadMode.Rgb };

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate()
    {
        var check = new OptionsCheck(nameof(ImageFolderOptions))
            .Require(Extensions is { Count: > 0 }, "At least one image extension is needed (Extensions is empty).")
            .Require(Extensions is null || Extensions.All(e => e is { Length: > 1 } && e[0] == '.'),
                $"Extensions must start with '.' (got {(Extensions is null ? "null" : string.Join(", ", Extensions.Select(e => $"\"{e}\"")))}).")
            .Require(Enum.IsDefined(InvalidFiles), $"InvalidFiles {(int)InvalidFiles} is not an InvalidFilePolicy.")
            .Require(Decode is not null, "Decode must not be null.");
        Decode?.Check(check, "Decode.");
        check.ThrowIfAny();
    }
}

/// <summary>A file of an <see cref="ImageFolderDataset"/> and its label.</summary>
/// <param name="Path">Full path of the image file.</param>
/// <param name="Label">Index of its class in <see cref="ImageFolderDataset.Classes"/>.</param>
public readonly record struct LabeledFile(string Path, long Label);

/// <summary>
/// Images arranged one folder per class, as torchvision's <c>ImageFolder</c>:
/// <c>root/ants/xxx.jpg</c>, <c>root/bees/yyy.png</c>, ... Same classes, order and labels as torchvision.
/// </summary>
/// <remarks>
/// <para>Classes are the names of the root folder's subfolders sorted ordinally (as Python sorts
/// strings), label <c>k</c> being <c>Classes[k]</c>. Files are found recursively inside each class folder,
/// and ordered as torchvision does: folders by path, then files by name, ordinally. Names with spaces or
/// any other characters are fine. Hidden folders are not treated specially (torchvision doesn't either).</para>
/// <para>Only the file list is built at construction; <see cref="Get(int)"/> reads and decodes one file
/// (thread-safe). A file that turns out not to be decodable raises <see cref="ImageDecodeException"/>
/// there; set <see cref="ImageFolderOptions.VerifyImages"/> to find such files up front.</para>
/// </remarks>
public sealed class ImageFolderDataset : IEncodedImageDataset
{
    private readonly LabeledFile[] _samples;
    private readonly ImageDecodeOptions _decode;

    /// <summary>Lists the images under <paramref name="root"/>.</summary>
    /// <param name="root">The folder with one subfolder per class.</param>
    /// <param name="options">Extensions, policy for other files, decoding; defaults when null.</param>
    /// <param name="logger">Receives a warning for each skipped file; optional.</param>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> does not exist.</exception>
    /// <exception cref="FileNotFoundException">There is no class folder, or a class folder holds no usable image.</exception>
    /// <exception cref="DataFormatException">A file is unusable and the policy is <see cref="InvalidFilePolicy.Throw"/>.</exception>
    public ImageFolderDataset(string root, ImageFolderOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        options ??= new ImageFolderOptions();
        options.Validate();
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"The image folder '{root}' does not exist.");
        Root = Path.GetFullPath(root);
        _decode = options.Decode ?? ImageDecodeOptions.Default;

        var classes = Directory.EnumerateDirectories(Root).Select(d => Path.GetFileName(d)!).ToArray();
        Array.Sort(classes, StringComparer.Ordinal);
        if (classes.Length == 0)
            throw new FileNotFoundException($"No class folder found in '{Root}': ImageFolderDataset expects one subfolder per class.", Root);
        Classes = classes;
        ClassToIndex = classes.Select((name, k) => (name, k)).ToDictionary(p => p.name, p => p.k, StringComparer.Ordinal);

        var warnings = new List<string>();
        var samples = new List<LabeledFile>();
        var empty = new List<string>();
        for (int label = 0; label < classes.Length; label++)
        {
            int before = samples.Count;
            foreach (var path in EnumerateSorted(Path.Combine(Root, classes[label])))
            {
                var (problem, kind) = Problem(path, options);
                if (problem is null)
                {
                    samples.Add(new LabeledFile(path, label));
                    continue;
                }
                if (options.InvalidFiles == InvalidFilePolicy.Throw)
                    throw new DataFormatException($"Invalid file in image folder: '{path}': {problem}.", path, kind, null, problem);
                string warning = $"Skipped '{path}': {problem}.";
                warnings.Add(warning);
                logger?.LogWarning("ImageFolderDataset skipped {Path}: {Problem}", path, problem);
            }
            if (samples.Count == before) empty.Add(classes[label]);
        }
        if (empty.Count > 0)
            throw new FileNotFoundException(
                $"Found no usable image for the classes {string.Join(", ", empty)} in '{Root}'. Supported extensions are: {string.Join(", ", options.Extensions)}.", Root);
        _samples = samples.ToArray();
        Warnings = warnings.AsReadOnly();
    }

    /// <summary>The dataset's folder (full path).</summary>
    public string Root { get; }

    /// <inheritdoc/>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Label of each class name (torchvision's <c>class_to_idx</c>).</summary>
    public IReadOnlyDictionary<string, int> ClassToIndex { get; }

    /// <summary>Every image file and its label, in sample order (torchvision's <c>samples</c>).</summary>
    public IReadOnlyList<LabeledFile> Samples => _samples;

    /// <summary>One line per file that was skipped, saying which and why (empty when none was).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <inheritdoc/>
    public int Count => _samples.Length;

    /// <summary>Reads and decodes image <paramref name="index"/> (a new uint8 [H, W, C] tensor) with its label.</summary>
    /// <exception cref="ImageDecodeException">The file is not a decodable JPEG or PNG.</exception>
    public ImageSample Get(int index)
    {
        DatasetGuard.CheckIndex(index, Count);
        var (path, label) = _samples[index];
        return new ImageSample(ImageDecoder.Decode(path, _decode), label);
    }

    /// <summary>Reads file <paramref name="index"/> without decoding it (always available).</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public bool TryGetEncoded(int index, [NotNullWhen(true)] out EncodedImage? encoded)
    {
        DatasetGuard.CheckIndex(index, Count);
        var (path, label) = _samples[index];
        encoded = new EncodedImage(File.ReadAllBytes(path), label, path, _decode);
        return true;
    }

    /// <inheritdoc/>
    public long GetLabel(int index)
    {
        DatasetGuard.CheckIndex(index, Count);
        return _samples[index].Label;
    }

    // torchvision: for root, _, fnames in sorted(os.walk(dir, followlinks=True)): for fname in sorted(fnames).
    private static IEnumerable<string> EnumerateSorted(string classDir)
    {
        var dirs = new List<string> { classDir };
        dirs.AddRange(Directory.EnumerateDirectories(classDir, "*", SearchOption.AllDirectories));
        dirs.Sort(StringComparer.Ordinal);
        foreach (var dir in dirs)
        {
            var files = Directory.EnumerateFiles(dir).ToArray();
            Array.Sort(files, StringComparer.Ordinal);
            foreach (var file in files) yield return file;
        }
    }

    private static (string? Problem, DataErrorKind Kind) Problem(string path, ImageFolderOptions options)
    {
        bool known = false;
        foreach (var ext in options.Extensions)
            if (path.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) { known = true; break; }
        if (!known)
            return ($"the extension '{Path.GetExtension(path)}' is not one of {string.Join(", ", options.Extensions)}", DataErrorKind.UnsupportedFormat);
        if (!options.VerifyImages) return (null, default);
        try
        {
            ImageDecoder.ReadInfo(path, options.Decode?.Mode ?? ImageReadMode.Rgb);
            return (null, default);
        }
        catch (ImageDecodeException e)
        {
            return ($"not a decodable image ({e.Reason})", e.Kind);
        }
    }
}
