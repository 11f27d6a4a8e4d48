using TransferKit.Engine;

namespace TransferKit.Data.Transforms;

/// <summary>Mirrors images left to right with probability <see cref="P"/> (torchvision's <c>RandomHorizontalFlip</c>).</summary>
public sealed class RandomHorizontalFlip : IImageTransform
{
    /// <summary>Creates the transform.</summary>
    /// <param name="p">Probability of flipping, in [0, 1].</param>
    public RandomHorizontalFlip(double p = 0.5)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "the flip probability must be in [0, 1]");
        P = p;
    }

    /// <summary>Probability of flipping.</summary>
    public double P { get; }

    /// <summary>True only when <see cref="P"/> is 0 or 1.</summary>
    public bool IsDeterministic => P is 0 or 1;

    /// <inheritdoc />
    public Tensor Apply(Tensor image, Random random)
    {
        ImageFunctional.CheckImage(image, nameof(RandomHorizontalFlip), anyDtype: true);
        ArgumentNullException.ThrowIfNull(random);
        // One draw per image whatever P is, so later transforms see the same random stream.
        return random.NextDouble() < P ? ImageFunctional.HorizontalFlip(image) : image.Alias();
    }

    /// <inheritdoc />
    public override string ToString() => FormattableString.Invariant($"RandomHorizontalFlip(p={P})");
}
