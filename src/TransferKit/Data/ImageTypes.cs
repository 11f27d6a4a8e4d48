namespace TransferKit.Data;

/// <summary>Image file formats recognised from their first bytes. Only <see cref="Jpeg"/> and <see cref="Png"/> can be decoded.</summary>
public enum ImageFormat
{
    /// <summary>None of the formats below.</summary>
    Unknown = 0,
    /// <summary>JPEG (starts with FF D8); decoded with libjpeg-turbo.</summary>
    Jpeg = 1,
    /// <summary>PNG (starts with 89 'PNG'); decoded with libpng.</summary>
    Png = 2,
    /// <summary>GIF (recognised, not decoded).</summary>
    Gif = 3,
    /// <summary>Windows bitmap (recognised, not decoded).</summary>
    Bmp = 4,
    /// <summary>WebP (recognised, not decoded).</summary>
    WebP = 5,
    /// <summary>TIFF (recognised, not decoded).</summary>
    Tiff = 6,
}

/// <summary>Which channels a decoded image has (like torchvision's <c>ImageReadMode</c>).</summary>
public enum ImageReadMode
{
    /// <summary>
    /// As stored, without alpha: grayscale images (and gray PNGs with alpha) give 1 channel,
    /// everything else 3 (RGB; palettes expanded, CMYK JPEGs converted).
    /// </summary>
    Unchanged = 0,

    /// <summary>Always 3 channels, RGB: grayscale is replicated (Pillow's <c>convert("RGB")</c>).</summary>
    Rgb = 1,
}

/// <summary>
/// How <see cref="ImageDecoder"/> decodes. The defaults match Pillow's: truncated files are errors
/// (Pillow's <c>LOAD_TRUNCATED_IMAGES = False</c>), JPEG data that libjpeg can recover from with a
/// warning (e.g. "Corrupt JPEG data: 12 extraneous bytes before marker") is accepted, and images over
/// Pillow's decompression-bomb limit are refused.
/// </summary>
public sealed record ImageDecodeOptions
{
    /// <summary>Pillow's error threshold for decompression bombs: 2 x <c>PIL.Image.MAX_IMAGE_PIXELS</c> = 178,956,970 pixels.</summary>
    public const long DefaultMaxPixels = 2 * (1024L * 1024 * 1024 / 4 / 3);

    /// <summary>The options <see cref="ImageDecoder"/> uses when none are given.</summary>
    public static ImageDecodeOptions Default { get; } = new();

    /// <summary>Channels of the result; <see cref="ImageReadMode.Unchanged"/> by default.</summary>
    public ImageReadMode Mode { get; init; } = ImageReadMode.Unchanged;

    /// <summary>
    /// Accept JPEGs whose data ends early: the missing rows come out as libjpeg fills them (mid-gray)
    /// instead of raising <see cref="ImageDecodeException"/> with <see cref="DataErrorKind.Truncated"/>.
    /// False by default. Truncated PNGs are always errors.
    /// </summary>
    public bool AllowTruncated { get; init; }

    /// <summary>
    /// Treat recoverable corruption that the decoders report as warnings (libjpeg's "Corrupt JPEG data"
    /// messages, libpng's warnings such as extra compressed data) as errors. False by default, as in
    /// Pillow, which decodes such files.
    /// </summary>
    public bool WarningsAreErrors { get; init; }

    /// <summary>
    /// The most pixels (height x width) an image may have; larger ones raise
    /// <see cref="ImageDecodeException"/> with <see cref="DataErrorKind.TooLarge"/> before any pixel
    /// memory is allocated. Zero or less: no limit. <see cref="DefaultMaxPixels"/> by default.
    /// </summary>
    public long MaxPixels { get; init; } = DefaultMaxPixels;

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate() => Check(new Engine.OptionsCheck(nameof(ImageDecodeOptions)), "").ThrowIfAny();

    /// <summary>Records this object's problems in <paramref name="check"/>, each prefixed with <paramref name="prefix"/> (for options that hold one).</summary>
    internal Engine.OptionsCheck Check(Engine.OptionsCheck check, string prefix) =>
        check.Require(Enum.IsDefined(Mode), $"{prefix}Mode {(int)Mode} is not an ImageReadMode.");
}

/// <summary>What an image's header says, read by <see cref="ImageDecoder.ReadInfo(string, ImageReadMode)"/> without decoding pixels.</summary>
/// <param name="Format">The file format.</param>
/// <param name="Height">Rows of pixels.</param>
/// <param name="Width">Columns of pixels.</param>
/// <param name="Channels">Channels the decoded tensor would have (1 or 3) for the requested mode.</param>
public readonly record struct ImageInfo(ImageFormat Format, int Height, int Width, int Channels);
