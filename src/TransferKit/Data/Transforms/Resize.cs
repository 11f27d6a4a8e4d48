using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Data.Transforms;

/// <summary>
/// Resizes images (torchvision's <c>Resize</c> on tensors with <c>antialias=True</c> by default):
/// either the shorter side to a length, keeping the aspect ratio, or to an exact height and width.
/// See <see cref="ImageFunctional.Resize(Tensor, int, int, InterpolationMode, bool)"/>.
/// </summary>
public sealed class Resize : IImageTransform
{
    /// <summary>Resizes the shorter side to <paramref name="size"/>, keeping the aspect ratio.</summary>
    /// <param name="size">Length of the shorter side after resizing.</param>
    /// <param name="interpolation">Resampling method.</param>
    /// <param name="antialias">Low-pass filter when downsampling (bilinear and bicubic), as PIL does.</param>
    /// <param name="maxSize">Optional cap on the longer side.</param>
    public Resize(int size, InterpolationMode interpolation = InterpolationMode.Bilinear, bool antialias = true, int? maxSize = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (maxSize is int max && max <= size)
            throw new ArgumentException($"maxSize ({max}) must be greater than size ({size}).", nameof(maxSize));
        ShorterSide = size;
        MaxSize = maxSize;
        Interpolation = interpolation;
        Antialias = antialias;
    }

    /// <summary>Resizes to exactly <paramref name="height"/> x <paramref name="width"/>.</summary>
    public Resize(int height, int width, InterpolationMode interpolation = InterpolationMode.Bilinear, bool antialias = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        Size = (height, width);
        Interpolation = interpolation;
        Antialias = antialias;
    }

    /// <summary>The requested shorter side, or null when an exact size was given.</summary>
    public int? ShorterSide { get; }

    /// <summary>The exact output size, or null when a shorter side was given.</summary>
    public (int Height, int Width)? Size { get; }

    /// <summary>Cap on the longer side (with <see cref="ShorterSide"/> only).</summary>
    public int? MaxSize { get; }

    /// <summary>Resampling method.</summary>
    public InterpolationMode Interpolation { get; }

    /// <summary>Whether bilinear or bicubic downsampling is antialiased.</summary>
    public bool Antialias { get; }

    /// <summary>Always true.</summary>
    public bool IsDeterministic => true;

    /// <inheritdoc />
    public Tensor Apply(Tensor image, Random random) => Size is (int h, int w)
        ? ImageFunctional.Resize(image, h, w, Interpolation, Antialias)
        : ImageFunctional.Resize(image, ShorterSide!.Value, Interpolation, Antialias, MaxSize);

    /// <inheritdoc />
    public override string ToString() =>
        $"Resize({(Size is (int h, int w) ? $"({h}, {w})" : ShorterSide.ToString())}, {Interpolation.Name()}" +
        $"{(MaxSize is int m ? $", max_size={m}" : "")}, antialias={(Antialias ? "True" : "False")})";
}
