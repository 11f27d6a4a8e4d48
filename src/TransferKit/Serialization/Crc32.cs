namespace TransferKit.Serialization;

/// <summary>
/// The CRC-32 of zip files (IEEE 802.3, reflected polynomial 0xEDB88320), computed eight bytes at a
/// time (slicing-by-8). Zip entries carry it; checking it catches corrupt tensor data that would
/// otherwise load as wrong numbers.
/// </summary>
internal sealed class Crc32
{
    private static readonly uint[] Table = BuildTable();
    private uint _state = 0xFFFFFFFFu;

    /// <summary>The CRC of the bytes appended so far.</summary>
    public uint Value => ~_state;

    private static uint[] BuildTable()
    {
        var table = new uint[8 * 256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        for (int n = 0; n < 256; n++)
            for (int s = 1; s < 8; s++)
                table[s * 256 + n] = (table[(s - 1) * 256 + n] >> 8) ^ table[table[(s - 1) * 256 + n] & 0xFF];
        return table;
    }

    /// <summary>Adds bytes to the checksum.</summary>
    public unsafe void Append(ReadOnlySpan<byte> data)
    {
        uint crc = _state;
        fixed (uint* t = Table)
        fixed (byte* start = data)
        {
            byte* p = start, end = start + data.Length;
            for (; end - p >= 8; p += 8)
            {
                uint one = crc ^ System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(p, 4));
                uint two = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(p + 4, 4));
                crc = t[7 * 256 + (one & 0xFF)] ^ t[6 * 256 + ((one >> 8) & 0xFF)] ^
                      t[5 * 256 + ((one >> 16) & 0xFF)] ^ t[4 * 256 + (one >> 24)] ^
                      t[3 * 256 + (two & 0xFF)] ^ t[2 * 256 + ((two >> 8) & 0xFF)] ^
                      t[1 * 256 + ((two >> 16) & 0xFF)] ^ t[two >> 24];
            }
            for (; p < end; p++) crc = t[(crc ^ *p) & 0xFF] ^ (crc >> 8);
        }
        _state = crc;
    }

    /// <summary>The CRC-32 of a buffer.</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = new Crc32();
        crc.Append(data);
        return crc.Value;
    }
}
