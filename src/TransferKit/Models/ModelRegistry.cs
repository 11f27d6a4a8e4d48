namespace TransferKit.Models;

/// <summary>
/// The model zoo by name: torchvision's architecture names mapped to constructors with random
/// (torchvision-default) initialisation. Pretrained weights are described by <see cref="PretrainedCatalog"/>.
/// </summary>
public static class ModelRegistry
{
    private static readonly (string Name, Func<long, ClassifierModel> Create)[] Entries =
    {
        ("resnet18", n => ResNet.ResNet18(n)),
        ("resnet34", n => ResNet.ResNet34(n)),
        ("resnet50", n => ResNet.ResNet50(n)),
        ("vgg16", n => Vgg.Vgg16(n)),
        ("vgg16_bn", n => Vgg.Vgg16Bn(n)),
        ("mobilenet_v2", n => new MobileNetV2(n)),
        ("mobilenet_v3_large", n => MobileNetV3.Large(n)),
        ("efficientnet_b0", n => EfficientNet.B0(n)),
    };

    /// <summary>The registered architecture names, in a stable order.</summary>
    public static IReadOnlyList<string> Names { get; } = Entries.Select(e => e.Name).ToArray();

    /// <summary>True when <paramref name="name"/> is a registered architecture (names are case-sensitive, as in torchvision).</summary>
    public static bool Contains(string name) => Entries.Any(e => e.Name == name);

    /// <summary>Creates an architecture by name with randomly initialised weights.</summary>
    /// <param name="name">A name from <see cref="Names"/>, e.g. <c>resnet18</c>.</param>
    /// <param name="numClasses">Outputs of the classifier head.</param>
    /// <exception cref="KeyNotFoundException">The name is not registered; the message lists the names that are.</exception>
    public static ClassifierModel Create(string name, long numClasses = 1000)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (numClasses <= 0) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "the number of classes must be positive");
        foreach (var (entryName, create) in Entries)
            if (entryName == name) return create(numClasses);
        throw new KeyNotFoundException($"Unknown model '{name}'. Available models: {string.Join(", ", Names)}.");
    }
}
