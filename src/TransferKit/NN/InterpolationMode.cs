namespace TransferKit.NN;

/// <summary>
/// How pixels are resampled by resizing and rotation (torchvision's <c>InterpolationMode</c>, and
/// the <c>mode</c> of <c>torch.nn.functional.interpolate</c>). The one enum used by the transforms,
/// the pretrained-weights catalog and <c>Preprocessing</c>.
/// </summary>
public enum InterpolationMode
{
    /// <summary>The nearest source pixel.</summary>
    Nearest,
    /// <summary>Linear in each direction; resizing can also antialias when downsampling (most torchvision weights).</summary>
    Bilinear,
    /// <summary>Cubic convolution (a = -0.75, as PyTorch) in each direction; resizing can also antialias when downsampling (EfficientNet's weights).</summary>
    Bicubic,
}

internal static class InterpolationModeExtensions
{
    /// <summary>torchvision's lower-case name of the mode (<c>"bilinear"</c>...).</summary>
    public static string Name(this InterpolationMode mode) => mode switch
    {
        InterpolationMode.Nearest => "nearest",
        InterpolationMode.Bilinear => "bilinear",
        InterpolationMode.Bicubic => "bicubic",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown interpolation mode"),
    };
}
