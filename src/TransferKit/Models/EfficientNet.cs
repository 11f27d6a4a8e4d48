using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Models;

/// <summary>
/// EfficientNet (Tan and Le, 2019, Table 1), module for module torchvision's <c>EfficientNet</c>:
/// <c>features</c> (a 3×3/2 SiLU stem, seven stages of MBConv blocks with squeeze-and-excitation and
/// stochastic depth, a 1×1 convolution to 4 × the last stage's channels), <c>avgpool</c>, and
/// <c>classifier</c> (Dropout, Linear).
/// </summary>
public sealed class EfficientNet : ClassifierModel
{
    // Table 1 (B0): expand ratio, kernel, first stride, input channels, output channels, layers.
    private static readonly (double Expand, long Kernel, long Stride, long In, long Out, int Layers)[] B0Stages =
    {
        (1, 3, 1, 32, 16, 1),
        (6, 3, 2, 16, 24, 2),
        (6, 5, 2, 24, 40, 2),
        (6, 3, 2, 40, 80, 3),
        (6, 5, 1, 80, 112, 3),
        (6, 5, 2, 112, 192, 4),
        (6, 3, 1, 192, 320, 1),
    };

    /// <summary>EfficientNet-B0 (width and depth multipliers 1.0, dropout 0.2).</summary>
    /// <param name="numClasses">Outputs of the last linear layer.</param>
    /// <param name="stochasticDepthProb">Drop probability of the last block; block k of K drops with probability p·k/K.</param>
    public static EfficientNet B0(long numClasses = 1000, double stochasticDepthProb = 0.2) =>
        new("efficientnet_b0", widthMult: 1.0, depthMult: 1.0, dropout: 0.2, numClasses, stochasticDepthProb);

    private static long AdjustChannels(double channels, double widthMult) => Channels.MakeDivisible(channels * widthMult, 8);

    private EfficientNet(string architecture, double widthMult, double depthMult, double dropout, long numClasses, double stochasticDepthProb)
        : base(architecture, "classifier.1", 4 * AdjustChannels(B0Stages[^1].Out, widthMult))
    {
        static Module Norm(long channels) => new BatchNorm2d(channels);
        var stages = B0Stages
            .Select(s => (s.Expand, s.Kernel, s.Stride, In: AdjustChannels(s.In, widthMult), Out: AdjustChannels(s.Out, widthMult),
                Layers: (int)Math.Ceiling(s.Layers * depthMult)))
            .ToArray();
        int totalBlocks = stages.Sum(s => s.Layers), blockId = 0;

        var layers = new List<Module> { new Conv2dNormActivation(3, stages[0].In, 3, 2, 1, Norm, () => new SiLU()) };
        foreach (var s in stages)
        {
            var stage = new List<Module>();
            for (int k = 0; k < s.Layers; k++)
            {
                // The first block of a stage changes width and stride; the others keep them.
                double sdProb = stochasticDepthProb * blockId++ / totalBlocks;
                stage.Add(new MBConv(s.Expand, s.Kernel, k == 0 ? s.Stride : 1, k == 0 ? s.In : s.Out, s.Out, sdProb, Norm));
            }
            layers.Add(new Sequential(stage.ToArray()));
        }
        layers.Add(new Conv2dNormActivation(stages[^1].Out, HeadInFeatures, 1, 1, 1, Norm, () => new SiLU()));
        RegisterModule("features", new Sequential(layers.ToArray()));
        RegisterModule("avgpool", new AdaptiveAvgPool2d(1));
        RegisterModule("classifier", new Sequential(new Dropout(dropout), new Linear(HeadInFeatures, numClasses)));
        TorchvisionInit.Apply(this, LinearInit.UniformByOutFeatures);
    }

    /// <summary>The pooled <c>features</c> after <c>classifier.0</c> (dropout), [N, 1280].</summary>
    public override Tensor ForwardFeatures(Tensor input) => ForwardFeaturesPoolClassifier(input);
}

/// <summary>
/// Mobile inverted bottleneck: <c>block</c> = [1×1 expansion], k×k depthwise, squeeze-and-excitation
/// (SiLU, sigmoid gate), 1×1 linear projection; when the shape is kept, the branch passes through
/// <c>stochastic_depth</c> and is added to the input.
/// </summary>
internal sealed class MBConv : InvertedResidualBlock
{
    public MBConv(double expandRatio, long kernel, long stride, long inputChannels, long outChannels, double stochasticDepthProb, Func<long, Module> norm)
        : base("block", Branch(expandRatio, kernel, stride, inputChannels, outChannels, norm), useResConnect: stride == 1 && inputChannels == outChannels,
            new StochasticDepth(stochasticDepthProb, StochasticDepthMode.Row)) { }

    private static IEnumerable<Module> Branch(double expandRatio, long kernel, long stride, long inputChannels, long outChannels, Func<long, Module> norm)
    {
        CheckStride(stride);
        long expanded = Channels.MakeDivisible(inputChannels * expandRatio, 8);
        if (expanded != inputChannels)
            yield return new Conv2dNormActivation(inputChannels, expanded, 1, 1, 1, norm, () => new SiLU());
        yield return new Conv2dNormActivation(expanded, expanded, kernel, stride, expanded, norm, () => new SiLU());
        yield return new SqueezeExcitation(expanded, Math.Max(1, inputChannels / 4), () => new SiLU(), () => new Sigmoid());
        yield return new Conv2dNormActivation(expanded, outChannels, 1, 1, 1, norm, null);
    }
}
