using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Models;

/// <summary>
/// MobileNetV3-Large (Howard et al., 2019, Table 1), module for module torchvision's
/// <c>MobileNetV3</c>: <c>features</c> (a 3×3/2 hard-swish stem, 15 bottleneck blocks with optional
/// squeeze-and-excitation, a 1×1 convolution to 960 channels), <c>avgpool</c>, and <c>classifier</c>
/// (Linear 960→1280, Hardswish, Dropout, Linear 1280→classes).
/// </summary>
public sealed class MobileNetV3 : ClassifierModel
{
    // Table 1 (large): input channels, kernel, expanded channels, output channels, SE, activation
    // (hard-swish or ReLU), stride, dilation.
    private static readonly BottleneckConfig[] LargeSetting =
    {
        new(16, 3, 16, 16, false, false, 1, 1),
        new(16, 3, 64, 24, false, false, 2, 1), // C1
        new(24, 3, 72, 24, false, false, 1, 1),
        new(24, 5, 72, 40, true, false, 2, 1), // C2
        new(40, 5, 120, 40, true, false, 1, 1),
        new(40, 5, 120, 40, true, false, 1, 1),
        new(40, 3, 240, 80, false, true, 2, 1), // C3
        new(80, 3, 200, 80, false, true, 1, 1),
        new(80, 3, 184, 80, false, true, 1, 1),
        new(80, 3, 184, 80, false, true, 1, 1),
        new(80, 3, 480, 112, true, true, 1, 1),
        new(112, 3, 672, 112, true, true, 1, 1),
        new(112, 5, 672, 160, true, true, 2, 1), // C4
        new(160, 5, 960, 160, true, true, 1, 1),
        new(160, 5, 960, 160, true, true, 1, 1),
    };

    /// <summary>MobileNetV3-Large with torchvision's defaults.</summary>
    public static MobileNetV3 Large(long numClasses = 1000, double dropout = 0.2) =>
        new("mobilenet_v3_large", LargeSetting, lastChannel: 1280, numClasses, dropout);

    private MobileNetV3(string architecture, BottleneckConfig[] setting, long lastChannel, long numClasses, double dropout)
        : base(architecture, "classifier.3", lastChannel)
    {
        // torchvision uses BatchNorm2d(eps=0.001, momentum=0.01) throughout MobileNetV3.
        static Module Norm(long channels) => new BatchNorm2d(channels, eps: 0.001, momentum: 0.01);

        var layers = new List<Module> { new Conv2dNormActivation(3, setting[0].InputChannels, 3, 2, 1, Norm, () => new Hardswish()) };
        foreach (var config in setting) layers.Add(new MobileNetV3InvertedResidual(config, Norm));
        long lastConvInput = setting[^1].OutChannels, lastConvOutput = 6 * lastConvInput;
        layers.Add(new Conv2dNormActivation(lastConvInput, lastConvOutput, 1, 1, 1, Norm, () => new Hardswish()));
        RegisterModule("features", new Sequential(layers.ToArray()));
        RegisterModule("avgpool", new AdaptiveAvgPool2d(1));
        RegisterModule("classifier", new Sequential(
            new Linear(lastConvOutput, lastChannel),
            new Hardswish(),
            new Dropout(dropout),
            new Linear(lastChannel, numClasses)));
        TorchvisionInit.Apply(this, LinearInit.Normal001);
    }

    /// <summary>The pooled <c>features</c> through <c>classifier.0</c>..<c>classifier.2</c> (Linear, Hardswish, Dropout), [N, 1280].</summary>
    public override Tensor ForwardFeatures(Tensor input) => ForwardFeaturesPoolClassifier(input);
}

/// <summary>One row of MobileNetV3's Table 1 (torchvision's <c>InvertedResidualConfig</c> at width 1.0).</summary>
internal sealed record BottleneckConfig(long InputChannels, long Kernel, long ExpandedChannels, long OutChannels,
    bool UseSE, bool UseHardswish, long Stride, long Dilation);

/// <summary>
/// MobileNetV3's block (section 5): <c>block</c> = [1×1 expansion], k×k depthwise, [squeeze-and-excitation
/// with a hard-sigmoid gate], 1×1 linear projection; a residual connection when the shape is kept.
/// </summary>
internal sealed class MobileNetV3InvertedResidual : InvertedResidualBlock
{
    public MobileNetV3InvertedResidual(BottleneckConfig c, Func<long, Module> norm)
        : base("block", Branch(c, norm), useResConnect: c.Stride == 1 && c.InputChannels == c.OutChannels) { }

    private static IEnumerable<Module> Branch(BottleneckConfig c, Func<long, Module> norm)
    {
        CheckStride(c.Stride);
        Func<Module> activation = c.UseHardswish ? () => new Hardswish() : () => new ReLU();
        if (c.ExpandedChannels != c.InputChannels)
            yield return new Conv2dNormActivation(c.InputChannels, c.ExpandedChannels, 1, 1, 1, norm, activation);
        long stride = c.Dilation > 1 ? 1 : c.Stride;
        yield return new Conv2dNormActivation(c.ExpandedChannels, c.ExpandedChannels, c.Kernel, stride, c.ExpandedChannels, norm, activation, c.Dilation);
        if (c.UseSE)
            yield return new SqueezeExcitation(c.ExpandedChannels, Channels.MakeDivisible(c.ExpandedChannels / 4, 8), () => new ReLU(), () => new Hardsigmoid());
        yield return new Conv2dNormActivation(c.ExpandedChannels, c.OutChannels, 1, 1, 1, norm, null);
    }

    public override string TypeName => "InvertedResidual";
}
