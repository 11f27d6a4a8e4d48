namespace TransferKit.Data.Transforms;

/// <summary>How pixels are resampled by resizing and rotation (torchvision's <c>InterpolationMode</c>).</summary>
public enum InterpolationMode
{
    /// <summary>The nearest source pixel.</summary>
    Nearest,
    /// <summary>Linear in each direction; resizing can also antialias when downsampling.</summary>
    Bilinear,
}

internal static class InterpolationModeExtensions
{
    public static string Name(this InterpolationMode mode) => mode switch
    {
        InterpolationMode.Nearest => "nearest",
        InterpolationMode.Bilinear => "bilinear",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown interpolation mode"),
    };
}
