using TransferKit.Engine;

namespace TransferKit.Data.Transforms;

public static partial class ImageFunctional
{
    /// <summary>
    /// Luma <c>0.2989 R + 0.587 G + 0.114 B</c> of an RGB image (torchvision's
    /// <c>rgb_to_grayscale</c>; uint8 results are truncated, as there), with 1 or 3 identical output
    /// channels. A 1-channel image is returned as is (copied, or broadcast to 3 channels).
    /// </summary>
    public static Tensor RgbToGrayscale(Tensor image, int outputChannels = 1)
    {
        var (c, h, w) = CheckImage(image, nameof(RgbToGrayscale));
        CheckChannels(c, nameof(RgbToGrayscale), 1, 3);
        if (outputChannels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(outputChannels), outputChannels, "RgbToGrayscale produces 1 or 3 channels");
        return Scoped(() =>
        {
            image = Dense(image);
            Tensor luma = c == 3
                ? (0.2989 * image.Select(0, 0) + 0.587 * image.Select(0, 1) + 0.114 * image.Select(0, 2)).To(image.Dtype).Unsqueeze(0)
                : image.Clone();
            return outputChannels == 3 ? luma.Expand(3, h, w) : luma;
        });
    }

    /// <summary>
    /// Repeats the channel of a 1-channel image three times (a contiguous copy), so grayscale images
    /// can feed networks that expect RGB. A 3-channel image passes through unchanged.
    /// </summary>
    public static Tensor GrayscaleToRgb(Tensor image)
    {
        var (c, h, w) = CheckImage(image, nameof(GrayscaleToRgb));
        CheckChannels(c, nameof(GrayscaleToRgb), 1, 3);
        return Scoped(() => c == 3 ? image.Alias() : Dense(image).Expand(3, h, w).Contiguous());
    }

    /// <summary>
    /// Multiplies the pixels by <paramref name="factor"/> (torchvision's <c>adjust_brightness</c>:
    /// a blend with black), clamping to the pixel range: 0 gives black, 1 the original.
    /// </summary>
    public static Tensor AdjustBrightness(Tensor image, double factor)
    {
        CheckColorInput(image, factor, nameof(AdjustBrightness));
        return Scoped(() => Blend(Dense(image), null, factor));
    }

    /// <summary>
    /// Blends the image with the mean of its grayscale version (torchvision's
    /// <c>adjust_contrast</c>): 0 gives a uniform gray image, 1 the original, 2 doubles the contrast.
    /// </summary>
    public static Tensor AdjustContrast(Tensor image, double factor)
    {
        var (c, _, _) = CheckColorInput(image, factor, nameof(AdjustContrast));
        return Scoped(() =>
        {
            image = Dense(image);
            var dtype = image.Dtype.IsFloatingPoint() ? image.Dtype : ScalarType.Float32;
            var gray = c == 3 ? RgbToGrayscale(image) : image;
            var mean = gray.To(dtype).Mean(new long[] { -3, -2, -1 }, keepDim: true);
            return Blend(image, mean, factor);
        });
    }

    /// <summary>
    /// Blends the image with its grayscale version (torchvision's <c>adjust_saturation</c>): 0 gives
    /// grayscale, 1 the original, 2 doubles the saturation. 1-channel images are returned unchanged.
    /// </summary>
    public static Tensor AdjustSaturation(Tensor image, double factor)
    {
        var (c, _, _) = CheckColorInput(image, factor, nameof(AdjustSaturation));
        return Scoped(() =>
        {
            if (c == 1) return image.Alias();
            image = Dense(image);
            return Blend(image, RgbToGrayscale(image), factor);
        });
    }

    private static (int Channels, int Height, int Width) CheckColorInput(Tensor image, double factor, string operation)
    {
        var dims = CheckImage(image, operation);
        CheckChannels(dims.Channels, operation, 1, 3);
        if (!(factor >= 0) || double.IsInfinity(factor))
            throw new ArgumentOutOfRangeException(nameof(factor), factor, $"{operation}: the factor must be a finite non-negative number");
        return dims;
    }

    /// <summary>
    /// torchvision's <c>_blend</c>: <c>(ratio * a + (1 - ratio) * b)</c> clamped to the pixel range
    /// and cast back to <paramref name="a"/>'s dtype (uint8 truncates). A null <paramref name="b"/>
    /// stands for black, whose term is exactly zero.
    /// </summary>
    private static Tensor Blend(Tensor a, Tensor? b, double ratio)
    {
        double bound = a.Dtype.IsFloatingPoint() ? 1.0 : Uint8Max;
        var mixed = b is null ? ratio * a : ratio * a + (1.0 - ratio) * b;
        return mixed.Clamp_(0, bound).To(a.Dtype);
    }
}
