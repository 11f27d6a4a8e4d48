using TransferKit.Engine;

namespace TransferKit.NN;

/// <summary>A parameter-free module applying one elementwise function.</summary>
public abstract class Activation : Module
{
    private readonly Func<Tensor, Tensor> _function;

    /// <summary>Creates the module from its function.</summary>
    protected Activation(Func<Tensor, Tensor> function) => _function = function;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => _function(input);
}

/// <summary>max(0, x) (<c>nn.ReLU</c>); with <c>inplace</c> it overwrites and returns its input, as torchvision's ResNet does.</summary>
public sealed class ReLU : Activation
{
    /// <summary>Creates the module.</summary>
    public ReLU(bool inplace = false) : base(inplace ? x => x.Relu_() : Functional.Relu) => Inplace = inplace;

    /// <summary>True when the input is overwritten (saves an allocation per call).</summary>
    public bool Inplace { get; }

    /// <inheritdoc />
    protected override string ExtraRepr() => Inplace ? "inplace=True" : "";
}

/// <summary>min(max(0, x), 6) (<c>nn.ReLU6</c>).</summary>
public sealed class ReLU6 : Activation { /// <summary>Creates the module.</summary>
    public ReLU6() : base(Functional.Relu6) { } }

/// <summary>x · sigmoid(x) (<c>nn.SiLU</c>).</summary>
public sealed class SiLU : Activation { /// <summary>Creates the module.</summary>
    public SiLU() : base(Functional.Silu) { } }

/// <summary>Gaussian error linear unit (<c>nn.GELU</c>).</summary>
public sealed class GELU : Activation { /// <summary>Creates the module; <paramref name="tanhApproximation"/> is PyTorch's approximate="tanh".</summary>
    public GELU(bool tanhApproximation = false) : base(x => Functional.Gelu(x, tanhApproximation)) { } }

/// <summary>x · relu6(x + 3) / 6 (<c>nn.Hardswish</c>).</summary>
public sealed class Hardswish : Activation { /// <summary>Creates the module.</summary>
    public Hardswish() : base(Functional.Hardswish) { } }

/// <summary>relu6(x + 3) / 6 (<c>nn.Hardsigmoid</c>).</summary>
public sealed class Hardsigmoid : Activation { /// <summary>Creates the module.</summary>
    public Hardsigmoid() : base(Functional.Hardsigmoid) { } }

/// <summary>Logistic sigmoid (<c>nn.Sigmoid</c>).</summary>
public sealed class Sigmoid : Activation { /// <summary>Creates the module.</summary>
    public Sigmoid() : base(x => x.Sigmoid()) { } }

/// <summary>Hyperbolic tangent (<c>nn.Tanh</c>).</summary>
public sealed class Tanh : Activation { /// <summary>Creates the module.</summary>
    public Tanh() : base(x => x.Tanh()) { } }

/// <summary>Returns its input unchanged (<c>nn.Identity</c>), e.g. to remove a head.</summary>
public sealed class Identity : Activation { /// <summary>Creates the module.</summary>
    public Identity() : base(x => x.Alias()) { } }

/// <summary>Flattens dimensions start..end (<c>nn.Flatten</c>, default from 1: keeps the batch).</summary>
public sealed class Flatten : Activation { /// <summary>Creates the module.</summary>
    public Flatten(long startDim = 1, long endDim = -1) : base(x => x.Flatten(startDim, endDim)) { } }
