using System.Buffers.Binary;
using System.IO.Compression;

namespace TransferKit.Data;

/// <summary>The payload of an IDX file (the format of MNIST and Fashion-MNIST): dimensions and bytes.</summary>
internal sealed record IdxData(int[] Dims, ReadOnlyMemory<byte> Data);

/// <summary>
/// Reads IDX files of unsigned bytes, raw or gzip-compressed (recognised by the gzip magic 1F 8B,
/// whatever the file name). Layout: 00 00, a type code (08 = unsigned byte), the rank, then one
/// big-endian int32 per dimension, then the elements in row-major order, and nothing after them.
/// Every violation is a <see cref="DataFormatException"/> naming the file.
/// </summary>
internal static class IdxReader
{
    internal static IdxData Read(string path, int expectedRank) => Parse(File.ReadAllBytes(path), path, expectedRank);

    internal static IdxData Parse(byte[] file, string path, int expectedRank)
    {
        byte[] content = file;
        int length = file.Length;
        if (length >= 2 && file[0] == 0x1F && file[1] == 0x8B)
            (content, length) = Gunzip(file, path);

        var span = content.AsSpan(0, length);
        if (length < 4)
            throw Error(path, DataErrorKind.Truncated, $"the file holds {length} bytes, fewer than the 4 of an IDX magic number");
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(span);
        uint expectedMagic = 0x0800u | (uint)expectedRank;
        if (span[0] != 0 || span[1] != 0)
            throw Error(path, DataErrorKind.Corrupt,
                $"not an IDX file: the magic number is 0x{magic:X8} but IDX files start with 00 00 (expected 0x{expectedMagic:X8})");
        if (span[2] != 0x08)
        {
            string? type = span[2] switch
            {
                0x09 => "signed byte", 0x0B => "int16", 0x0C => "int32", 0x0D => "float32", 0x0E => "float64", _ => null,
            };
            throw type is null
                ? Error(path, DataErrorKind.Corrupt, $"invalid IDX element type code 0x{span[2]:X2} (magic number 0x{magic:X8}, expected 0x{expectedMagic:X8})")
                : Error(path, DataErrorKind.UnsupportedFormat, $"IDX files of {type} elements are not supported, only unsigned bytes (magic number 0x{magic:X8}, expected 0x{expectedMagic:X8})");
        }
        int rank = span[3];
        if (rank != expectedRank)
            throw Error(path, DataErrorKind.Corrupt,
                $"expected an IDX file of rank {expectedRank} (magic number 0x{expectedMagic:X8}) but found rank {rank} (0x{magic:X8})");

        int headerLength = 4 + 4 * rank;
        if (length < headerLength)
            throw Error(path, DataErrorKind.Truncated, $"the file ends inside its header ({length} of {headerLength} bytes)");
        var dims = new int[rank];
        long expected = 1;
        for (int k = 0; k < rank; k++)
        {
            dims[k] = BinaryPrimitives.ReadInt32BigEndian(span.Slice(4 + 4 * k));
            if (dims[k] < 0)
                throw Error(path, DataErrorKind.Corrupt, $"dimension {k} of the header is negative ({dims[k]})");
            expected = Math.Min(expected * dims[k], long.MaxValue / int.MaxValue);  // saturates instead of overflowing
        }
        long actual = length - headerLength;
        if (actual < expected)
            throw Error(path, expected > Array.MaxLength ? DataErrorKind.TooLarge : DataErrorKind.Truncated,
                $"the header announces [{string.Join(", ", dims)}] = {expected} bytes of data but only {actual} follow");
        if (actual > expected)
            throw Error(path, DataErrorKind.Corrupt,
                $"{actual - expected} unexpected bytes follow the [{string.Join(", ", dims)}] = {expected} bytes of data that the header announces");
        return new IdxData(dims, content.AsMemory(headerLength, (int)expected));
    }

    private static (byte[] Content, int Length) Gunzip(byte[] file, string path)
    {
        // The trailer's ISIZE (uncompressed length mod 2^32) sizes the buffer when plausible (a damaged
        // trailer must not make us allocate gigabytes up front) and is checked afterwards, which
        // catches a cut-off trailer.
        uint isize = file.Length >= 18 ? BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(file.Length - 4)) : 0;
        long plausible = Math.Min(64L * file.Length, Array.MaxLength);
        var output = new MemoryStream(isize <= plausible ? (int)isize : 0);
        try
        {
            using var gzip = new GZipStream(new MemoryStream(file, writable: false), CompressionMode.Decompress);
            gzip.CopyTo(output);
        }
        catch (InvalidDataException e)
        {
            throw Error(path, DataErrorKind.Corrupt, $"the gzip data is corrupt ({e.Message})", e);
        }
        catch (IOException e)
        {
            throw Error(path, DataErrorKind.Corrupt, $"the gzip data cannot be decompressed ({e.Message})", e);
        }
        if (file.Length < 18 || isize != unchecked((uint)output.Length))
            throw Error(path, DataErrorKind.Truncated,
                $"the gzip stream is incomplete: its trailer does not match the {output.Length} bytes it decompresses to (truncated or damaged file)");
        return (output.GetBuffer(), (int)output.Length);
    }

    internal static DataFormatException Error(string path, DataErrorKind kind, string reason, Exception? inner = null) =>
        new($"Invalid IDX file '{path}': {reason}.", path, kind, inner, reason);
}
