using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Models;

/// <summary>
/// An image classifier split into a backbone and a head: the head is the last fully connected
/// layer (a child module at <see cref="HeadPath"/>), the backbone is everything else. Transfer
/// learning replaces the head (<see cref="ResetClassifier"/>), freezes or fine-tunes the
/// backbone (<see cref="BackboneParameters"/>), and can cache <see cref="ForwardFeatures"/> to train
/// the head alone.
/// </summary>
public interface IClassifierModel
{
    /// <summary>The registry name of the architecture, e.g. <c>resnet18</c>.</summary>
    string Architecture { get; }

    /// <summary>
    /// The dotted path of the head module: <c>fc</c> (ResNet), <c>classifier.6</c> (VGG),
    /// <c>classifier.1</c> (MobileNetV2, EfficientNet), <c>classifier.3</c> (MobileNetV3).
    /// </summary>
    string HeadPath { get; }

    /// <summary>Features the head receives: the width of <see cref="ForwardFeatures"/>'s output.</summary>
    long HeadInFeatures { get; }

    /// <summary>The current head module.</summary>
    Module Head { get; }

    /// <summary>
    /// Runs the backbone: returns the [N, <see cref="HeadInFeatures"/>] tensor the head receives, so
    /// that <c>Forward(x)</c> equals <c>Head.Forward(ForwardFeatures(x))</c> in the same mode. Call it
    /// in evaluation mode to cache features of a frozen backbone (dropout is then the identity).
    /// </summary>
    Tensor ForwardFeatures(Tensor input);

    /// <summary>Puts <paramref name="head"/> at <see cref="HeadPath"/> and returns the old head, not disposed.</summary>
    Module ReplaceHead(Module head);

    /// <summary>Replaces the head with a new <c>Linear(HeadInFeatures, numClasses)</c> and disposes the old one.</summary>
    void ResetClassifier(long numClasses);

    /// <summary>Parameters outside the head, with their dotted names, in state-dict order.</summary>
    IEnumerable<(string Name, Tensor Parameter)> BackboneParameters();

    /// <summary>Parameters of the head, with their dotted names (e.g. <c>fc.weight</c>, <c>fc.bias</c>).</summary>
    IEnumerable<(string Name, Tensor Parameter)> HeadParameters();
}

/// <summary>
/// Base class of the model zoo's architectures: implements <see cref="IClassifierModel"/> from the
/// head's path, and <see cref="Forward"/> as the head applied to <see cref="ForwardFeatures"/>.
/// </summary>
public abstract class ClassifierModel : Module, IClassifierModel
{
    private readonly string _headParent;
    private readonly string _headName;

    /// <summary>Creates the model; subclasses register a module at <paramref name="headPath"/>.</summary>
    protected ClassifierModel(string architecture, string headPath, long headInFeatures)
    {
        ArgumentException.ThrowIfNullOrEmpty(architecture);
        ArgumentException.ThrowIfNullOrEmpty(headPath);
        Architecture = architecture;
        HeadPath = headPath;
        HeadInFeatures = headInFeatures;
        int dot = headPath.LastIndexOf('.');
        _headParent = dot < 0 ? "" : headPath[..dot];
        _headName = headPath[(dot + 1)..];
    }

    /// <inheritdoc />
    public string Architecture { get; }

    /// <inheritdoc />
    public string HeadPath { get; }

    /// <inheritdoc />
    public long HeadInFeatures { get; }

    /// <inheritdoc />
    public Module Head => GetSubmodule(HeadPath);

    /// <inheritdoc />
    public abstract Tensor ForwardFeatures(Tensor input);

    /// <summary>The logits: <see cref="Head"/> applied to <see cref="ForwardFeatures"/>. Intermediates are freed before returning.</summary>
    public override Tensor Forward(Tensor input)
    {
        using var scope = Torch.NewDisposeScope();
        var features = ForwardFeatures(input);
        return scope.MoveToOuter(Head.Forward(features));
    }

    /// <inheritdoc />
    public Module ReplaceHead(Module head)
    {
        ArgumentNullException.ThrowIfNull(head);
        var old = GetSubmodule(_headParent).ReplaceChild(_headName, head);
        head.Train(Training);
        return old;
    }

    /// <inheritdoc />
    public void ResetClassifier(long numClasses)
    {
        if (numClasses <= 0) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "the number of classes must be positive");
        ReplaceHead(new Linear(HeadInFeatures, numClasses)).Dispose();
    }

    /// <inheritdoc />
    public IEnumerable<(string Name, Tensor Parameter)> BackboneParameters() => NamedParameters().Where(p => !InHead(p.Name));

    /// <inheritdoc />
    public IEnumerable<(string Name, Tensor Parameter)> HeadParameters() => NamedParameters().Where(p => InHead(p.Name));

    private bool InHead(string name) => name.Length > HeadPath.Length && name.StartsWith(HeadPath, StringComparison.Ordinal) && name[HeadPath.Length] == '.';

    /// <summary>
    /// The feature path shared by VGG, MobileNet and EfficientNet: <c>features</c>, then <c>avgpool</c>
    /// (global average pooling where the model registers none, as MobileNetV2), flattened, then the
    /// children of <c>classifier</c> that precede the head (VGG <c>classifier.0</c>..<c>classifier.5</c>,
    /// MobileNetV3 <c>classifier.0</c>..<c>classifier.2</c>, the dropout <c>classifier.0</c> otherwise).
    /// </summary>
    private protected Tensor ForwardFeaturesPoolClassifier(Tensor input)
    {
        using var scope = Torch.NewDisposeScope();
        var x = GetSubmodule("features").Forward(input);
        x = NamedChildren().Any(c => c.Name == "avgpool") ? GetSubmodule("avgpool").Forward(x) : Functional.AdaptiveAvgPool2d(x, (1, 1));
        x = x.Flatten(1);
        foreach (var (name, child) in GetSubmodule(_headParent).NamedChildren())
        {
            if (name == _headName) break;
            x = child.Forward(x);
        }
        return scope.MoveToOuter(x);
    }
}

/// <summary>How torchvision initialises a model's fully connected layers after construction.</summary>
internal enum LinearInit
{
    /// <summary>Leave PyTorch's default (kaiming_uniform_(a=√5), bias U(±1/√in)); ResNet.</summary>
    PyTorchDefault,

    /// <summary>weight ~ N(0, 0.01²), bias 0; VGG and MobileNet.</summary>
    Normal001,

    /// <summary>weight ~ U(±1/√out_features), bias 0; EfficientNet.</summary>
    UniformByOutFeatures,
}

/// <summary>The initialisation loops at the end of torchvision's model constructors.</summary>
internal static class TorchvisionInit
{
    /// <summary>
    /// Visits every module in PyTorch's <c>modules()</c> order: convolutions get
    /// kaiming_normal_(mode="fan_out", nonlinearity="relu") and a zero bias, batch norms weight 1
    /// and bias 0, linear layers <paramref name="linear"/>.
    /// </summary>
    public static void Apply(Module root, LinearInit linear)
    {
        foreach (var (_, module) in root.NamedModules())
        {
            switch (module)
            {
                case Conv2d conv:
                    Init.KaimingNormal_(conv.Weight, fanIn: false, nonlinearity: "relu");
                    if (conv.Bias is { } convBias) Init.Zeros_(convBias);
                    break;
                case BatchNorm bn:
                    if (bn.Weight is { } w) Init.Ones_(w);
                    if (bn.Bias is { } b) Init.Zeros_(b);
                    break;
                case Linear fc when linear == LinearInit.Normal001:
                    Init.Normal_(fc.Weight, 0, 0.01);
                    if (fc.Bias is { } nb) Init.Zeros_(nb);
                    break;
                case Linear fc when linear == LinearInit.UniformByOutFeatures:
                    double range = 1 / Math.Sqrt(fc.OutFeatures);
                    Init.Uniform_(fc.Weight, -range, range);
                    if (fc.Bias is { } ub) Init.Zeros_(ub);
                    break;
            }
        }
    }
}
