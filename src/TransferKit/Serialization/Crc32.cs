using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TransferKit.Serialization;

/// <summary>
/// The CRC-32 of zip files (IEEE 802.3, reflected polynomial 0xEDB88320). Zip entries carry it;
/// checking it catches corrupt tensor data that would otherwise load as wrong numbers. On x86 with
/// PCLMULQDQ, runs of 64 bytes or more are folded 64 bytes at a time with carry-less
/// multiplication (Intel's "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ", with
/// the constants of the Linux kernel's crc32-pclmul); elsewhere, and for the tail, eight bytes at a
/// time from tables (slicing-by-8).
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
        if (Pclmulqdq.IsSupported && data.Length >= 64)
        {
            int folded = data.Length & ~15;
            fixed (byte* p = data) _state = Fold(_state, p, folded);
            data = data[folded..];
        }
        _state = AppendScalar(_state, data);
    }

    /// <summary>The table-driven update (slicing-by-8) of a CRC state (not inverted) by some bytes.</summary>
    internal static unsafe uint AppendScalar(uint crc, ReadOnlySpan<byte> data)
    {
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
        return crc;
    }

    // x^k mod P for the folding distances, bit-reflected and shifted as the reflected algorithm needs:
    // 4 x 128 bits (K1, K2), 128 bits (K3, K4), 64 -> 32 bits (K5); Barrett: mu and P itself.
    private const ulong K1 = 0x154442bd4, K2 = 0x1c6e41596, K3 = 0x1751997d0, K4 = 0x0ccaa009e, K5 = 0x163cd6124;
    private const ulong Mu = 0x1F7011641, Poly = 0x1DB710641;

    /// <summary>
    /// Updates a CRC state (not inverted) by <paramref name="length"/> bytes (a multiple of 16, at
    /// least 64) with PCLMULQDQ: four 128-bit lanes are folded forward 64 bytes at a time, then into
    /// one lane, then reduced to 32 bits (Barrett reduction).
    /// </summary>
    internal static unsafe uint Fold(uint crc, byte* p, int length)
    {
        var x1 = Sse2.Xor(Vector128.Load(p).AsUInt64(), Vector128.CreateScalar(crc).AsUInt64());
        var x2 = Vector128.Load(p + 16).AsUInt64();
        var x3 = Vector128.Load(p + 32).AsUInt64();
        var x4 = Vector128.Load(p + 48).AsUInt64();
        p += 64;
        length -= 64;

        var k1k2 = Vector128.Create(K1, K2);
        for (; length >= 64; length -= 64, p += 64)
        {
            x1 = FoldInto(x1, k1k2, Vector128.Load(p).AsUInt64());
            x2 = FoldInto(x2, k1k2, Vector128.Load(p + 16).AsUInt64());
            x3 = FoldInto(x3, k1k2, Vector128.Load(p + 32).AsUInt64());
            x4 = FoldInto(x4, k1k2, Vector128.Load(p + 48).AsUInt64());
        }

        var k3k4 = Vector128.Create(K3, K4);
        x1 = FoldInto(x1, k3k4, x2);
        x1 = FoldInto(x1, k3k4, x3);
        x1 = FoldInto(x1, k3k4, x4);
        for (; length >= 16; length -= 16, p += 16)
            x1 = FoldInto(x1, k3k4, Vector128.Load(p).AsUInt64());

        // 128 -> 64 bits (also appending 32 zero bits), then 64 -> 32 bits.
        x1 = Sse2.Xor(Pclmulqdq.CarrylessMultiply(k3k4, x1, 0x01), Sse2.ShiftRightLogical128BitLane(x1, 8));
        var mask32 = Vector128.Create(0xFFFFFFFFUL, 0);
        var high = Sse2.ShiftRightLogical128BitLane(x1, 4);
        x1 = Sse2.Xor(Pclmulqdq.CarrylessMultiply(Sse2.And(x1, mask32), Vector128.CreateScalar(K5), 0x00), high);

        // Barrett reduction 64 -> 32 bits, bit-reflected.
        var barrett = Vector128.Create(Poly, Mu);
        var t = Sse2.And(Pclmulqdq.CarrylessMultiply(Sse2.And(x1, mask32), barrett, 0x10), mask32);
        t = Sse2.Xor(Pclmulqdq.CarrylessMultiply(t, barrett, 0x00), x1);
        return t.AsUInt32().GetElement(1);
    }

    // (x.low * k.low) ^ (x.high * k.high) ^ next: moves 128 bits of state forward by k's distance.
    private static Vector128<ulong> FoldInto(Vector128<ulong> x, Vector128<ulong> k, Vector128<ulong> next) =>
        Sse2.Xor(Sse2.Xor(Pclmulqdq.CarrylessMultiply(x, k, 0x00), Pclmulqdq.CarrylessMultiply(x, k, 0x11)), next);

    /// <summary>The CRC-32 of a buffer.</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = new Crc32();
        crc.Append(data);
        return crc.Value;
    }
}
