using System.Text;
using System.Text.Json;
using TransferKit.Engine;

namespace TransferKit.Serialization;

/// <summary>The formats a weights file can be in, told apart by their first bytes.</summary>
internal enum CheckpointFormat { Unknown, TorchZip, TorchLegacy, SafeTensors, TorchTar }

/// <summary>
/// Shared plumbing of the public loaders and savers: opening files, recognising formats, turning
/// every failure met while reading into a <see cref="CheckpointFormatException"/>, and writing
/// files atomically.
/// </summary>
internal static class CheckpointIO
{
    /// <summary>Opens a file for reading (a missing file is a <see cref="FileNotFoundException"/>, not a format error).</summary>
    public static FileStream OpenRead(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
    }

    /// <summary>The name used in messages for a stream.</summary>
    public static string NameOf(Stream stream, string? sourceName) =>
        sourceName ?? (stream as FileStream)?.Name ?? "stream";

    /// <summary>A seekable stream over the same bytes (non-seekable streams are copied into memory).</summary>
    public static Stream Seekable(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead) throw new ArgumentException("The stream is not readable.", nameof(stream));
        if (stream.CanSeek) return stream;
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        copy.Position = 0;
        return copy;
    }

    /// <summary>Recognises the format from the first bytes; the stream is left where it was.</summary>
    public static CheckpointFormat Detect(Stream stream)
    {
        long start = stream.Position;
        Span<byte> head = stackalloc byte[512];
        int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = start;
        head = head[..n];
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && (head[2] == 3 || head[2] == 5) && (head[3] == 4 || head[3] == 6))
            return CheckpointFormat.TorchZip;
        if (n >= 2 && head[0] == PickleOp.Proto)
            return CheckpointFormat.TorchLegacy;
        if (n >= 9 && head[8] == '{' && BitConverter.ToUInt64(head[..8]) <= (ulong)(stream.Length - start - 8))
            return CheckpointFormat.SafeTensors;
        if (n >= 262 && head.Slice(257, 5).SequenceEqual("ustar"u8))
            return CheckpointFormat.TorchTar;
        return CheckpointFormat.Unknown;
    }

    /// <summary>Runs a load, converting any failure caused by the file's contents into a <see cref="CheckpointFormatException"/>.</summary>
    public static T Guard<T>(string source, Func<T> load)
    {
        try
        {
            return load();
        }
        catch (CheckpointFormatException)
        {
            throw;
        }
        catch (Exception ex) when (IsDataError(ex))
        {
            string detail = ex switch
            {
                EndOfStreamException => $"the file is truncated: {ex.Message}",
                TorchException => $"libtorch refused the data: {ex.Message}",
                _ => ex.Message,
            };
            throw new CheckpointFormatException(source, detail, ex);
        }
    }

    /// <summary>Exceptions that a corrupt input can raise from the readers (zip, JSON, pickle, libtorch).</summary>
    private static bool IsDataError(Exception ex) => ex is
        InvalidDataException or IOException or PickleDataException or JsonException or TorchException or
        ArgumentException or InvalidOperationException or NotSupportedException or OverflowException or
        IndexOutOfRangeException or InvalidCastException or FormatException or KeyNotFoundException or DecoderFallbackException;

    /// <summary>
    /// Writes a file through a temporary file in the same folder, moved into place only when
    /// complete, so a failed save never leaves a truncated file behind.
    /// </summary>
    public static void WriteAtomically(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 1 << 16))
                write(stream);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
