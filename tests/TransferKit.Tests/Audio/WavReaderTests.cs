using System.Buffers.Binary;
using TransferKit.Audio;
using TransferKit.Data;

namespace TransferKit.Tests.Audio;

[Trait("Category", "Unit")]
public class WavReaderTests
{
    [Fact]
    public void StereoPcm16IsDeinterleavedAndScaledBy32768()
    {
        var wav = WavBytes.Pcm16(2, 8000, 0, -32768, 16384, 32767, -1, 1);
        using var clip = WavReader.Decode(wav, "x.wav");
        Assert.Equal((2, 3L, 8000), (clip.Channels, clip.Frames, clip.SampleRate));
        Assert.Equal(new[] { 0f, 0.5f, -1 / 32768f, -1f, 32767 / 32768f, 1 / 32768f }, clip.Samples.ToArray<float>());
    }

    [Fact]
    public void EightBitIsUnsignedAnd24BitIsSignExtended()
    {
        var u8 = WavBytes.Riff(WavBytes.Chunk("fmt ", WavBytes.Fmt(1, 1, 100, 8)), WavBytes.Chunk("data", new byte[] { 0, 128, 255 }));
        using (var clip = WavReader.Decode(u8))
            Assert.Equal(new[] { -1f, 0f, 127 / 128f }, clip.Samples.ToArray<float>());
        var s24 = WavBytes.Riff(WavBytes.Chunk("fmt ", WavBytes.Fmt(1, 1, 100, 24)), WavBytes.Chunk("data", new byte[] { 0, 0, 0x80, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF }));
        using (var clip = WavReader.Decode(s24))
            Assert.Equal(new[] { -1f, 8388607 / 8388608f, -1 / 8388608f }, clip.Samples.ToArray<float>());
    }

    [Fact]
    public void FloatSamplesAreClampedToPlusMinusOne()
    {
        var data = new byte[12];
        BinaryPrimitives.WriteSingleLittleEndian(data, 1.5f);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4), -0.25f);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(8), -7f);
        var wav = WavBytes.Riff(WavBytes.Chunk("fmt ", WavBytes.Fmt(3, 1, 100, 32)), WavBytes.Chunk("data", data));
        using var clip = WavReader.Decode(wav);
        Assert.Equal(new[] { 1f, -0.25f, -1f }, clip.Samples.ToArray<float>());
    }

    [Fact]
    public void UnknownChunksAndOddPaddingAreSkipped()
    {
        var wav = WavBytes.Riff(WavBytes.Chunk("fmt ", WavBytes.Fmt(1, 1, 100, 16)), WavBytes.Chunk("LIST", new byte[] { 1, 2, 3 }),
            WavBytes.Chunk("data", new byte[] { 0, 64 }));
        using var clip = WavReader.Decode(wav);
        Assert.Equal(new[] { 0.5f }, clip.Samples.ToArray<float>());
    }

    [Fact]
    public void DataSizeOfAllOnesMeansToTheEndOfTheFile()
    {
        var wav = WavBytes.Riff(WavBytes.Chunk("fmt ", WavBytes.Fmt(1, 1, 100, 16)), WavBytes.Chunk("data", new byte[] { 0, 64, 0, 192 }, uint.MaxValue));
        Assert.Equal(2, WavReader.DecodeInfo(wav).Frames);
    }

    [Fact]
    public void TruncatedFileIsReportedWithItsPath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tk-wav-{Guid.NewGuid():N}.wav");
        var wav = WavBytes.Pcm16(1, 8000, 1, 2, 3, 4);
        File.WriteAllBytes(path, wav[..^3]);
        try
        {
            var e = Assert.Throws<DataFormatException>(() => WavReader.Read(path));
            Assert.Equal(DataErrorKind.Truncated, e.Kind);
            Assert.Equal(path, e.FileName);
            Assert.Contains(path, e.Message);
            Assert.Contains("announces 8 bytes but only 5 follow", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void HugeDeclaredSizesAreRefusedWithoutAllocating()
    {
        var wav = WavBytes.Riff(WavBytes.Chunk("fmt ", WavBytes.Fmt(1, 2, 8000, 16)), WavBytes.Chunk("data", new byte[] { 0, 0, 0, 0 }, 0xFFFFFFF0));
        var e = Assert.Throws<DataFormatException>(() => WavReader.Decode(wav, "big.wav"));
        Assert.Equal(DataErrorKind.Truncated, e.Kind);
        var list = WavBytes.Riff(WavBytes.Chunk("fmt ", WavBytes.Fmt(1, 1, 8000, 16)), WavBytes.Chunk("LIST", new byte[2], 0x7FFFFFFF));
        Assert.Equal(DataErrorKind.Truncated, Assert.Throws<DataFormatException>(() => WavReader.Decode(list, "list.wav")).Kind);
    }

    public static TheoryData<string, byte[], DataErrorKind, string> BadFiles() => new()
    {
        { "A-law", WavBytes.Riff(WavBytes.Chunk("fmt ", WavBytes.Fmt(6, 1, 8000, 8)), WavBytes.Chunk("data", new byte[2])), DataErrorKind.UnsupportedFormat, "A-law" },
        { "12-bit PCM", WavBytes.Riff(WavBytes.Chunk("fmt ", WavBytes.Fmt(1, 1, 8000, 12, 2)), WavBytes.Chunk("data", new byte[2])), DataErrorKind.UnsupportedFormat, "12-bit PCM" },
        { "RF64", "RF64\0\0\0\0WAVE"u8.ToArray(), DataErrorKind.UnsupportedFormat, "RF64" },
        { "not RIFF", "OggS\0\0\0\0WAVE"u8.ToArray(), DataErrorKind.Corrupt, "not a WAV file" },
        { "AVI", "RIFF\0\0\0\0AVI "u8.ToArray(), DataErrorKind.UnsupportedFormat, "not 'WAVE'" },
        { "short", "RIFF"u8.ToArray(), DataErrorKind.Truncated, "fewer than the 12" },
        { "no fmt", WavBytes.Riff(WavBytes.Chunk("data", new byte[2])), DataErrorKind.Corrupt, "before any 'fmt '" },
        { "no data", WavBytes.Riff(WavBytes.Chunk("fmt ", WavBytes.Fmt(1, 1, 8000, 16))), DataErrorKind.Corrupt, "no 'data' chunk" },
        { "zero channels", WavBytes.Riff(WavBytes.Chunk("fmt ", WavBytes.Fmt(1, 0, 8000, 16, 2)), WavBytes.Chunk("data", new byte[2])), DataErrorKind.Corrupt, "0 channels" },
        { "zero rate", WavBytes.Riff(WavBytes.Chunk("fmt ", WavBytes.Fmt(1, 1, 0, 16)), WavBytes.Chunk("data", new byte[2])), DataErrorKind.Corrupt, "sample rate of 0" },
        { "block align", WavBytes.Riff(WavBytes.Chunk("fmt ", WavBytes.Fmt(1, 2, 8000, 16, 2)), WavBytes.Chunk("data", new byte[4])), DataErrorKind.Corrupt, "block alignment is 2" },
        { "partial frame", WavBytes.Riff(WavBytes.Chunk("fmt ", WavBytes.Fmt(1, 2, 8000, 16)), WavBytes.Chunk("data", new byte[6])), DataErrorKind.Corrupt, "not a whole number of 4-byte frames" },
        { "short fmt", WavBytes.Riff(WavBytes.Chunk("fmt ", new byte[10]), WavBytes.Chunk("data", new byte[2])), DataErrorKind.Corrupt, "fewer than the 16" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void DamagedOrUnsupportedFilesThrowDataFormatExceptionNamingTheFile(string what, byte[] wav, DataErrorKind kind, string reason)
    {
        var e = Assert.Throws<DataFormatException>(() => WavReader.Decode(wav, $"{what}.wav"));
        Assert.Equal(kind, e.Kind);
        Assert.Contains(reason, e.Reason);
        Assert.StartsWith($"Cannot read WAV file '{what}.wav': ", e.Message);
        Assert.Equal($"{what}.wav", e.FileName);
    }

    /// <summary>
    /// 1,000 mutations of valid files (bit flips, truncation, lies in every size and header field,
    /// junk chunks): each decodes to a clip consistent with the bytes present, or throws
    /// <see cref="DataFormatException"/> naming the file; never another exception.
    /// </summary>
    [Fact]
    public void ThousandMutatedFilesDecodeOrThrowTheFormatException()
    {
        var random = new Random(12345);
        byte[][] seeds =
        {
            WavBytes.Pcm16(2, 16000, Enumerable.Range(0, 64).Select(i => (short)(i * 997)).ToArray()),
            WavBytes.Riff(WavBytes.Chunk("fmt ", WavBytes.Fmt(1, 1, 8000, 8)), WavBytes.Chunk("LIST", new byte[7]), WavBytes.Chunk("data", new byte[33])),
            WavBytes.Riff(WavBytes.Chunk("fmt ", WavBytes.Fmt(3, 3, 44100, 32)), WavBytes.Chunk("data", new byte[3 * 4 * 10])),
            WavBytes.Riff(WavBytes.Chunk("fmt ", WavBytes.Fmt(1, 1, 48000, 24)), WavBytes.Chunk("data", new byte[3 * 17])),
            Extensible(),
        };
        int decoded = 0, refused = 0;
        for (int n = 0; n < 1000; n++)
        {
            byte[] wav = Mutate(seeds[n % seeds.Length], random);
            string name = $"mutant-{n}.wav";
            try
            {
                using var clip = WavReader.Decode(wav, name);
                Assert.True(clip.Channels * clip.Frames <= wav.Length, $"{name}: {clip.Channels} x {clip.Frames} samples from {wav.Length} bytes");
                decoded++;
            }
            catch (DataFormatException e)
            {
                Assert.Equal(name, e.FileName);
                Assert.Contains(name, e.Message);
                refused++;
            }
        }
        Assert.True(decoded > 0 && refused > 0, $"decoded {decoded}, refused {refused}");
    }

    private static byte[] Extensible()
    {
        var fmt = new byte[40];
        WavBytes.Fmt(0xFFFE, 2, 22050, 16).CopyTo(fmt, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(16), 22);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(18), 16);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(20), 3);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(24), 1);
        Convert.FromHexString("000000001000800000AA00389B71").CopyTo(fmt, 26);
        return WavBytes.Riff(WavBytes.Chunk("fmt ", fmt), WavBytes.Chunk("data", new byte[2 * 2 * 9]));
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var w = (byte[])seed.Clone();
        switch (random.Next(5))
        {
            case 0:  // bit flips
                for (int k = random.Next(1, 9); k > 0; k--) w[random.Next(w.Length)] ^= (byte)(1 << random.Next(8));
                return w;
            case 1:  // truncation
                return w[..random.Next(w.Length)];
            case 2:  // a size field lies (RIFF, fmt, second chunk, data)
            {
                int[] offsets = { 4, 16, 20 + BinaryPrimitives.ReadInt32LittleEndian(w.AsSpan(16)) + 4, w.Length - 4 };
                int at = Math.Min(offsets[random.Next(offsets.Length)], w.Length - 4);
                uint[] lies = { 0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFF8, (uint)random.Next(), (uint)random.Next(64) };
                BinaryPrimitives.WriteUInt32LittleEndian(w.AsSpan(at), lies[random.Next(lies.Length)]);
                return w;
            }
            case 3:  // a format field lies (tag, channels, rate, byte rate, block align, bits)
            {
                int at = 20 + 2 * random.Next(8);
                BinaryPrimitives.WriteUInt16LittleEndian(w.AsSpan(at), (ushort)(random.Next(2) == 0 ? random.Next(65536) : random.Next(5)));
                return w;
            }
            default:  // random bytes overwritten or inserted
            {
                int at = random.Next(w.Length);
                var junk = new byte[random.Next(1, 16)];
                random.NextBytes(junk);
                return random.Next(2) == 0 ? w[..at].Concat(junk).Concat(w[at..]).ToArray()
                    : w[..at].Concat(junk).Concat(w[Math.Min(w.Length, at + junk.Length)..]).ToArray();
            }
        }
    }
}
