using TransferKit.Serialization;
using TransferKit.Engine;

namespace TransferKit.Tests.Serialization;

/// <summary>
/// The CRC-32 of every tensor record is checked, whether the record is summed on the reading thread
/// (small records) or on another core while later records are read (records of 256 KiB or more,
/// <see cref="ChecksumVerifier.BackgroundThreshold"/>); a failure frees everything it loaded.
/// </summary>
[Collection(nameof(LiveTensorCount))]
public class ChecksumTests
{
    private const float SmallBase = 10_000_000f; // small record: 100 floats from here (exact in float32)
    private const int LargeCount = 1 << 20;      // large record: 4 MiB, four 1 MiB chunks

    private static byte[] SavedFile()
    {
        using var large = Torch.Arange(0, LargeCount, 1, ScalarType.Float32);
        using var small = Torch.Arange(SmallBase, SmallBase + 100, 1, ScalarType.Float32);
        var stream = new MemoryStream();
        TorchSerializer.SaveStateDict(stream, new Dictionary<string, Tensor> { ["large"] = large, ["small"] = small });
        return stream.ToArray();
    }

    private static int OffsetOf(byte[] file, float value)
    {
        int at = file.AsSpan().IndexOf(BitConverter.GetBytes(value));
        Assert.True(at >= 0, $"the value {value} was not found in the saved file");
        return at;
    }

    [Fact]
    public void AnIntactFileLoadsBothRecords()
    {
        using var sd = TorchSerializer.LoadStateDict(new MemoryStream(SavedFile()), "intact.pth");
        Assert.Equal(LargeCount, sd["large"].Numel);
        float[] large = sd["large"].ToArray<float>(), small = sd["small"].ToArray<float>();
        for (int i = 0; i < large.Length; i++) Assert.Equal(i, large[i]);
        for (int i = 0; i < small.Length; i++) Assert.Equal(SmallBase + i, small[i]);
    }

    [Fact]
    public void LargeRecordsLiveOnTheirOwnMappingWhichIsReleasedWithThem()
    {
        // The 4 MiB record is above StorageIO.HugePageThreshold, so it gets its own mapping
        // (tk_empty_huge); 300 loads would hold 1.2 GB if those mappings were not released.
        Assert.True(4L * LargeCount >= StorageIO.HugePageThreshold);
        byte[] file = SavedFile();
        NativeMethods.tk_release_file_buffers(); // what earlier tests left for reuse
        using (TorchSerializer.LoadStateDict(new MemoryStream(file), "warm-up.pth")) { }
        long before = Environment.WorkingSet;
        for (int k = 0; k < 300; k++)
        {
            using var sd = TorchSerializer.LoadStateDict(new MemoryStream(file), "again.pth");
            if (k % 100 == 0) Assert.Equal(LargeCount - 1f, sd["large"][LargeCount - 1].Item<float>());
        }
        long grown = Environment.WorkingSet - before;
        Assert.True(grown < 300L << 20, $"the working set grew by {grown >> 20} MiB over 300 loads of a 4 MiB record");

        // The freed buffer was kept for reuse (one, not 300), and can be handed back.
        long kept = NativeMethods.tk_release_file_buffers();
        Assert.InRange(kept, 4L * LargeCount, 2 * 4L * LargeCount);
        Assert.Equal(0, NativeMethods.tk_release_file_buffers());
    }

    [Theory]
    [InlineData(700_000f, "large record, third chunk, summed in the background")]
    [InlineData(1f, "large record, first chunk")]
    [InlineData(LargeCount - 1f, "large record, last bytes")]
    [InlineData(SmallBase + 50, "small record, summed inline")]
    public void AFlippedByteInTensorDataIsRejectedAndNothingLeaks(float value, string where)
    {
        byte[] file = SavedFile();
        file[OffsetOf(file, value) + 1] ^= 0x10; // still a plausible float: only the checksum can tell
        long before = SerialCollection.SettledLiveTensorCount();
        var e = Assert.Throws<CheckpointFormatException>(() => TorchSerializer.LoadStateDict(new MemoryStream(file), "flipped.pth"));
        Assert.Contains("CRC-32", e.Message);
        Assert.Contains("/data/", e.Message);
        Assert.Contains("flipped.pth", e.Message);
        long after = SerialCollection.SettledLiveTensorCount();
        Assert.True(after == before, $"{where}: {after - before} tensors leaked");
    }
}
