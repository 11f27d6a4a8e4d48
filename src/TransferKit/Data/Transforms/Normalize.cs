using System.Globalization;
using TransferKit.Engine;

namespace TransferKit.Data.Transforms;

/// <summary>
/// (x - mean) / std per channel on float images (torchvision's <c>Normalize</c>); see
/// <see cref="ImageFunctional.Normalize"/>.
/// </summary>
public sealed class Normalize : IImageTransform
{
    private readonly double[] _mean;
    private readonly double[] _std;

    /// <summary>The ImageNet channel means (R, G, B) that torchvision's pretrained models expect.</summary>
    public static IReadOnlyList<double> ImageNetMean { get; } = Array.AsReadOnly(new[] { 0.485, 0.456, 0.406 });

    /// <summary>The ImageNet channel standard deviations (R, G, B) that torchvision's pretrained models expect.</summary>
    public static IReadOnlyList<double> ImageNetStd { get; } = Array.AsReadOnly(new[] { 0.229, 0.224, 0.225 });

    /// <summary>Creates the transform with one mean and std per channel (or one for all channels).</summary>
    public Normalize(IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count == 0 || std.Count == 0) throw new ArgumentException("mean and std need at least one value.", nameof(mean));
        if (std.Any(s => s == 0 || !double.IsFinite(s)))
            throw new ArgumentException($"std must be finite and non-zero; got [{string.Join(", ", std)}].", nameof(std));
        _mean = mean.ToArray();
        _std = std.ToArray();
    }

    /// <summary>Normalization with <see cref="ImageNetMean"/> and <see cref="ImageNetStd"/>.</summary>
    public static Normalize ImageNet() => new(ImageNetMean, ImageNetStd);

    /// <summary>Per-channel means.</summary>
    public IReadOnlyList<double> Mean => _mean;

    /// <summary>Per-channel standard deviations.</summary>
    public IReadOnlyList<double> Std => _std;

    /// <summary>Always true.</summary>
    public bool IsDeterministic => true;

    /// <inheritdoc />
    public Tensor Apply(Tensor image, Random random) => ImageFunctional.Normalize(image, _mean, _std);

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"Normalize(mean=[{string.Join(", ", _mean)}], std=[{string.Join(", ", _std)}])");
}
