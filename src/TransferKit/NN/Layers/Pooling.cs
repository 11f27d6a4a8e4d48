using TransferKit.Engine;

namespace TransferKit.NN;

/// <summary>2-D max pooling (<c>nn.MaxPool2d</c>).</summary>
public sealed class MaxPool2d : Module
{
    private readonly (long, long) _kernel, _stride, _padding, _dilation;
    private readonly bool _ceilMode;

    /// <summary>Creates the layer; the stride defaults to the kernel size.</summary>
    public MaxPool2d(long kernelSize, long? stride = null, long padding = 0, long dilation = 1, bool ceilMode = false)
    {
        _kernel = (kernelSize, kernelSize);
        _stride = (stride ?? kernelSize, stride ?? kernelSize);
        _padding = (padding, padding);
        _dilation = (dilation, dilation);
        _ceilMode = ceilMode;
    }

    /// <summary>Window size (height, width).</summary>
    public (long H, long W) KernelSize => _kernel;

    /// <summary>Step between windows (height, width).</summary>
    public (long H, long W) Stride => _stride;

    /// <summary>Implicit negative-infinity padding on each side (height, width).</summary>
    public (long H, long W) Padding => _padding;

    /// <summary>Spacing between window elements (height, width).</summary>
    public (long H, long W) Dilation => _dilation;

    /// <summary>Whether the output size rounds up.</summary>
    public bool CeilMode => _ceilMode;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.MaxPool2d(input, _kernel, _stride, _padding, _dilation, _ceilMode);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"kernel_size={_kernel.Item1}, stride={_stride.Item1}, padding={_padding.Item1}";
}

/// <summary>2-D average pooling (<c>nn.AvgPool2d</c>).</summary>
public sealed class AvgPool2d : Module
{
    private readonly (long, long) _kernel, _stride, _padding;
    private readonly bool _ceilMode, _countIncludePad;

    /// <summary>Creates the layer; the stride defaults to the kernel size.</summary>
    public AvgPool2d(long kernelSize, long? stride = null, long padding = 0, bool ceilMode = false, bool countIncludePad = true)
    {
        _kernel = (kernelSize, kernelSize);
        _stride = (stride ?? kernelSize, stride ?? kernelSize);
        _padding = (padding, padding);
        _ceilMode = ceilMode;
        _countIncludePad = countIncludePad;
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.AvgPool2d(input, _kernel, _stride, _padding, _ceilMode, _countIncludePad);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"kernel_size={_kernel.Item1}, stride={_stride.Item1}, padding={_padding.Item1}";
}

/// <summary>Average pooling to a fixed output size (<c>nn.AdaptiveAvgPool2d</c>); (1, 1) is global average pooling.</summary>
public sealed class AdaptiveAvgPool2d : Module
{
    private readonly (long H, long W) _size;

    /// <summary>Creates the layer.</summary>
    public AdaptiveAvgPool2d((long H, long W) outputSize) => _size = outputSize;

    /// <summary>Square output size.</summary>
    public AdaptiveAvgPool2d(long outputSize) : this((outputSize, outputSize)) { }

    /// <summary>Output size (height, width).</summary>
    public (long H, long W) OutputSize => _size;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.AdaptiveAvgPool2d(input, _size);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"output_size=({_size.H}, {_size.W})";
}

/// <summary>Randomly zeroes elements in training mode (<c>nn.Dropout</c>); identity in evaluation mode.</summary>
public sealed class Dropout : Module
{
    /// <summary>Creates the layer with drop probability <paramref name="p"/>.</summary>
    public Dropout(double p = 0.5)
    {
        if (p is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1]");
        P = p;
    }

    /// <summary>Drop probability.</summary>
    public double P { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.Dropout(input, P, Training);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"p={P}";
}
