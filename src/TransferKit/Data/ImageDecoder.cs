using TransferKit.Engine;

namespace TransferKit.Data;

/// <summary>
/// Decodes JPEG and PNG images, natively (libjpeg-turbo and libpng in the shim), into uint8 tensors
/// of shape [height, width, channels] (HWC, values 0-255), with the same pixel values as Pillow.
/// </summary>
/// <remarks>
/// <para>JPEG: ISLOW DCT and fancy upsampling (libjpeg's defaults, which Pillow keeps); grayscale
/// files give 1 channel, colour files 3; CMYK/YCCK files are read with Adobe polarity and converted
/// to RGB with Pillow's formula. EXIF orientation is not applied (Pillow and torchvision don't
/// either without being asked). PNG: palettes are expanded to RGB, alpha and tRNS transparency are
/// dropped (as Pillow's <c>convert("RGB")</c>), 1/2/4-bit gray is scaled to 0-255, 16-bit samples
/// keep their high byte (as Pillow for RGB/RGBA; Pillow keeps 16-bit gray as mode I;16 instead),
/// and gamma chunks are ignored. Other formats raise <see cref="ImageDecodeException"/> with
/// <see cref="DataErrorKind.UnsupportedFormat"/>.</para>
/// <para>Failures are <see cref="ImageDecodeException"/>s naming the file and the reason; decoding
/// never prints and never ends the process, whatever the input. The methods are thread-safe.
/// The returned tensor belongs to the caller (and to the current <see cref="DisposeScope"/>, if any).</para>
/// </remarks>
public static class ImageDecoder
{
    /// <summary>Reads and decodes an image file.</summary>
    /// <exception cref="ImageDecodeException">The content is not a decodable JPEG or PNG.</exception>
    /// <exception cref="IOException">The file cannot be read (e.g. <see cref="FileNotFoundException"/>).</exception>
    public static Tensor Decode(string path, ImageDecodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Decode(File.ReadAllBytes(path), path, options);
    }

    /// <summary>Reads and decodes an image file with the given channel mode.</summary>
    /// <exception cref="ImageDecodeException">The content is not a decodable JPEG or PNG.</exception>
    public static Tensor Decode(string path, ImageReadMode mode) =>
        Decode(path, new ImageDecodeOptions { Mode = mode });

    /// <summary>Decodes an image held in memory.</summary>
    /// <param name="data">The encoded file's bytes.</param>
    /// <param name="nameForErrors">How to name the image in error messages (a path, a URL, an archive entry); optional.</param>
    /// <param name="options">Decoding options; <see cref="ImageDecodeOptions.Default"/> when null.</param>
    /// <exception cref="ImageDecodeException">The content is not a decodable JPEG or PNG.</exception>
    public static unsafe Tensor Decode(ReadOnlySpan<byte> data, string? nameForErrors = null, ImageDecodeOptions? options = null)
    {
        options ??= ImageDecodeOptions.Default;
        int flags = Flags(options);
        IntPtr native;
        int kind;
        fixed (byte* p = data)
            native = NativeMethods.tk_image_decode(p, data.Length, ModeCode(options.Mode), flags, options.MaxPixels, out kind);
        if (native == IntPtr.Zero) throw Failure(data, nameForErrors, kind);
        return Tensor.FromNative(native);
    }

    /// <summary>
    /// Decodes only a rectangle of an image held in memory: rows <paramref name="top"/> to
    /// <c>top + height - 1</c> and columns <paramref name="left"/> to <c>left + width - 1</c>, as a new
    /// uint8 tensor [<paramref name="height"/>, <paramref name="width"/>, channels].
    /// </summary>
    /// <remarks>
    /// <para>The values are exactly those of the same slice of <see cref="Decode(ReadOnlySpan{byte}, string?, ImageDecodeOptions?)"/>'s
    /// result with the same options, and a file that <c>Decode</c> rejects is rejected here too, with
    /// the same <see cref="ImageDecodeException"/> (<see cref="ImageDecodeOptions.MaxPixels"/> applies
    /// to the whole image). For JPEGs it is faster: the inverse DCT, upsampling and colour conversion
    /// run only on the region (plus a margin of 8 or 16 columns at its sides), and rows below it are
    /// not decoded unless that is needed to notice a damaged file. PNGs are decoded whole and sliced.
    /// <see cref="DataLoader"/> uses this (with an <c>IEncodedImageDataset</c>) to decode only the crop of a
    /// <see cref="Transforms.RandomResizedCrop"/>.</para>
    /// </remarks>
    /// <param name="data">The encoded file's bytes.</param>
    /// <param name="top">First row, 0 &lt;= top &lt; the image's height.</param>
    /// <param name="left">First column, 0 &lt;= left &lt; the image's width.</param>
    /// <param name="height">Number of rows, at least 1, with <c>top + height</c> &lt;= the image's height.</param>
    /// <param name="width">Number of columns, at least 1, with <c>left + width</c> &lt;= the image's width.</param>
    /// <param name="nameForErrors">How to name the image in error messages; optional.</param>
    /// <param name="options">Decoding options; <see cref="ImageDecodeOptions.Default"/> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">The region is empty or not inside the image.</exception>
    /// <exception cref="ImageDecodeException">The content is not a decodable JPEG or PNG.</exception>
    public static unsafe Tensor DecodeRegion(ReadOnlySpan<byte> data, int top, int left, int height, int width,
        string? nameForErrors = null, ImageDecodeOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        ArgumentOutOfRangeException.ThrowIfNegative(left);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        options ??= ImageDecodeOptions.Default;
        int flags = Flags(options);
        IntPtr native;
        int kind;
        fixed (byte* p = data)
            native = NativeMethods.tk_image_decode_region(p, data.Length, ModeCode(options.Mode), flags, options.MaxPixels,
                top, left, height, width, out kind);
        if (native == IntPtr.Zero)
        {
            if (kind is 5 or 6)
                throw new ArgumentOutOfRangeException(kind == 5 ? nameof(top) : nameof(left),
                    $"Cannot decode a region of '{DataFormatException.Describe(nameForErrors, data.Length)}': {TorchException.FromLastError().Message}.");
            throw Failure(data, nameForErrors, kind);
        }
        return Tensor.FromNative(native);
    }

    /// <summary>Reads an image file and decodes only a rectangle of it; see <see cref="DecodeRegion(ReadOnlySpan{byte}, int, int, int, int, string?, ImageDecodeOptions?)"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The region is empty or not inside the image.</exception>
    /// <exception cref="ImageDecodeException">The content is not a decodable JPEG or PNG.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static Tensor DecodeRegion(string path, int top, int left, int height, int width, ImageDecodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        return DecodeRegion(File.ReadAllBytes(path), top, left, height, width, path, options);
    }

    /// <summary>Reads an image file's header: format, size and channel count, without decoding pixels.</summary>
    /// <exception cref="ImageDecodeException">The header is not a valid JPEG or PNG header.</exception>
    public static ImageInfo ReadInfo(string path, ImageReadMode mode = ImageReadMode.Unchanged)
    {
        ArgumentNullException.ThrowIfNull(path);
        return ReadInfo(File.ReadAllBytes(path), path, mode);
    }

    /// <summary>Reads the header of an image held in memory; see <see cref="ReadInfo(string, ImageReadMode)"/>.</summary>
    /// <exception cref="ImageDecodeException">The header is not a valid JPEG or PNG header.</exception>
    public static unsafe ImageInfo ReadInfo(ReadOnlySpan<byte> data, string? nameForErrors = null, ImageReadMode mode = ImageReadMode.Unchanged)
    {
        int status, format, channels, kind;
        long height, width;
        fixed (byte* p = data)
            status = NativeMethods.tk_image_info(p, data.Length, ModeCode(mode), out format, out height, out width, out channels, out kind);
        if (status != 0) throw Failure(data, nameForErrors, kind);
        return new ImageInfo((ImageFormat)format, checked((int)height), checked((int)width), channels);
    }

    /// <summary>The format recognised from the first bytes (<see cref="ImageFormat.Unknown"/> when none matches).</summary>
    public static unsafe ImageFormat DetectFormat(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
            return (ImageFormat)NativeMethods.tk_image_detect_format(p, data.Length);
    }

    // The shim's decode flags: 1 = accept truncated JPEGs, 2 = decoder warnings are errors.
    private static int Flags(ImageDecodeOptions options) =>
        (options.AllowTruncated ? 1 : 0) | (options.WarningsAreErrors ? 2 : 0);

    private static int ModeCode(ImageReadMode mode) => mode switch
    {
        ImageReadMode.Unchanged => 0,
        ImageReadMode.Rgb => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown image read mode."),
    };

    private static ImageDecodeException Failure(ReadOnlySpan<byte> data, string? name, int nativeKind)
    {
        string reason = TorchException.FromLastError().Message;
        var kind = nativeKind switch
        {
            1 => DataErrorKind.UnsupportedFormat,
            2 => DataErrorKind.Truncated,
            4 => DataErrorKind.TooLarge,
            _ => DataErrorKind.Corrupt,
        };
        return new ImageDecodeException(
            $"Cannot decode image '{DataFormatException.Describe(name, data.Length)}': {reason}", name, kind, DetectFormat(data), reason);
    }
}
