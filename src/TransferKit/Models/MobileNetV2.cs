using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Models;

/// <summary>
/// MobileNetV2 (Sandler et al., 2018, Table 2), module for module torchvision's <c>MobileNetV2</c>:
/// <c>features</c> (a 3×3/2 stem, 17 inverted residual blocks, a 1×1 convolution to 1280 channels),
/// global average pooling, and <c>classifier</c> (Dropout, Linear).
/// </summary>
public sealed class MobileNetV2 : ClassifierModel
{
    // Table 2: expansion factor t, output channels c, repeats n, first stride s.
    private static readonly (int T, int C, int N, int S)[] InvertedResidualSetting =
    {
        (1, 16, 1, 1),
        (6, 24, 2, 2),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    };

    /// <summary>
    /// Creates the network with torchvision's initialisation (convolutions kaiming_normal_ fan_out with
    /// zero bias, batch norms weight 1 and bias 0, linear layers N(0, 0.01²) with zero bias).
    /// </summary>
    /// <param name="numClasses">Outputs of the last linear layer.</param>
    /// <param name="widthMult">Width multiplier: scales every layer's channels (rounded to multiples of 8).</param>
    /// <param name="dropout">Dropout probability before the classifier.</param>
    public MobileNetV2(long numClasses = 1000, double widthMult = 1.0, double dropout = 0.2)
        : base("mobilenet_v2", "classifier.1", Channels.MakeDivisible(1280 * Math.Max(1.0, widthMult), 8))
    {
        if (widthMult <= 0) throw new ArgumentOutOfRangeException(nameof(widthMult), widthMult, "must be positive");
        static Module Norm(long channels) => new BatchNorm2d(channels);
        long inputChannel = Channels.MakeDivisible(32 * widthMult, 8);

        var features = new List<Module> { new Conv2dNormActivation(3, inputChannel, 3, 2, 1, Norm, () => new ReLU6()) };
        foreach (var (t, c, n, s) in InvertedResidualSetting)
        {
            long outputChannel = Channels.MakeDivisible(c * widthMult, 8);
            for (int i = 0; i < n; i++)
            {
                features.Add(new MobileNetV2InvertedResidual(inputChannel, outputChannel, i == 0 ? s : 1, t, Norm));
                inputChannel = outputChannel;
            }
        }
        features.Add(new Conv2dNormActivation(inputChannel, HeadInFeatures, 1, 1, 1, Norm, () => new ReLU6()));
        RegisterModule("features", new Sequential(features.ToArray()));
        RegisterModule("classifier", new Sequential(new Dropout(dropout), new Linear(HeadInFeatures, numClasses)));
        TorchvisionInit.Apply(this, LinearInit.Normal001);
    }

    /// <summary>The globally pooled <c>features</c> after <c>classifier.0</c> (dropout), [N, 1280].</summary>
    public override Tensor ForwardFeatures(Tensor input) => ForwardFeaturesPoolClassifier(input);
}

/// <summary>
/// MobileNetV2's block: <c>conv</c> = [1×1 expansion with ReLU6 when t ≠ 1], 3×3 depthwise with
/// ReLU6, 1×1 linear projection (Conv2d, BatchNorm2d); a residual connection when the shape is kept.
/// </summary>
internal sealed class MobileNetV2InvertedResidual : InvertedResidualBlock
{
    public MobileNetV2InvertedResidual(long inp, long oup, long stride, int expandRatio, Func<long, Module> norm)
        : base("conv", Branch(inp, oup, stride, expandRatio, norm), useResConnect: stride == 1 && inp == oup) { }

    private static IEnumerable<Module> Branch(long inp, long oup, long stride, int expandRatio, Func<long, Module> norm)
    {
        CheckStride(stride);
        long hidden = (long)Math.Round(inp * (double)expandRatio, MidpointRounding.ToEven);
        if (expandRatio != 1) yield return new Conv2dNormActivation(inp, hidden, 1, 1, 1, norm, () => new ReLU6());
        yield return new Conv2dNormActivation(hidden, hidden, 3, stride, hidden, norm, () => new ReLU6());
        yield return new Conv2d(hidden, oup, 1, bias: false);
        yield return norm(oup);
    }

    public override string TypeName => "InvertedResidual";
}
