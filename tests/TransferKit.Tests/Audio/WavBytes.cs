using System.Buffers.Binary;

namespace TransferKit.Tests.Audio;

/// <summary>Builds WAV files byte by byte for the reader's tests.</summary>
internal static class WavBytes
{
    public static byte[] Fmt(ushort tag, int channels, int rate, int bits, int? blockAlign = null)
    {
        var f = new byte[16];
        int block = blockAlign ?? channels * bits / 8;
        BinaryPrimitives.WriteUInt16LittleEndian(f, tag);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(2), (ushort)channels);
        BinaryPrimitives.WriteInt32LittleEndian(f.AsSpan(4), rate);
        BinaryPrimitives.WriteInt32LittleEndian(f.AsSpan(8), rate * block);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(12), (ushort)block);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(14), (ushort)bits);
        return f;
    }

    public static byte[] Chunk(string id, byte[] body, uint? declaredSize = null)
    {
        var c = new byte[8 + body.Length + (body.Length & 1)];
        System.Text.Encoding.ASCII.GetBytes(id).CopyTo(c, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(c.AsSpan(4), declaredSize ?? (uint)body.Length);
        body.CopyTo(c, 8);
        return c;
    }

    public static byte[] Riff(params byte[][] chunks)
    {
        var body = chunks.SelectMany(c => c).ToArray();
        var r = new byte[12 + body.Length];
        "RIFF"u8.CopyTo(r);
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(4), (uint)(4 + body.Length));
        "WAVE"u8.CopyTo(r.AsSpan(8));
        body.CopyTo(r, 12);
        return r;
    }

    /// <summary>A 16-bit PCM file of interleaved samples.</summary>
    public static byte[] Pcm16(int channels, int rate, params short[] interleaved)
    {
        var data = new byte[interleaved.Length * 2];
        for (int i = 0; i < interleaved.Length; i++) BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(2 * i), interleaved[i]);
        return Riff(Chunk("fmt ", Fmt(1, channels, rate, 16)), Chunk("data", data));
    }
}
