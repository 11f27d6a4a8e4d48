using TransferKit.NN;
using System.Globalization;
using TransferKit.Engine;

namespace TransferKit.Data.Transforms;

/// <summary>
/// Rotates images by a uniformly drawn angle (torchvision's <c>RandomRotation</c> with
/// <c>expand=False</c> and the default centre); uncovered corners get the fill colour. See
/// <see cref="ImageFunctional.Rotate"/>.
/// </summary>
public sealed class RandomRotation : IImageTransform
{
    private readonly double[] _fill;

    /// <summary>Angles uniform in [-<paramref name="degrees"/>, <paramref name="degrees"/>].</summary>
    /// <param name="degrees">Largest rotation either way, in degrees (non-negative).</param>
    /// <param name="interpolation">Resampling method (torchvision's default is nearest).</param>
    /// <param name="fill">Colour of uncovered pixels: one value, or one per channel, in the image's
    /// pixel range (0..255 for uint8, 0..1 for float). Default 0 (black).</param>
    public RandomRotation(double degrees, InterpolationMode interpolation = InterpolationMode.Nearest, IReadOnlyList<double>? fill = null)
        : this((-CheckDegrees(degrees), degrees), interpolation, fill) { }

    /// <summary>Angles uniform in [<paramref name="degrees"/>.Min, <paramref name="degrees"/>.Max]; see the other constructor.</summary>
    public RandomRotation((double Min, double Max) degrees, InterpolationMode interpolation = InterpolationMode.Nearest,
        IReadOnlyList<double>? fill = null)
    {
        if (!double.IsFinite(degrees.Min) || !double.IsFinite(degrees.Max) || degrees.Min > degrees.Max)
            throw new ArgumentException($"the rotation range must be finite with min <= max; got ({degrees.Min}, {degrees.Max}).", nameof(degrees));
        if (fill is { Count: 0 }) throw new ArgumentException("fill needs at least one value.", nameof(fill));
        Degrees = degrees;
        Interpolation = interpolation;
        _fill = fill?.ToArray() ?? new[] { 0.0 };
    }

    private static double CheckDegrees(double degrees) =>
        degrees >= 0 && double.IsFinite(degrees) ? degrees
            : throw new ArgumentOutOfRangeException(nameof(degrees), degrees, "a single rotation bound must be finite and non-negative");

    /// <summary>Range of angles in degrees, counter-clockwise.</summary>
    public (double Min, double Max) Degrees { get; }

    /// <summary>Resampling method.</summary>
    public InterpolationMode Interpolation { get; }

    /// <summary>Colour of uncovered pixels (one value for all channels, or one per channel).</summary>
    public IReadOnlyList<double> Fill => _fill;

    /// <summary>True only when the range is a single angle.</summary>
    public bool IsDeterministic => Degrees.Min == Degrees.Max;

    /// <inheritdoc />
    public Tensor Apply(Tensor image, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double angle = RandomResizedCrop.Uniform(random, Degrees.Min, Degrees.Max);
        return ImageFunctional.Rotate(image, angle, Interpolation, _fill);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"RandomRotation(degrees=[{Degrees.Min}, {Degrees.Max}], interpolation={Interpolation.Name()}, fill=[{string.Join(", ", _fill)}])");
}
