using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Data.Transforms;

/// <summary>
/// Crops a random region and resizes it (torchvision's <c>RandomResizedCrop</c>, the standard
/// training augmentation). The region's area is a uniform fraction in <see cref="Scale"/> of the
/// image's and its aspect ratio (width / height) is log-uniform in <see cref="Ratio"/>; up to ten
/// draws are tried, and if none fits the image a central crop with the ratio clamped to the range
/// is used, all as torchvision does. A <see cref="DataLoader"/> decodes only the crop of JPEGs when
/// this transform comes first (after <see cref="HwcToChw"/>); see <see cref="IRegionCropTransform"/>.
/// </summary>
public sealed class RandomResizedCrop : IRegionCropTransform
{
    /// <summary>Square <paramref name="size"/> x <paramref name="size"/> output.</summary>
    /// <param name="size">Output side.</param>
    /// <param name="scale">Range of the crop's area as a fraction of the image's; default (0.08, 1).</param>
    /// <param name="ratio">Range of the crop's aspect ratio (width / height); default (3/4, 4/3).</param>
    /// <param name="interpolation">Resampling method for the resize.</param>
    /// <param name="antialias">Antialias bilinear or bicubic downsampling.</param>
    public RandomResizedCrop(int size, (double Min, double Max)? scale = null, (double Min, double Max)? ratio = null,
        InterpolationMode interpolation = InterpolationMode.Bilinear, bool antialias = true)
        : this(size, size, scale, ratio, interpolation, antialias) { }

    /// <summary><paramref name="height"/> x <paramref name="width"/> output; see the other constructor.</summary>
    public RandomResizedCrop(int height, int width, (double Min, double Max)? scale = null, (double Min, double Max)? ratio = null,
        InterpolationMode interpolation = InterpolationMode.Bilinear, bool antialias = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        Scale = scale ?? (0.08, 1.0);
        Ratio = ratio ?? (3.0 / 4.0, 4.0 / 3.0);
        if (!(Scale.Min > 0) || !(Scale.Min <= Scale.Max) || double.IsInfinity(Scale.Max))
            throw new ArgumentException($"scale must be a range (min, max) with 0 < min <= max; got ({Scale.Min}, {Scale.Max}).", nameof(scale));
        if (!(Ratio.Min > 0) || !(Ratio.Min <= Ratio.Max) || double.IsInfinity(Ratio.Max))
            throw new ArgumentException($"ratio must be a range (min, max) with 0 < min <= max; got ({Ratio.Min}, {Ratio.Max}).", nameof(ratio));
        Height = height;
        Width = width;
        Interpolation = interpolation;
        Antialias = antialias;
    }

    /// <summary>Output height.</summary>
    public int Height { get; }

    /// <summary>Output width.</summary>
    public int Width { get; }

    /// <summary>Range of the crop's area as a fraction of the image's area.</summary>
    public (double Min, double Max) Scale { get; }

    /// <summary>Range of the crop's aspect ratio (width / height).</summary>
    public (double Min, double Max) Ratio { get; }

    /// <summary>Resampling method.</summary>
    public InterpolationMode Interpolation { get; }

    /// <summary>Whether bilinear or bicubic downsampling is antialiased.</summary>
    public bool Antialias { get; }

    /// <summary>False: the crop is random.</summary>
    public bool IsDeterministic => false;

    /// <summary>
    /// Draws a crop region for an image of the given size (torchvision's <c>get_params</c>): ten
    /// attempts with area <c>H·W·U(scale)</c> and ratio <c>exp(U(log ratio))</c>, sides rounded half
    /// to even, accepted when they fit, then a uniformly placed crop; otherwise a central crop.
    /// </summary>
    public (int Top, int Left, int Height, int Width) SampleRegion(int imageHeight, int imageWidth, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(imageHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageWidth, 1);
        ArgumentNullException.ThrowIfNull(random);
        double area = (double)imageHeight * imageWidth;
        double logMin = Math.Log(Ratio.Min), logMax = Math.Log(Ratio.Max);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double targetArea = area * Uniform(random, Scale.Min, Scale.Max);
            double aspect = Math.Exp(Uniform(random, logMin, logMax));
            double w = Math.Round(Math.Sqrt(targetArea * aspect), MidpointRounding.ToEven);
            double h = Math.Round(Math.Sqrt(targetArea / aspect), MidpointRounding.ToEven);
            if (w > 0 && w <= imageWidth && h > 0 && h <= imageHeight)
            {
                int top = random.Next(0, imageHeight - (int)h + 1);
                int left = random.Next(0, imageWidth - (int)w + 1);
                return (top, left, (int)h, (int)w);
            }
        }
        // Fallback: the largest central crop whose ratio is clamped into range.
        double inRatio = (double)imageWidth / imageHeight;
        int cropW = imageWidth, cropH = imageHeight;
        if (inRatio < Ratio.Min)
            cropH = (int)Math.Round(cropW / Ratio.Min, MidpointRounding.ToEven);
        else if (inRatio > Ratio.Max)
            cropW = (int)Math.Round(cropH * Ratio.Max, MidpointRounding.ToEven);
        return ((imageHeight - cropH) / 2, (imageWidth - cropW) / 2, cropH, cropW);
    }

    internal static double Uniform(Random random, double min, double max) => min + (max - min) * random.NextDouble();

    /// <inheritdoc />
    public Tensor Apply(Tensor image, Random random)
    {
        var (_, h, w) = ImageFunctional.CheckImage(image, nameof(RandomResizedCrop));
        var (top, left, cropH, cropW) = SampleRegion(h, w, random);
        return ImageFunctional.ResizedCrop(image, top, left, cropH, cropW, Height, Width, Interpolation, Antialias);
    }

    /// <summary>Resizes the region drawn by <see cref="SampleRegion"/> (already cropped) to the output size.</summary>
    public Tensor ApplyToRegion(Tensor region, int imageHeight, int imageWidth, Random random)
    {
        ImageFunctional.CheckImage(region, nameof(RandomResizedCrop));
        return ImageFunctional.Resize(region, Height, Width, Interpolation, Antialias);
    }

    /// <inheritdoc />
    public override string ToString() =>
        FormattableString.Invariant($"RandomResizedCrop(size=({Height}, {Width}), scale=({Scale.Min:0.####}, {Scale.Max:0.####}), ratio=({Ratio.Min:0.####}, {Ratio.Max:0.####}), interpolation={Interpolation.Name()}, antialias={(Antialias ? "True" : "False")})");
}
