using System.IO.Compression;
using TransferKit.Serialization;

namespace TransferKit.Tests.Serialization;

/// <summary>
/// The zip CRC-32: the carry-less-multiplication path (x86 with PCLMULQDQ) gives exactly the
/// table-driven result for every length and split, and both give the standard check values.
/// </summary>
[Trait("Category", "Unit")]
public class Crc32Tests
{
    [Fact]
    public void StandardCheckValues()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0u, Crc32.Compute([]));
        var zeros = new byte[4096];
        Assert.Equal(Crc32.Compute(zeros), ~Crc32.AppendScalar(0xFFFFFFFFu, zeros));
    }

    [Fact]
    public void EveryLengthUpTo1100EqualsTheTableDrivenCrc()
    {
        var data = new byte[1100];
        new Random(5).NextBytes(data);
        for (int n = 0; n <= data.Length; n++)
        {
            var span = data.AsSpan(0, n);
            Assert.Equal(~Crc32.AppendScalar(0xFFFFFFFFu, span), Crc32.Compute(span));
        }
    }

    [Fact]
    public void AppendingInPiecesEqualsOneCall()
    {
        var data = new byte[1 << 16];
        new Random(7).NextBytes(data);
        uint whole = Crc32.Compute(data);
        var random = new Random(11);
        for (int trial = 0; trial < 50; trial++)
        {
            var crc = new Crc32();
            for (int pos = 0; pos < data.Length;)
            {
                int n = Math.Min(data.Length - pos, random.Next(0, 3) == 0 ? random.Next(0, 70) : random.Next(0, 5000));
                crc.Append(data.AsSpan(pos, n)); // unaligned starts and every kind of tail
                pos += n;
            }
            Assert.Equal(whole, crc.Value);
        }
    }

    [Fact]
    public void EqualsTheCrcThatZipArchivesStore()
    {
        var data = new byte[300_001];
        new Random(3).NextBytes(data);
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        using (var entry = zip.CreateEntry("x", CompressionLevel.NoCompression).Open())
            entry.Write(data);
        buffer.Position = 0;
        using var read = new ZipArchive(buffer, ZipArchiveMode.Read);
        Assert.Equal(read.GetEntry("x")!.Crc32, Crc32.Compute(data));
    }
}
