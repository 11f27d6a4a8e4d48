using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Models;

/// <summary>The residual block a <see cref="ResNet"/> stacks.</summary>
public enum ResNetBlock
{
    /// <summary>Two 3×3 convolutions (ResNet-18/34), expansion 1.</summary>
    Basic,

    /// <summary>1×1, 3×3, 1×1 convolutions (ResNet-50 and deeper), expansion 4; stride on the 3×3 (ResNet v1.5).</summary>
    Bottleneck,
}

/// <summary>
/// Deep residual network (He et al., 2015, Table 1), module for module torchvision's <c>ResNet</c>:
/// a 7×7/2 stem (<c>conv1</c>, <c>bn1</c>, <c>relu</c>, <c>maxpool</c>), four stages <c>layer1</c>..<c>layer4</c>
/// of residual blocks at 64, 128, 256 and 512 planes, global average pooling (<c>avgpool</c>) and the
/// classifier <c>fc</c>. State-dict keys, order and shapes are torchvision's, so its <c>.pth</c> weights load as they are.
/// </summary>
public sealed class ResNet : ClassifierModel
{
    /// <summary>ResNet-18: basic blocks [2, 2, 2, 2].</summary>
    public static ResNet ResNet18(long numClasses = 1000) => new("resnet18", ResNetBlock.Basic, new[] { 2, 2, 2, 2 }, numClasses);

    /// <summary>ResNet-34: basic blocks [3, 4, 6, 3].</summary>
    public static ResNet ResNet34(long numClasses = 1000) => new("resnet34", ResNetBlock.Basic, new[] { 3, 4, 6, 3 }, numClasses);

    /// <summary>ResNet-50: bottleneck blocks [3, 4, 6, 3].</summary>
    public static ResNet ResNet50(long numClasses = 1000) => new("resnet50", ResNetBlock.Bottleneck, new[] { 3, 4, 6, 3 }, numClasses);

    /// <summary>
    /// Creates a ResNet with torchvision's initialisation (convolutions kaiming_normal_ fan_out/relu,
    /// batch norms weight 1 and bias 0, <c>fc</c> PyTorch's default).
    /// </summary>
    /// <param name="architecture">Name reported by <see cref="ClassifierModel.Architecture"/>.</param>
    /// <param name="block">Residual block type.</param>
    /// <param name="layers">Blocks per stage (four numbers).</param>
    /// <param name="numClasses">Outputs of <c>fc</c>.</param>
    /// <param name="zeroInitResidual">Zero the last batch norm of each residual branch, so each block starts as the identity.</param>
    public ResNet(string architecture, ResNetBlock block, IReadOnlyList<int> layers, long numClasses = 1000, bool zeroInitResidual = false)
        : base(architecture, "fc", 512 * Expansion(block))
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count != 4 || layers.Any(n => n < 1))
            throw new ArgumentException($"A ResNet has four stages of at least one block; got [{string.Join(", ", layers)}].", nameof(layers));
        long inplanes = 64;

        RegisterModule("conv1", new Conv2d(3, inplanes, 7, stride: 2, padding: 3, bias: false));
        RegisterModule("bn1", new BatchNorm2d(inplanes));
        RegisterModule("relu", new ReLU(inplace: true));
        RegisterModule("maxpool", new MaxPool2d(3, stride: 2, padding: 1));
        RegisterModule("layer1", MakeStage(block, ref inplanes, 64, layers[0], 1));
        RegisterModule("layer2", MakeStage(block, ref inplanes, 128, layers[1], 2));
        RegisterModule("layer3", MakeStage(block, ref inplanes, 256, layers[2], 2));
        RegisterModule("layer4", MakeStage(block, ref inplanes, 512, layers[3], 2));
        RegisterModule("avgpool", new AdaptiveAvgPool2d(1));
        RegisterModule("fc", new Linear(HeadInFeatures, numClasses));

        TorchvisionInit.Apply(this, LinearInit.PyTorchDefault);
        if (zeroInitResidual)
            foreach (var (_, module) in NamedModules())
                if (module is ResidualBlock residual) Init.Zeros_(residual.LastNorm.Weight!);
    }

    private static long Expansion(ResNetBlock block) => block == ResNetBlock.Basic ? BasicBlock.Expansion : Bottleneck.Expansion;

    // torchvision's _make_layer: the first block changes stride and width, with a 1×1 projection
    // ("downsample") on the shortcut when the shape changes.
    private static Sequential MakeStage(ResNetBlock block, ref long inplanes, long planes, int blocks, long stride)
    {
        long outplanes = planes * Expansion(block);
        Sequential? downsample = stride != 1 || inplanes != outplanes
            ? new Sequential(new Conv2d(inplanes, outplanes, 1, stride: stride, bias: false), new BatchNorm2d(outplanes))
            : null;
        var stage = new Sequential(NewBlock(block, inplanes, planes, stride, downsample));
        inplanes = outplanes;
        for (int k = 1; k < blocks; k++) stage.Append(NewBlock(block, inplanes, planes, 1, null));
        return stage;
    }

    private static ResidualBlock NewBlock(ResNetBlock block, long inplanes, long planes, long stride, Sequential? downsample) =>
        block == ResNetBlock.Basic ? new BasicBlock(inplanes, planes, stride, downsample) : new Bottleneck(inplanes, planes, stride, downsample);

    /// <summary>The pooled output of <c>layer4</c>, [N, 512 × expansion].</summary>
    public override Tensor ForwardFeatures(Tensor input)
    {
        using var scope = Torch.NewDisposeScope();
        var x = GetSubmodule("conv1").Forward(input);
        x = GetSubmodule("bn1").Forward(x);
        x = GetSubmodule("relu").Forward(x);
        x = GetSubmodule("maxpool").Forward(x);
        x = GetSubmodule("layer1").Forward(x);
        x = GetSubmodule("layer2").Forward(x);
        x = GetSubmodule("layer3").Forward(x);
        x = GetSubmodule("layer4").Forward(x);
        x = GetSubmodule("avgpool").Forward(x);
        return scope.MoveToOuter(x.Flatten(1));
    }
}

/// <summary>A residual block: out = relu(branch(x) + shortcut(x)), the shortcut being <c>downsample</c> or the identity.</summary>
internal abstract class ResidualBlock : Module
{
    /// <summary>The batch norm closing the residual branch (zeroed by zero_init_residual).</summary>
    public abstract BatchNorm LastNorm { get; }

    /// <summary>Registers the projection shortcut when there is one (it is the last child, as in torchvision).</summary>
    protected void RegisterDownsample(Sequential? downsample)
    {
        if (downsample is not null) RegisterModule("downsample", downsample);
    }

    /// <summary>The residual branch, without the final ReLU.</summary>
    protected abstract Tensor Branch(Tensor input);

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        using var scope = Torch.NewDisposeScope();
        var output = Branch(input);
        var identity = NamedChildren().Any(c => c.Name == "downsample") ? GetSubmodule("downsample").Forward(input) : input;
        output.Add_(identity);
        return scope.MoveToOuter(GetSubmodule("relu").Forward(output));
    }
}

/// <summary>Two 3×3 convolutions (<c>conv1</c>, <c>bn1</c>, <c>relu</c>, <c>conv2</c>, <c>bn2</c>, [<c>downsample</c>]).</summary>
internal sealed class BasicBlock : ResidualBlock
{
    public const long Expansion = 1;

    public BasicBlock(long inplanes, long planes, long stride, Sequential? downsample)
    {
        RegisterModule("conv1", new Conv2d(inplanes, planes, 3, stride: stride, padding: 1, bias: false));
        RegisterModule("bn1", new BatchNorm2d(planes));
        RegisterModule("relu", new ReLU(inplace: true));
        RegisterModule("conv2", new Conv2d(planes, planes, 3, padding: 1, bias: false));
        RegisterModule("bn2", new BatchNorm2d(planes));
        RegisterDownsample(downsample);
    }

    public override BatchNorm LastNorm => (BatchNorm)GetSubmodule("bn2");

    protected override Tensor Branch(Tensor input)
    {
        var x = GetSubmodule("conv1").Forward(input);
        x = GetSubmodule("bn1").Forward(x);
        x = GetSubmodule("relu").Forward(x);
        x = GetSubmodule("conv2").Forward(x);
        return GetSubmodule("bn2").Forward(x);
    }
}

/// <summary>
/// 1×1 reduce, 3×3 (strided), 1×1 expand ×4 (<c>conv1</c>, <c>bn1</c>, <c>conv2</c>, <c>bn2</c>,
/// <c>conv3</c>, <c>bn3</c>, <c>relu</c>, [<c>downsample</c>]).
/// </summary>
internal sealed class Bottleneck : ResidualBlock
{
    public const long Expansion = 4;

    public Bottleneck(long inplanes, long planes, long stride, Sequential? downsample)
    {
        RegisterModule("conv1", new Conv2d(inplanes, planes, 1, bias: false));
        RegisterModule("bn1", new BatchNorm2d(planes));
        RegisterModule("conv2", new Conv2d(planes, planes, 3, stride: stride, padding: 1, bias: false));
        RegisterModule("bn2", new BatchNorm2d(planes));
        RegisterModule("conv3", new Conv2d(planes, planes * Expansion, 1, bias: false));
        RegisterModule("bn3", new BatchNorm2d(planes * Expansion));
        RegisterModule("relu", new ReLU(inplace: true));
        RegisterDownsample(downsample);
    }

    public override BatchNorm LastNorm => (BatchNorm)GetSubmodule("bn3");

    protected override Tensor Branch(Tensor input)
    {
        var x = GetSubmodule("conv1").Forward(input);
        x = GetSubmodule("bn1").Forward(x);
        x = GetSubmodule("relu").Forward(x);
        x = GetSubmodule("conv2").Forward(x);
        x = GetSubmodule("bn2").Forward(x);
        x = GetSubmodule("relu").Forward(x);
        x = GetSubmodule("conv3").Forward(x);
        return GetSubmodule("bn3").Forward(x);
    }
}
