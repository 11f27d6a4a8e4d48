using TransferKit.Engine;

namespace TransferKit.Data.Transforms;

/// <summary>
/// Converts decoder output <c>[H, W, C]</c> to the <c>[C, H, W]</c> layout of every other
/// transform; put it first in a <see cref="Compose"/> fed with decoded images. See
/// <see cref="ImageFunctional.FromHwc"/>.
/// </summary>
public sealed class HwcToChw : IImageTransform
{
    /// <summary>Always true.</summary>
    public bool IsDeterministic => true;

    /// <inheritdoc />
    public Tensor Apply(Tensor image, Random random) => ImageFunctional.FromHwc(image);

    /// <inheritdoc />
    public override string ToString() => "HwcToChw()";
}

/// <summary>
/// Makes every image 3-channel: 1-channel (grayscale) images get their channel repeated, RGB
/// images pass through. See <see cref="ImageFunctional.GrayscaleToRgb"/>.
/// </summary>
public sealed class GrayscaleToRgb : IImageTransform
{
    /// <summary>Always true.</summary>
    public bool IsDeterministic => true;

    /// <inheritdoc />
    public Tensor Apply(Tensor image, Random random) => ImageFunctional.GrayscaleToRgb(image);

    /// <inheritdoc />
    public override string ToString() => "GrayscaleToRgb()";
}
