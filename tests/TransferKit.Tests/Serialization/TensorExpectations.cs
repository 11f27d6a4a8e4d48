using System.Text.Json;
using TransferKit.Serialization;

namespace TransferKit.Tests.Serialization;

/// <summary>Exact comparisons of loaded tensors with what PyTorch recorded in a manifest.</summary>
internal static class TensorExpectations
{
    /// <summary>The elements of a tensor in row-major order, as raw little-endian bytes.</summary>
    public static byte[] RawBytes(Tensor t)
    {
        using var c = t.Contiguous();
        var bytes = new MemoryStream();
        StorageIO.WriteStorage(c, StorageOffset(c) * c.Dtype.ElementSize(), c.Numel * c.Dtype.ElementSize(), bytes);
        return bytes.ToArray();
    }

    public static long[] Strides(Tensor t) => StorageIO.Strides(t);

    public static long StorageOffset(Tensor t) => StorageIO.Info(t).Offset;

    public static ulong StorageId(Tensor t) => StorageIO.Info(t).StorageId;

    /// <summary>Asserts dtype, shape, exact bytes and (optionally) strides, storage offset and requires_grad.</summary>
    public static void AssertMatches(JsonElement expected, Tensor actual, string name, bool layout = true)
    {
        Assert.False(actual.IsDisposed, $"{name}: disposed");
        Assert.Equal(expected.GetProperty("dtype").GetString(), actual.Dtype.PyTorchName());
        Assert.Equal(Longs(expected.GetProperty("shape")), actual.Shape);
        Assert.True(expected.GetProperty("hex").GetString() == Convert.ToHexString(RawBytes(actual)).ToLowerInvariant(),
            $"{name}: values differ from PyTorch's");
        if (!layout) return;
        Assert.Equal(Longs(expected.GetProperty("stride")), Strides(actual));
        Assert.Equal(expected.GetProperty("offset").GetInt64(), StorageOffset(actual));
        Assert.Equal(expected.GetProperty("requires_grad").GetBoolean(), actual.RequiresGrad);
    }

    public static long[] Longs(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt64()).ToArray();

    public static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();
}
