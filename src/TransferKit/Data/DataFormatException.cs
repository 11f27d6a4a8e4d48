namespace TransferKit.Data;

/// <summary>What was wrong with a data file, for <see cref="DataFormatException.Kind"/>.</summary>
public enum DataErrorKind
{
    /// <summary>The file is of a format (or a variant of one) that TransferKit does not read, e.g. a GIF image or an IDX file of float32 values.</summary>
    UnsupportedFormat,

    /// <summary>The file ends before the data its header announces (an interrupted download or copy).</summary>
    Truncated,

    /// <summary>The file is damaged or inconsistent: bad magic number, bad checksum, impossible sizes, undecodable data.</summary>
    Corrupt,

    /// <summary>The file announces more data than the configured limits allow (for images, <see cref="ImageDecodeOptions.MaxPixels"/>).</summary>
    TooLarge,
}

/// <summary>
/// A data file (image, IDX, ...) could not be read because of its content. The message names the
/// file and says what was expected and what was found; <see cref="FileName"/> and
/// <see cref="Kind"/> carry the same facts for code.
/// </summary>
/// <remarks>
/// The hierarchy is small on purpose: catch <see cref="DataFormatException"/> for every bad data
/// file, or <see cref="ImageDecodeException"/> for images only. Failures to open a file at all
/// (missing file, permissions) are the usual <see cref="IOException"/> family and
/// <see cref="UnauthorizedAccessException"/>, not this type.
/// </remarks>
public class DataFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The complete message, which should name the file.</param>
    /// <param name="fileName">The file (path, or a name given for in-memory data); null when unknown.</param>
    /// <param name="kind">What was wrong.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    /// <param name="reason">What was wrong, without the file name; <paramref name="message"/> when null.</param>
    public DataFormatException(string message, string? fileName, DataErrorKind kind, Exception? innerException = null, string? reason = null)
        : base(message, innerException)
    {
        FileName = fileName;
        Kind = kind;
        Reason = reason ?? message;
    }

    /// <summary>The file whose content is bad (a path, or the name given for in-memory data), or null.</summary>
    public string? FileName { get; }

    /// <summary>What was wrong with it.</summary>
    public DataErrorKind Kind { get; }

    /// <summary>What was wrong, in words, without the file name (e.g. <c>the JPEG data ends too early (...)</c>).</summary>
    public string Reason { get; }

    /// <summary>How a file is named in messages: its path, or a placeholder for unnamed in-memory data.</summary>
    internal static string Describe(string? fileName, long length) =>
        fileName ?? $"<{length} bytes in memory>";
}

/// <summary>
/// An image could not be decoded: unsupported format (anything but JPEG and PNG), truncated file,
/// corrupt data, or more pixels than allowed. The message reads like
/// <c>Cannot decode image 'train/ants/x.jpg': the JPEG data ends too early (libjpeg: Premature end of JPEG file)</c>.
/// </summary>
public sealed class ImageDecodeException : DataFormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The complete message, which should name the file.</param>
    /// <param name="fileName">The file (path, or a name given for in-memory data); null when unknown.</param>
    /// <param name="kind">What was wrong.</param>
    /// <param name="format">The format recognised from the file's first bytes.</param>
    /// <param name="reason">What was wrong, without the file name; <paramref name="message"/> when null.</param>
    public ImageDecodeException(string message, string? fileName, DataErrorKind kind, ImageFormat format, string? reason = null)
        : base(message, fileName, kind, null, reason)
    {
        Format = format;
    }

    /// <summary>The format recognised from the file's first bytes (<see cref="ImageFormat.Unknown"/> when none).</summary>
    public ImageFormat Format { get; }
}
