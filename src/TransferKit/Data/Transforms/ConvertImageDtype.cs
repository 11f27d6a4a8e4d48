using TransferKit.Engine;

namespace TransferKit.Data.Transforms;

/// <summary>
/// Converts pixel types with rescaling (torchvision's <c>ConvertImageDtype</c>); see
/// <see cref="ImageFunctional.ConvertImageDtype"/>.
/// </summary>
public sealed class ConvertImageDtype : IImageTransform
{
    /// <summary>Converts to <paramref name="dtype"/>: uint8, float32 or float64.</summary>
    public ConvertImageDtype(ScalarType dtype = ScalarType.Float32)
    {
        if (dtype != ScalarType.Byte && dtype != ScalarType.Float32 && dtype != ScalarType.Float64)
            throw new ArgumentException($"ConvertImageDtype converts to uint8, float32 or float64, not {dtype.PyTorchName()}.", nameof(dtype));
        Dtype = dtype;
    }

    /// <summary>The output pixel type.</summary>
    public ScalarType Dtype { get; }

    /// <summary>Always true.</summary>
    public bool IsDeterministic => true;

    /// <inheritdoc />
    public Tensor Apply(Tensor image, Random random) => ImageFunctional.ConvertImageDtype(image, Dtype);

    /// <inheritdoc />
    public override string ToString() => $"ConvertImageDtype({Dtype.PyTorchName()})";
}

/// <summary>
/// uint8 pixels (0..255) to float32 (0..1), i.e. <c>ConvertImageDtype(float32)</c>: what
/// torchvision's <c>ToTensor</c> does to pixel values. Unlike torchvision's, it does not change
/// the layout: images are already <c>[C, H, W]</c> here (see <see cref="HwcToChw"/> for decoder output).
/// </summary>
public sealed class ToTensor : IImageTransform
{
    /// <summary>Always true.</summary>
    public bool IsDeterministic => true;

    /// <inheritdoc />
    public Tensor Apply(Tensor image, Random random) => ImageFunctional.ConvertImageDtype(image, ScalarType.Float32);

    /// <inheritdoc />
    public override string ToString() => "ToTensor()";
}
