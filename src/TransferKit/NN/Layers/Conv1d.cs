using TransferKit.Engine;

namespace TransferKit.NN;

/// <summary>1-D convolution (<c>nn.Conv1d</c>) over [N, C, T]; weight [out, in/groups, kernel], bias [out].</summary>
public sealed class Conv1d : Module
{
    /// <summary>Creates the layer with PyTorch's default initialisation (kaiming_uniform_(a=√5), bias U(±1/√fan_in)).</summary>
    public Conv1d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1, long groups = 1, bool bias = true)
    {
        if (inChannels <= 0 || outChannels <= 0 || groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv1d({inChannels}, {outChannels}, groups={groups}): channels must be positive and divisible by groups.");
        if (kernelSize <= 0 || stride <= 0 || padding < 0 || dilation <= 0)
            throw new ArgumentException($"Conv1d: kernel {kernelSize}, stride {stride} and dilation {dilation} must be positive and padding {padding} >= 0.");
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Dilation = dilation;
        Groups = groups;
        RegisterParameter("weight", Torch.Empty(new[] { outChannels, inChannels / groups, kernelSize }));
        RegisterParameter("bias", bias ? Torch.Empty(new[] { outChannels }) : null);
        using var noGrad = Torch.NoGrad();
        Init.KaimingUniform_(Weight, a: Math.Sqrt(5));
        if (Bias is { } b)
        {
            double bound = 1 / Math.Sqrt(Init.Fans(Weight).FanIn);
            Init.Uniform_(b, -bound, bound);
        }
    }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }
    /// <summary>Output channels.</summary>
    public long OutChannels { get; }
    /// <summary>Kernel width.</summary>
    public long KernelSize { get; }
    /// <summary>Stride.</summary>
    public long Stride { get; }
    /// <summary>Zero padding on each side.</summary>
    public long Padding { get; }
    /// <summary>Dilation.</summary>
    public long Dilation { get; }
    /// <summary>Channel groups.</summary>
    public long Groups { get; }

    /// <summary>The weight [out, in/groups, kernel].</summary>
    public Tensor Weight => GetParameter("weight")!;

    /// <summary>The bias [out], or null.</summary>
    public Tensor? Bias => GetParameter("bias");

    /// <summary>The output length of an input of <paramref name="length"/> frames: ⌊(L + 2p − d(k − 1) − 1) / s⌋ + 1.</summary>
    public long OutputLength(long length) => (length + 2 * Padding - Dilation * (KernelSize - 1) - 1) / Stride + 1;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.Conv1d(input, Weight, Bias, Stride, Padding, Dilation, Groups);

    /// <inheritdoc />
    protected override string ExtraRepr() =>
        $"{InChannels}, {OutChannels}, kernel_size=({KernelSize},), stride=({Stride},)" + (Padding != 0 ? $", padding=({Padding},)" : "") +
        (Groups != 1 ? $", groups={Groups}" : "") + (Bias is null ? ", bias=False" : "");
}
