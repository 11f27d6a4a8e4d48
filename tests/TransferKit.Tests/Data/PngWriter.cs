using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace TransferKit.Tests.Data;

/// <summary>
/// A minimal PNG encoder for tests (8-bit gray, gray+alpha, RGB, RGBA; no filtering, no interlace),
/// so that PNG decoding can be tested without any other image library.
/// </summary>
internal static class PngWriter
{
    /// <summary>
    /// Encodes HWC pixels (channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA). idatEnd receives the
    /// offset just past the IDAT chunk: a file cut before it lacks pixel data.
    /// </summary>
    public static byte[] Encode(byte[] pixels, int height, int width, int channels, out int idatEnd)
    {
        byte colorType = channels switch { 1 => 0, 2 => 4, 3 => 2, 4 => 6, _ => throw new ArgumentOutOfRangeException(nameof(channels)) };
        var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0);  // filter type None
            raw.Write(pixels, y * width * channels, width * channels);
        }
        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            z.Write(raw.GetBuffer(), 0, (int)raw.Length);

        var png = new MemoryStream();
        png.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = colorType;
        WriteChunk(png, "IHDR", ihdr);
        WriteChunk(png, "IDAT", compressed.ToArray());
        idatEnd = (int)png.Length;
        WriteChunk(png, "IEND", Array.Empty<byte>());
        return png.ToArray();
    }

    public static void WriteChunk(Stream s, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        s.Write(word);
        byte[] typeBytes = Encoding.ASCII.GetBytes(type);
        s.Write(typeBytes);
        s.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typeBytes, data));
        s.Write(word);
    }

    /// <summary>Recomputes the CRC of every chunk in place (after a deliberate mutation of chunk data).</summary>
    public static void FixCrcs(byte[] png)
    {
        int pos = 8;
        while (pos + 12 <= png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            if (length < 0 || pos + 12 + (long)length > png.Length) return;
            uint crc = Crc32(png.AsSpan(pos + 4, 4), png.AsSpan(pos + 8, length));
            BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(pos + 8 + length), crc);
            pos += 12 + length;
        }
    }

    private static readonly uint[] Table = MakeTable();

    private static uint[] MakeTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    private static uint Crc32(ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in type) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        foreach (byte b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
