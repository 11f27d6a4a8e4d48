using TransferKit.Serialization;
using TransferKit.Engine;

namespace TransferKit.Tests.Serialization;

/// <summary>
/// The native guard of tk_from_storage on its own (the loaders check layouts first, so these
/// paths are otherwise unreachable from files): no layout can reach outside the storage or grow it.
/// </summary>
[Trait("Category", "Unit")]
public class NativeStorageTests
{
    [Theory]
    [InlineData(0L, new long[] { 3, 4 }, new long[] { 4, 1 }, true)]      // the whole storage
    [InlineData(11L, new long[] { 1 }, new long[] { 1 }, true)]           // the last element
    [InlineData(2L, new long[] { 3, 2 }, new long[] { 4, 1 }, true)]      // strided view ending on the last element
    [InlineData(2L, new long[] { 3, 2 }, new long[] { 4, 2 }, false)]     // the same, one element too far
    [InlineData(12L, new long[] { 0 }, new long[] { 1 }, true)]           // empty, at the end
    [InlineData(0L, new long[] { 1000000000000 }, new long[] { 0 }, true)] // broadcast of one element
    [InlineData(12L, new long[] { 1 }, new long[] { 1 }, false)]          // one past the end
    [InlineData(0L, new long[] { 13 }, new long[] { 1 }, false)]          // longer than the storage
    [InlineData(0L, new long[] { 2, 2 }, new long[] { 11, 1 }, false)]    // stride reaches past the end
    [InlineData(-1L, new long[] { 1 }, new long[] { 1 }, false)]          // negative offset
    [InlineData(0L, new long[] { -1 }, new long[] { 1 }, false)]          // negative size
    [InlineData(0L, new long[] { 2 }, new long[] { -1 }, false)]          // negative stride
    [InlineData(0L, new long[] { 3037000500, 3037000500, 2 }, new long[] { 0, 0, 0 }, false)] // numel overflows
    [InlineData(1L, new long[] { 2, 2 }, new long[] { long.MaxValue, 1 }, false)]             // extent overflows
    [InlineData(13L, new long[] { 0 }, new long[] { 1 }, false)]          // empty, past the end
    public void LayoutsAreCheckedAgainstTheStorage(long offset, long[] sizes, long[] strides, bool valid)
    {
        using var scope = Torch.NewDisposeScope();
        var storage = Torch.Arange(0, 12, 1); // 12 float32 elements
        if (valid)
        {
            var t = StorageIO.FromStorage(storage, offset, sizes, strides);
            Assert.Equal(sizes, t.Shape);
            Assert.Equal(StorageIO.Info(storage).StorageId, StorageIO.Info(t).StorageId);
        }
        else
        {
            Assert.Throws<TorchException>(() => StorageIO.FromStorage(storage, offset, sizes, strides));
        }
        Assert.Equal(48, StorageIO.Info(storage).StorageBytes); // never grown
    }

    [Fact]
    public void StorageReadsAndWritesAreBoundsChecked()
    {
        using var t = Torch.Zeros(4);
        var buffer = new MemoryStream();
        Assert.Throws<TorchException>(() => StorageIO.WriteStorage(t, 8, 9, buffer));
        Assert.Throws<TorchException>(() => StorageIO.WriteStorage(t, -1, 1, buffer));
        StorageIO.WriteStorage(t, 8, 8, buffer);
        Assert.Equal(8, buffer.Length);
        var input = new MemoryStream(new byte[20]);
        Assert.Throws<EndOfStreamException>(() => StorageIO.ReadStorage(new MemoryStream(new byte[15]), ScalarType.Float32, 4));
        using var s = StorageIO.ReadStorage(input, ScalarType.Float32, 5);
        Assert.Equal(5, s.Numel);
    }
}
