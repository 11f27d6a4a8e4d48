namespace TransferKit.Models;

/// <summary>
/// Architectures by name: torchvision's zoo (random, torchvision-default initialisation), TransferKit's
/// <c>small_cnn</c>, and any architecture a user registers with <see cref="Register"/> so that saved
/// model packages of it can be loaded by name. Pretrained weights are described by <see cref="PretrainedCatalog"/>.
/// </summary>
public static class ModelRegistry
{
    private static readonly object Gate = new();
    private static (string Name, Func<long, ClassifierModel> Create)[] _entries =
    {
        ("resnet18", n => ResNet.ResNet18(n)),
        ("resnet34", n => ResNet.ResNet34(n)),
        ("resnet50", n => ResNet.ResNet50(n)),
        ("vgg16", n => Vgg.Vgg16(n)),
        ("vgg16_bn", n => Vgg.Vgg16Bn(n)),
        ("mobilenet_v2", n => new MobileNetV2(n)),
        ("mobilenet_v3_large", n => MobileNetV3.Large(n)),
        ("efficientnet_b0", n => EfficientNet.B0(n)),
        (SmallCnn.ArchitectureName, n => new SmallCnn(n)),
        (MLNetResNet.Architecture, n => MLNetResNet.Create(n)),
        (VisionTransformer.B16Name, n => new VisionTransformer(VitConfig.B16 with { NumClasses = n })),
        (VisionTransformer.TinyName, n => new VisionTransformer(VitConfig.Tiny with { NumClasses = n }, VisionTransformer.TinyName)),
    };

    private static (string Name, Func<long, ClassifierModel> Create)[] Entries => Volatile.Read(ref _entries);

    /// <summary>The registered architecture names, in a stable order.</summary>
    public static IReadOnlyList<string> Names => Entries.Select(e => e.Name).ToArray();

    /// <summary>True when <paramref name="name"/> is a registered architecture (names are case-sensitive, as in torchvision).</summary>
    public static bool Contains(string name) => Entries.Any(e => e.Name == name);

    /// <summary>
    /// Registers a user architecture: <paramref name="create"/> builds it for a class count, and its
    /// <see cref="ClassifierModel.Architecture"/> should equal <paramref name="name"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The name is already registered.</exception>
    public static void Register(string name, Func<long, ClassifierModel> create)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(create);
        lock (Gate)
        {
            if (Contains(name)) throw new ArgumentException($"An architecture named '{name}' is already registered.", nameof(name));
            Volatile.Write(ref _entries, Entries.Append((name, create)).ToArray());
        }
    }

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
