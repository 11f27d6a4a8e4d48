using TransferKit.Engine;

namespace TransferKit.Data.Transforms;

/// <summary>
/// A transform that starts by choosing a rectangle of the image from the image's size alone (and
/// the <see cref="Random"/>) and never looks at the pixels outside it, such as
/// <see cref="RandomResizedCrop"/> and <see cref="CenterCrop"/>. A <see cref="DataLoader"/> given a
/// pipeline <c>Compose(HwcToChw, crop, ...)</c> uses this to decode only the rectangle
/// (<see cref="ImageDecoder.DecodeRegion(ReadOnlySpan{byte}, int, int, int, int, string?, ImageDecodeOptions?)"/>),
/// with exactly the same result as decoding the whole image and calling <see cref="IImageTransform.Apply"/>.
/// </summary>
/// <remarks>
/// Contract, for every image <c>x</c> of size H x W and every seed: with <c>r1</c> and <c>r2</c>
/// two <see cref="Random"/>s in the same state, if <c>(t, l, h, w) = SampleRegion(H, W, r1)</c> then
/// <c>ApplyToRegion(Crop(x, t, l, h, w), H, W, r1)</c> equals <c>Apply(x, r2)</c> value for value,
/// and both leave the generators in the same state.
/// </remarks>
public interface IRegionCropTransform : IImageTransform
{
    /// <summary>
    /// The rectangle of an <paramref name="imageHeight"/> x <paramref name="imageWidth"/> image that
    /// <see cref="IImageTransform.Apply"/> uses, drawing from <paramref name="random"/> exactly what
    /// <c>Apply</c> draws first. It lies inside the image.
    /// </summary>
    (int Top, int Left, int Height, int Width) SampleRegion(int imageHeight, int imageWidth, Random random);

    /// <summary>
    /// The rest of <see cref="IImageTransform.Apply"/>, given only the pixels of the rectangle that
    /// <see cref="SampleRegion"/> returned (a <c>[C, h, w]</c> image) and the size of the whole image.
    /// Ownership as for <c>Apply</c>: the input is left alone and a new owner is returned.
    /// </summary>
    Tensor ApplyToRegion(Tensor region, int imageHeight, int imageWidth, Random random);
}
