using TransferKit.Engine;

namespace TransferKit.NN;

/// <summary>2-D convolution (<c>nn.Conv2d</c>); weight [out, in/groups, kh, kw], bias [out].</summary>
public sealed class Conv2d : Module
{
    /// <summary>Creates the layer with PyTorch's default initialisation.</summary>
    public Conv2d(long inChannels, long outChannels, (long H, long W) kernelSize, (long H, long W)? stride = null,
        (long H, long W)? padding = null, (long H, long W)? dilation = null, long groups = 1, bool bias = true)
    {
        if (inChannels <= 0 || outChannels <= 0 || groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv2d({inChannels}, {outChannels}, groups={groups}): channels must be positive and divisible by groups.");
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride ?? (1, 1);
        Padding = padding ?? (0, 0);
        Dilation = dilation ?? (1, 1);
        Groups = groups;
        RegisterParameter("weight", Torch.Empty(new[] { outChannels, inChannels / groups, kernelSize.H, kernelSize.W }));
        RegisterParameter("bias", bias ? Torch.Empty(new[] { outChannels }) : null);
        ResetParameters();
    }

    /// <summary>Square-kernel convenience: <c>Conv2d(in, out, kernel: 3, stride: 1, padding: 1)</c>.</summary>
    public Conv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1, long groups = 1, bool bias = true)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding), (dilation, dilation), groups, bias) { }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }
    /// <summary>Output channels.</summary>
    public long OutChannels { get; }
    /// <summary>Kernel height and width.</summary>
    public (long H, long W) KernelSize { get; }
    /// <summary>Stride.</summary>
    public (long H, long W) Stride { get; }
    /// <summary>Zero padding on each side.</summary>
    public (long H, long W) Padding { get; }
    /// <summary>Dilation.</summary>
    public (long H, long W) Dilation { get; }
    /// <summary>Channel groups (in_channels for depthwise convolution).</summary>
    public long Groups { get; }

    /// <summary>The weight [out, in/groups, kh, kw].</summary>
    public Tensor Weight => GetParameter("weight")!;

    /// <summary>The bias [out], or null.</summary>
    public Tensor? Bias => GetParameter("bias");

    /// <summary>Re-draws the parameters as PyTorch does: kaiming_uniform_(a=√5) and U(±1/√fan_in).</summary>
    public void ResetParameters()
    {
        Init.KaimingUniform_(Weight, a: Math.Sqrt(5));
        if (Bias is { } b)
        {
            double bound = 1 / Math.Sqrt(Init.Fans(Weight).FanIn);
            Init.Uniform_(b, -bound, bound);
        }
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.Conv2d(input, Weight, Bias, Stride, Padding, Dilation, Groups);

    /// <inheritdoc />
    protected override string ExtraRepr() =>
        $"{InChannels}, {OutChannels}, kernel_size=({KernelSize.H}, {KernelSize.W}), stride=({Stride.H}, {Stride.W}), padding=({Padding.H}, {Padding.W})" +
        (Groups != 1 ? $", groups={Groups}" : "") + (Bias is null ? ", bias=False" : "");
}
