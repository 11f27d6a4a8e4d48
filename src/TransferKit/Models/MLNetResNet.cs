namespace TransferKit.Models;

/// <summary>
/// ML.NET's ImageNet ResNet-18, the ONNX file <c>ResNet18.onnx</c> of the NuGet package
/// <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> 0.23.1 (MIT): a CNTK-trained ResNet of basic blocks
/// [2, 2, 2, 3] (layer4 has three) without a classifier, registered as <c>resnet18_mlnet</c> with
/// torchvision-style keys (<c>layer4.2.*</c>). Its weights are read from the consuming app's output
/// folder or the NuGet package cache (see <see cref="WeightsResolver"/>); reading the ONNX file is
/// TransferKit.Onnx's part.
/// </summary>
public static class MLNetResNet
{
    /// <summary>The zoo name, <c>resnet18_mlnet</c>.</summary>
    public const string Architecture = "resnet18_mlnet";

    /// <summary>The NuGet package that carries the file.</summary>
    public const string PackageId = "Microsoft.ML.DnnImageFeaturizer.ResNet18";

    /// <summary>The package version catalogued.</summary>
    public const string PackageVersion = "0.23.1";

    /// <summary>Per-channel means (RGB, 0-255) of the CNTK mean image the network was trained with (<c>ResNetPreprocess.onnx</c>).</summary>
    public static IReadOnlyList<double> CntkChannelMean { get; } = Array.AsReadOnly(new[] { 123.15162658691406, 115.90288543701172, 103.0626220703125 });

    /// <summary>The file's location: in the package, and in the output folder of a project referencing the package.</summary>
    public static NuGetWeightsFile File { get; } = new(PackageId, PackageVersion,
        "tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx", "DnnImageModels/ResNet18Onnx/ResNet18.onnx");

    /// <summary>The architecture: torchvision's ResNet of basic blocks with [2, 2, 2, 3] blocks.</summary>
    public static ResNet Create(long numClasses = 1) => new(Architecture, ResNetBlock.Basic, new[] { 2, 2, 2, 3 }, numClasses);

    /// <summary>
    /// The catalogued weights: <c>IMAGENET1K_MLNET_TVNORM</c> (the default) folds CNTK's input convention
    /// into conv1 and bn1 so that torchvision's ImageNet normalisation applies, like every other zoo entry
    /// (features within cosine 0.998 of the original: the per-pixel mean image and the zero-padded
    /// borders differ); <c>IMAGENET1K_MLNET</c> keeps CNTK's convention exactly — 0-255 pixels minus the
    /// per-channel means, RGB after reordering conv1's input channels.
    /// The file has no classifier: the model gets a new one-output head, to be replaced (ReplaceHead).
    /// </summary>
    internal static PretrainedWeights[] Weights()
    {
        var cntk = new PretrainedWeights
        {
            Architecture = Architecture,
            Tag = "IMAGENET1K_MLNET",
            Url = new Uri($"https://www.nuget.org/packages/{PackageId}/{PackageVersion}"),
            Sha256 = "e2552f19db2dfdb01b3669537b6a0f1b44da38d18279535492ed5dfc2ef1ff8f",
            FileSize = 63_653_533,
            NumParameters = 15_897_665,
            ResizeSize = 256,
            Mean = Array.AsReadOnly(CntkChannelMean.Select(m => m / 255).ToArray()),
            Std = Array.AsReadOnly(new[] { 1 / 255.0, 1 / 255.0, 1 / 255.0 }),
            Categories = Array.AsReadOnly(new[] { "class_0" }),
            NuGet = File,
        };
        return new[] { cntk with { Tag = "IMAGENET1K_MLNET_TVNORM", Mean = ImageNet.Mean, Std = ImageNet.Std, IsDefault = true }, cntk };
    }
}
