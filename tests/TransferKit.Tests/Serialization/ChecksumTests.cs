using TransferKit.Serialization;
using TransferKit.Engine;

namespace TransferKit.Tests.Serialization;

/// <summary>
/// The CRC-32 of every tensor record is checked, whether the record is summed on the reading thread
/// (small records) or on another core while later records are read (records of 256 KiB or more,
/// <see cref="ChecksumVerifier.BackgroundThreshold"/>); a failure frees everything it loaded.
/// </summary>
[Collection(SerialCollection.Name)]
[Trait("Category", "Unit")]
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
    public void LargeRecordsLiveOnTheirOwnMappingWhichIsReusedAndReleasedWithThem()
    {
        // The 4 MiB record is above StorageIO.HugePageThreshold, so it gets its own 2 MiB-aligned
        // mapping (tk_empty_huge); 300 loads would hold 1.2 GB if those mappings were not released.
        // The pool of freed buffers is process-wide, so the test measures only what it owns: the
        // address of its own record's buffer, and that this buffer is back in the pool afterwards.
        Assert.True(4L * LargeCount >= StorageIO.HugePageThreshold);
        byte[] file = SavedFile();
        SerialCollection.Settle();                // buffers that earlier tests left to the finalizer go to the pool now,
        NativeMethods.tk_release_file_buffers();  // and the pool is emptied, so no other buffer of this size is waiting
        var addresses = new HashSet<long>();
        for (int k = 0; k < 300; k++)
        {
            using var sd = TorchSerializer.LoadStateDict(new MemoryStream(file), "again.pth");
            addresses.Add(StorageAddress(sd["large"]));
            if (k % 100 == 0)
            {
                // A view keeps the storage alive: it must be disposed here, not left to the finalizer
                // (the old version of this test leaked three, whose 4 MiB buffers reached the pool
                // whenever the GC happened to run: the 12 MiB of issue 9).
                using var last = sd["large"][LargeCount - 1];
                Assert.Equal(LargeCount - 1f, last.Item<float>());
            }
        }
        // Every load reused the one buffer the previous load released: one mapping, not 300.
        long address = Assert.Single(addresses);
        Assert.Equal(0, address % (2L << 20));

        // The last load's buffer was kept for reuse and can be handed back to the system.
        long kept = NativeMethods.tk_release_file_buffers();
        Assert.True(kept >= 4L * LargeCount, $"the pool held {kept} bytes, less than the 4 MiB buffer the last load released");
        Assert.Equal(0, NativeMethods.tk_release_file_buffers());
    }

    private static unsafe long StorageAddress(Tensor tensor)
    {
        Assert.Equal(0, NativeMethods.tk_storage_data(tensor.Handle, out void* data, out long nbytes));
        Assert.Equal(4L * LargeCount, nbytes);
        return (long)data;
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
