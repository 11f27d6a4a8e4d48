using TransferKit.Torch;

namespace TransferKit.Data.Transforms;

/// <summary>
/// Crops the centre of images (torchvision's <c>CenterCrop</c>); see
/// <see cref="ImageFunctional.CenterCrop"/> for the offsets and the padding of small images.
/// </summary>
public sealed class CenterCrop : IImageTransform
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

    /// <inheritdoc />
    public override string ToString() => $"CenterCrop(({Height}, {Width}){(PadIfSmaller ? "" : ", pad_if_smaller=False")})";
}
