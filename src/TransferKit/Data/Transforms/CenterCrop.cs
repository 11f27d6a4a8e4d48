using TransferKit.Engine;

namespace TransferKit.Data.Transforms;

/// <summary>
/// Crops the centre of images (torchvision's <c>CenterCrop</c>); see
/// <see cref="ImageFunctional.CenterCrop"/> for the offsets and the padding of small images.
/// </summary>
public sealed class CenterCrop : IRegionCropTransform
{
    /// <summary>A square <paramref name="size"/> x <paramref name="size"/> crop.</summary>
    public CenterCrop(int size, bool padIfSmaller = true) : this(size, size, padIfSmaller) { }

    /// <summary>A <paramref name="height"/> x <paramref name="width"/> crop.</summary>
    /// <param name="height">Output height.</param>
    /// <param name="width">Output width.</param>
    /// <param name="padIfSmaller">Zero-pad images smaller than the crop (torchvision's behaviour);
    /// when false such images are rejected with an <see cref="ArgumentException"/>.</param>
    public CenterCrop(int height, int width, bool padIfSmaller = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        Height = height;
        Width = width;
        PadIfSmaller = padIfSmaller;
    }

    /// <summary>Output height.</summary>
    public int Height { get; }

    /// <summary>Output width.</summary>
    public int Width { get; }

    /// <summary>Whether images smaller than the crop are zero-padded (otherwise rejected).</summary>
    public bool PadIfSmaller { get; }

    /// <summary>Always true.</summary>
    public bool IsDeterministic => true;

    /// <inheritdoc />
    public Tensor Apply(Tensor image, Random random) => ImageFunctional.CenterCrop(image, Height, Width, PadIfSmaller);

    /// <summary>
    /// The central <see cref="Height"/> x <see cref="Width"/> rectangle (offsets as
    /// <see cref="ImageFunctional.CenterCrop"/>), or the whole image when the crop does not fit in it
    /// (it is then padded, or rejected, by <see cref="ApplyToRegion"/>). Draws nothing.
    /// </summary>
    public (int Top, int Left, int Height, int Width) SampleRegion(int imageHeight, int imageWidth, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(imageHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageWidth, 1);
        if (Height > imageHeight || Width > imageWidth) return (0, 0, imageHeight, imageWidth);
        return (ImageFunctional.CenterOffset(imageHeight, Height), ImageFunctional.CenterOffset(imageWidth, Width), Height, Width);
    }

    /// <summary>The crop, given the rectangle chosen by <see cref="SampleRegion"/>.</summary>
    public Tensor ApplyToRegion(Tensor region, int imageHeight, int imageWidth, Random random)
    {
        var (_, h, w) = ImageFunctional.CheckImage(region, nameof(CenterCrop));
        // A region of the crop's size is the result; otherwise it is the whole (too small) image.
        return h == Height && w == Width && Height <= imageHeight && Width <= imageWidth
            ? region.Alias()
            : ImageFunctional.CenterCrop(region, Height, Width, PadIfSmaller);
    }

    /// <inheritdoc />
    public override string ToString() => $"CenterCrop(({Height}, {Width}){(PadIfSmaller ? "" : ", pad_if_smaller=False")})";
}
