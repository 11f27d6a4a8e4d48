using System.Globalization;
using TransferKit.Engine;

namespace TransferKit.Data.Transforms;

/// <summary>
/// Randomly changes brightness, contrast and saturation (torchvision's <c>ColorJitter</c> without
/// hue). Each factor is uniform in its range; the adjustments that are enabled run in a random
/// order, as in torchvision. See <see cref="ImageFunctional.AdjustBrightness"/>,
/// <see cref="ImageFunctional.AdjustContrast"/> and <see cref="ImageFunctional.AdjustSaturation"/>.
/// </summary>
public sealed class ColorJitter : IImageTransform
{
    /// <summary>
    /// Factors uniform in [max(0, 1 - v), 1 + v] for each amount v (torchvision's single-number
    /// form); 0 disables an adjustment.
    /// </summary>
    /// <param name="brightness">How much to jitter brightness (non-negative).</param>
    /// <param name="contrast">How much to jitter contrast (non-negative).</param>
    /// <param name="saturation">How much to jitter saturation (non-negative).</param>
    public ColorJitter(double brightness = 0, double contrast = 0, double saturation = 0)
        : this(Around1(brightness, nameof(brightness)), Around1(contrast, nameof(contrast)), Around1(saturation, nameof(saturation))) { }

    private ColorJitter((double, double)? brightness, (double, double)? contrast, (double, double)? saturation)
    {
        Brightness = Check(brightness, nameof(brightness));
        Contrast = Check(contrast, nameof(contrast));
        Saturation = Check(saturation, nameof(saturation));
    }

    /// <summary>
    /// Factors uniform in explicit ranges (torchvision's (min, max) form); null, or (1, 1),
    /// disables an adjustment.
    /// </summary>
    public static ColorJitter FromRanges((double Min, double Max)? brightness = null, (double Min, double Max)? contrast = null,
        (double Min, double Max)? saturation = null) => new(brightness, contrast, saturation);

    /// <summary>Range of the brightness factor, or null when disabled.</summary>
    public (double Min, double Max)? Brightness { get; }

    /// <summary>Range of the contrast factor, or null when disabled.</summary>
    public (double Min, double Max)? Contrast { get; }

    /// <summary>Range of the saturation factor, or null when disabled.</summary>
    public (double Min, double Max)? Saturation { get; }

    /// <summary>True only when every adjustment is disabled.</summary>
    public bool IsDeterministic => Brightness is null && Contrast is null && Saturation is null;

    /// <summary>
    /// Draws the order of the three adjustments (a uniform permutation of 0 brightness,
    /// 1 contrast, 2 saturation) and the factors (null for disabled ones), in that order.
    /// </summary>
    public (int[] Order, double? Brightness, double? Contrast, double? Saturation) SampleParameters(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        int[] order = { 0, 1, 2 };
        random.Shuffle(order);
        return (order, Draw(Brightness), Draw(Contrast), Draw(Saturation));

        double? Draw((double Min, double Max)? range) =>
            range is (double min, double max) ? RandomResizedCrop.Uniform(random, min, max) : null;
    }

    /// <inheritdoc />
    public Tensor Apply(Tensor image, Random random)
    {
        var (channels, _, _) = ImageFunctional.CheckImage(image, nameof(ColorJitter));
        ImageFunctional.CheckChannels(channels, nameof(ColorJitter), 1, 3);
        var (order, b, c, s) = SampleParameters(random);
        return ImageFunctional.Scoped(() =>
        {
            Tensor current = image;
            foreach (int step in order)
            {
                current = step switch
                {
                    0 when b is double f => ImageFunctional.AdjustBrightness(current, f),
                    1 when c is double f => ImageFunctional.AdjustContrast(current, f),
                    2 when s is double f => ImageFunctional.AdjustSaturation(current, f),
                    _ => current,
                };
            }
            return current;
        });
    }

    private static (double, double)? Around1(double amount, string name)
    {
        if (!(amount >= 0) || double.IsInfinity(amount))
            throw new ArgumentOutOfRangeException(name, amount, $"the {name} amount must be a finite non-negative number");
        return (Math.Max(0, 1 - amount), 1 + amount);
    }

    private static (double Min, double Max)? Check((double Min, double Max)? range, string name)
    {
        if (range is not (double min, double max)) return null;
        if (!(min >= 0) || !(min <= max) || double.IsInfinity(max))
            throw new ArgumentException($"the {name} range must satisfy 0 <= min <= max; got ({min}, {max}).", name);
        return min == 1 && max == 1 ? null : range;
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"ColorJitter(brightness={Format(Brightness)}, contrast={Format(Contrast)}, saturation={Format(Saturation)})");

    private static string Format((double Min, double Max)? range) =>
        range is (double min, double max) ? string.Create(CultureInfo.InvariantCulture, $"[{min}, {max}]") : "None";
}
