namespace TransferKit.Engine;

public sealed partial class Tensor
{
    /// <summary>Same data with a new shape (copies only when needed); one size may be -1.</summary>
    public unsafe Tensor Reshape(params long[] shape)
    {
        fixed (long* p = shape) return FromNative(NativeMethods.tk_reshape(Handle, p, shape.Length));
    }

    /// <summary>A view with a new shape; fails when the memory layout does not allow one.</summary>
    public unsafe Tensor View(params long[] shape)
    {
        fixed (long* p = shape) return FromNative(NativeMethods.tk_view(Handle, p, shape.Length));
    }

    /// <summary>A broadcast view with the given shape (-1 keeps a dimension).</summary>
    public unsafe Tensor Expand(params long[] shape)
    {
        fixed (long* p = shape) return FromNative(NativeMethods.tk_expand(Handle, p, shape.Length));
    }

    /// <summary>A view with the dimensions reordered.</summary>
    public unsafe Tensor Permute(params long[] dims)
    {
        fixed (long* p = dims) return FromNative(NativeMethods.tk_permute(Handle, p, dims.Length));
    }

    /// <summary>A view with two dimensions swapped.</summary>
    public Tensor Transpose(long dim0, long dim1) => FromNative(NativeMethods.tk_transpose(Handle, dim0, dim1));

    /// <summary>Transpose of a 2-D tensor (PyTorch's <c>t()</c>).</summary>
    public Tensor T() => Transpose(0, 1);

    /// <summary>A contiguous tensor with the same values (this data when already contiguous).</summary>
    public Tensor Contiguous() => FromNative(NativeMethods.tk_contiguous(Handle));

    /// <summary>Removes every dimension of size 1.</summary>
    public Tensor Squeeze() => FromNative(NativeMethods.tk_squeeze(Handle));

    /// <summary>Removes the given dimension if its size is 1.</summary>
    public Tensor Squeeze(long dim) => FromNative(NativeMethods.tk_squeeze_dim(Handle, dim));

    /// <summary>Inserts a dimension of size 1.</summary>
    public Tensor Unsqueeze(long dim) => FromNative(NativeMethods.tk_unsqueeze(Handle, dim));

    /// <summary>Flattens dimensions start..end into one.</summary>
    public Tensor Flatten(long startDim = 0, long endDim = -1) => FromNative(NativeMethods.tk_flatten(Handle, startDim, endDim));

    /// <summary>Picks entries along a dimension by an int64 index tensor.</summary>
    public Tensor IndexSelect(long dim, Tensor index) => FromNative(NativeMethods.tk_index_select(Handle, dim, index.Handle));

    /// <summary>A view of <paramref name="length"/> entries along a dimension starting at <paramref name="start"/>.</summary>
    public Tensor Narrow(long dim, long start, long length) => FromNative(NativeMethods.tk_narrow(Handle, dim, start, length));

    /// <summary>A strided view of [start, end) along a dimension (Python's <c>t[start:end:step]</c>).</summary>
    public Tensor Slice(long dim, long start, long end, long step = 1) => FromNative(NativeMethods.tk_slice(Handle, dim, start, end, step));

    /// <summary>A view of one index along a dimension, which is removed.</summary>
    public Tensor Select(long dim, long index) => FromNative(NativeMethods.tk_select(Handle, dim, index));

    /// <summary>The elements where a bool mask is true, as a 1-D tensor.</summary>
    public Tensor MaskedSelect(Tensor mask) => FromNative(NativeMethods.tk_masked_select(Handle, mask.Handle));

    /// <summary><c>t[i]</c>: index along the first dimension (negative counts from the end).</summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public Tensor this[long index] => Select(0, index);

    /// <summary><c>t[i, j, ...]</c>: one index per leading dimension.</summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public Tensor this[long i, long j]
    {
        get
        {
            using var row = Select(0, i);
            return row.Select(0, j);
        }
    }

    /// <summary><c>t[a..b]</c>: a slice along the first dimension.</summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public Tensor this[Range range]
    {
        get
        {
            long length = Size(0);
            long start = range.Start.IsFromEnd ? length - range.Start.Value : range.Start.Value;
            long end = range.End.IsFromEnd ? length - range.End.Value : range.End.Value;
            return Slice(0, start, end);
        }
    }
}
