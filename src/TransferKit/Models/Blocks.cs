using TransferKit.NN;
using TransferKit.Engine;
using TransferKit.Data;

namespace TransferKit.Models;

/// <summary>
/// Convolution, then normalisation, then activation, as one <see cref="Sequential"/> with children
/// "0" (conv), "1" (norm) and "2" (activation) when present: torchvision's
/// <c>ops.Conv2dNormActivation</c>, the building block of MobileNet and EfficientNet. The padding
/// keeps the spatial size for stride 1 (<c>(kernel - 1) / 2 * dilation</c>) and the convolution has a
/// bias only when there is no normalisation layer.
/// </summary>
public sealed class Conv2dNormActivation : Sequential
{
    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelSize">Square kernel size.</param>
    /// <param name="stride">Stride.</param>
    /// <param name="groups">Channel groups (<paramref name="inChannels"/> for a depthwise convolution).</param>
    /// <param name="normLayer">Creates the normalisation layer for a channel count; null for none.</param>
    /// <param name="activationLayer">Creates the activation; null for none (a linear projection).</param>
    /// <param name="dilation">Dilation.</param>
    public Conv2dNormActivation(long inChannels, long outChannels, long kernelSize, long stride, long groups,
        Func<long, Module>? normLayer, Func<Module>? activationLayer, long dilation = 1)
        : base(Layers(inChannels, outChannels, kernelSize, stride, groups, normLayer, activationLayer, dilation))
    {
        OutChannels = outChannels;
    }

    /// <summary>Output channels.</summary>
    public long OutChannels { get; }

    private static Module[] Layers(long inChannels, long outChannels, long kernelSize, long stride, long groups,
        Func<long, Module>? normLayer, Func<Module>? activationLayer, long dilation)
    {
        var layers = new List<Module>
        {
            new Conv2d(inChannels, outChannels, kernelSize, stride, padding: (kernelSize - 1) / 2 * dilation,
                dilation: dilation, groups: groups, bias: normLayer is null),
        };
        if (normLayer is not null) layers.Add(normLayer(outChannels));
        if (activationLayer is not null) layers.Add(activationLayer());
        return layers.ToArray();
    }
}

/// <summary>
/// Squeeze-and-excitation (Hu et al., 2018, Fig. 1), torchvision's <c>ops.SqueezeExcitation</c>:
/// global average pooling, a 1×1 convolution down to <c>squeezeChannels</c> (<c>fc1</c>), an activation,
/// a 1×1 convolution back up (<c>fc2</c>) and a gating activation whose output scales each channel.
/// </summary>
public sealed class SqueezeExcitation : Module
{
    /// <summary>Creates the block.</summary>
    /// <param name="inputChannels">Channels of the input (and output).</param>
    /// <param name="squeezeChannels">Channels of the bottleneck.</param>
    /// <param name="activation">δ in the paper (ReLU in MobileNetV3, SiLU in EfficientNet).</param>
    /// <param name="scaleActivation">σ in the paper (Hardsigmoid in MobileNetV3, Sigmoid in EfficientNet).</param>
    public SqueezeExcitation(long inputChannels, long squeezeChannels, Func<Module> activation, Func<Module> scaleActivation)
    {
        ArgumentNullException.ThrowIfNull(activation);
        ArgumentNullException.ThrowIfNull(scaleActivation);
        RegisterModule("avgpool", new AdaptiveAvgPool2d(1));
        RegisterModule("fc1", new Conv2d(inputChannels, squeezeChannels, 1));
        RegisterModule("fc2", new Conv2d(squeezeChannels, inputChannels, 1));
        RegisterModule("activation", activation());
        RegisterModule("scale_activation", scaleActivation());
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        using var scope = Torch.NewDisposeScope();
        var scale = GetSubmodule("avgpool").Forward(input);
        scale = GetSubmodule("fc1").Forward(scale);
        scale = GetSubmodule("activation").Forward(scale);
        scale = GetSubmodule("fc2").Forward(scale);
        scale = GetSubmodule("scale_activation").Forward(scale);
        return scope.MoveToOuter(scale.Mul(input));
    }
}

/// <summary>Which elements <see cref="StochasticDepth"/> drops together.</summary>
public enum StochasticDepthMode
{
    /// <summary>One draw for the whole batch: the entire input is kept or zeroed.</summary>
    Batch,

    /// <summary>One draw per sample (row of the batch), as EfficientNet uses.</summary>
    Row,
}

/// <summary>
/// Stochastic depth (Huang et al., 2016), torchvision's <c>ops.StochasticDepth</c>: in training mode
/// it zeroes the residual branch with probability <see cref="P"/> (per sample in
/// <see cref="StochasticDepthMode.Row"/> mode) and scales kept branches by 1 / (1 - p); in
/// evaluation mode it is the identity. The mask is drawn with libtorch's <c>bernoulli_</c> from the
/// default generator, so <see cref="Torch.ManualSeed"/> reproduces PyTorch's draws.
/// </summary>
public sealed class StochasticDepth : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="p">Probability of dropping the branch, in [0, 1].</param>
    /// <param name="mode">Whether one draw covers the batch or each row.</param>
    public StochasticDepth(double p, StochasticDepthMode mode)
    {
        CheckProbability(p);
        P = p;
        Mode = mode;
    }

    /// <summary>Probability of dropping the branch.</summary>
    public double P { get; }

    /// <summary>Batch or row mode.</summary>
    public StochasticDepthMode Mode { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Apply(input, P, Mode, Training);

    /// <summary>
    /// The functional form (torchvision's <c>ops.stochastic_depth</c>): returns a new tensor, the
    /// input itself (as a new handle) when not training or when <paramref name="p"/> is 0.
    /// </summary>
    public static Tensor Apply(Tensor input, double p, StochasticDepthMode mode, bool training = true)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckProbability(p);
        if (!training || p == 0) return input.Alias();
        double survivalRate = 1 - p;
        var size = new long[input.NDim];
        Array.Fill(size, 1L);
        if (mode == StochasticDepthMode.Row && size.Length > 0) size[0] = input.Size(0);
        using var noise = Torch.Empty(size, input.Dtype, input.Device);
        Tensor.Check(NativeMethods.tk_bernoulli_(noise.Handle, survivalRate));
        if (survivalRate > 0) noise.Div_(survivalRate);
        return input.Mul(noise);
    }

    private static void CheckProbability(double p)
    {
        if (p is < 0 or > 1 || double.IsNaN(p))
            throw new ArgumentOutOfRangeException(nameof(p), p, "the drop probability has to be between 0 and 1");
    }

    /// <inheritdoc />
    protected override string ExtraRepr() =>
        $"p={P.ToString(System.Globalization.CultureInfo.InvariantCulture)}, mode={Mode.ToString().ToLowerInvariant()}";
}

/// <summary>
/// An inverted residual block: a branch (a Sequential registered as <c>conv</c> or <c>block</c>) whose
/// output, when the block keeps the shape, passes through the optional <c>stochastic_depth</c> child and
/// is added to the input. MobileNetV2's and MobileNetV3's <c>InvertedResidual</c> and EfficientNet's
/// <c>MBConv</c> differ only in what the branch holds.
/// </summary>
internal abstract class InvertedResidualBlock : Module
{
    private readonly string _branchName;
    private readonly bool _useResConnect;
    private readonly bool _hasStochasticDepth;

    protected InvertedResidualBlock(string branchName, IEnumerable<Module> branch, bool useResConnect, StochasticDepth? stochasticDepth = null)
    {
        _branchName = branchName;
        _useResConnect = useResConnect;
        RegisterModule(branchName, new Sequential(branch.ToArray()));
        if (stochasticDepth is not null) RegisterModule("stochastic_depth", stochasticDepth);
        _hasStochasticDepth = stochasticDepth is not null;
    }

    protected static void CheckStride(long stride)
    {
        if (stride is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(stride), stride, "the stride of an inverted residual block must be 1 or 2");
    }

    public override Tensor Forward(Tensor input)
    {
        var result = GetSubmodule(_branchName).Forward(input);
        if (!_useResConnect) return result;
        if (_hasStochasticDepth)
        {
            var kept = GetSubmodule("stochastic_depth").Forward(result);
            result.Dispose();
            result = kept;
        }
        return result.Add_(input);
    }
}

/// <summary>Channel arithmetic shared by the MobileNet and EfficientNet families.</summary>
internal static class Channels
{
    /// <summary>
    /// torchvision's <c>_make_divisible</c> (from the TensorFlow MobileNet code): rounds
    /// <paramref name="v"/> to the nearest multiple of <paramref name="divisor"/>, at least
    /// <paramref name="minValue"/> (default the divisor), and never more than 10% below <paramref name="v"/>.
    /// </summary>
    public static long MakeDivisible(double v, long divisor, long? minValue = null)
    {
        long min = minValue ?? divisor;
        long rounded = Math.Max(min, (long)(v + divisor / 2.0) / divisor * divisor);
        if (rounded < 0.9 * v) rounded += divisor;
        return rounded;
    }
}
