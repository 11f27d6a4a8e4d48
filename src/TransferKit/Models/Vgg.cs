using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Models;

/// <summary>The VGG configurations of Simonyan and Zisserman (2014), Table 1.</summary>
public enum VggConfig
{
    /// <summary>Configuration A, 11 weight layers.</summary>
    Vgg11,

    /// <summary>Configuration B, 13 weight layers.</summary>
    Vgg13,

    /// <summary>Configuration D, 16 weight layers.</summary>
    Vgg16,

    /// <summary>Configuration E, 19 weight layers.</summary>
    Vgg19,
}

/// <summary>
/// VGG (Simonyan and Zisserman, 2014), module for module torchvision's <c>VGG</c>: <c>features</c>
/// (3×3 convolutions with padding 1, each followed by [BatchNorm2d and] ReLU, and 2×2 max pooling
/// between stages, all in one Sequential indexed as torchvision indexes it), <c>avgpool</c>
/// (adaptive to 7×7) and <c>classifier</c> (Linear 25088→4096, ReLU, Dropout, Linear 4096→4096,
/// ReLU, Dropout, Linear 4096→classes). Inputs must be at least 32×32.
/// </summary>
public sealed class Vgg : ClassifierModel
{
    // Table 1: output channels of each 3×3 convolution, 0 for a 2×2 max-pool.
    private static int[] Layers(VggConfig config) => config switch
    {
        VggConfig.Vgg11 => new[] { 64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0 },
        VggConfig.Vgg13 => new[] { 64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0 },
        VggConfig.Vgg16 => new[] { 64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0 },
        VggConfig.Vgg19 => new[] { 64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0 },
        _ => throw new ArgumentOutOfRangeException(nameof(config), config, "unknown VGG configuration"),
    };

    /// <summary>VGG-16 (configuration D) without batch normalisation.</summary>
    public static Vgg Vgg16(long numClasses = 1000) => new("vgg16", VggConfig.Vgg16, batchNorm: false, numClasses);

    /// <summary>VGG-16 (configuration D) with batch normalisation after each convolution.</summary>
    public static Vgg Vgg16Bn(long numClasses = 1000) => new("vgg16_bn", VggConfig.Vgg16, batchNorm: true, numClasses);

    /// <summary>
    /// Creates a VGG with torchvision's initialisation (convolutions kaiming_normal_ fan_out/relu with
    /// zero bias, batch norms weight 1 and bias 0, linear layers N(0, 0.01²) with zero bias).
    /// </summary>
    /// <param name="architecture">Name reported by <see cref="ClassifierModel.Architecture"/>.</param>
    /// <param name="config">Which column of Table 1.</param>
    /// <param name="batchNorm">Insert BatchNorm2d after each convolution (the <c>_bn</c> variants).</param>
    /// <param name="numClasses">Outputs of the last linear layer.</param>
    /// <param name="dropout">Dropout probability in the classifier.</param>
    public Vgg(string architecture, VggConfig config, bool batchNorm, long numClasses = 1000, double dropout = 0.5)
        : base(architecture, "classifier.6", 4096)
    {
        var features = new List<Module>();
        long inChannels = 3;
        foreach (int v in Layers(config))
        {
            if (v == 0)
            {
                features.Add(new MaxPool2d(2, stride: 2));
                continue;
            }
            features.Add(new Conv2d(inChannels, v, 3, padding: 1));
            if (batchNorm) features.Add(new BatchNorm2d(v));
            features.Add(new ReLU());
            inChannels = v;
        }
        RegisterModule("features", new Sequential(features.ToArray()));
        RegisterModule("avgpool", new AdaptiveAvgPool2d(7));
        RegisterModule("classifier", new Sequential(
            new Linear(512 * 7 * 7, 4096),
            new ReLU(),
            new Dropout(dropout),
            new Linear(4096, 4096),
            new ReLU(),
            new Dropout(dropout),
            new Linear(4096, numClasses)));
        TorchvisionInit.Apply(this, LinearInit.Normal001);
    }

    /// <inheritdoc />
    public override string TypeName => "VGG";

    /// <summary>The output of <c>classifier.5</c> (the second dropout), [N, 4096].</summary>
    public override Tensor ForwardFeatures(Tensor input) => ForwardFeaturesPoolClassifier(input);
}
