namespace TransferKit.Engine;

public sealed partial class Tensor
{
    /// <summary>Sum of all elements (a 0-d tensor).</summary>
    public Tensor Sum() => FromNative(NativeMethods.tk_sum(Handle));

    /// <summary>Sum over the given dimensions.</summary>
    public unsafe Tensor Sum(long[] dims, bool keepDim = false)
    {
        fixed (long* p = dims) return FromNative(NativeMethods.tk_sum_dims(Handle, p, dims.Length, keepDim ? 1 : 0));
    }

    /// <summary>Sum over one dimension.</summary>
    public Tensor Sum(long dim, bool keepDim = false) => Sum(new[] { dim }, keepDim);

    /// <summary>Mean of all elements (floating-point tensors).</summary>
    public Tensor Mean() => FromNative(NativeMethods.tk_mean(Handle));

    /// <summary>Mean over the given dimensions.</summary>
    public unsafe Tensor Mean(long[] dims, bool keepDim = false)
    {
        fixed (long* p = dims) return FromNative(NativeMethods.tk_mean_dims(Handle, p, dims.Length, keepDim ? 1 : 0));
    }

    /// <summary>Mean over one dimension.</summary>
    public Tensor Mean(long dim, bool keepDim = false) => Mean(new[] { dim }, keepDim);

    /// <summary>Largest element (a 0-d tensor).</summary>
    public Tensor Max() => FromNative(NativeMethods.tk_max(Handle));

    /// <summary>Smallest element (a 0-d tensor).</summary>
    public Tensor Min() => FromNative(NativeMethods.tk_min(Handle));

    /// <summary>Largest values along a dimension and their indices.</summary>
    public (Tensor Values, Tensor Indices) Max(long dim, bool keepDim = false)
    {
        Check(NativeMethods.tk_max_dim(Handle, dim, keepDim ? 1 : 0, out IntPtr values, out IntPtr indices));
        return (FromNative(values), FromNative(indices));
    }

    /// <summary>Smallest values along a dimension and their indices.</summary>
    public (Tensor Values, Tensor Indices) Min(long dim, bool keepDim = false)
    {
        Check(NativeMethods.tk_min_dim(Handle, dim, keepDim ? 1 : 0, out IntPtr values, out IntPtr indices));
        return (FromNative(values), FromNative(indices));
    }

    /// <summary>Index of the largest element of the flattened tensor.</summary>
    public Tensor ArgMax() => FromNative(NativeMethods.tk_argmax(Handle, 0, 0, 0));

    /// <summary>Indices of the largest elements along a dimension.</summary>
    public Tensor ArgMax(long dim, bool keepDim = false) => FromNative(NativeMethods.tk_argmax(Handle, 1, dim, keepDim ? 1 : 0));

    /// <summary>The <paramref name="k"/> largest (or smallest) elements along a dimension, and their indices.</summary>
    public (Tensor Values, Tensor Indices) TopK(long k, long dim = -1, bool largest = true, bool sorted = true)
    {
        Check(NativeMethods.tk_topk(Handle, k, dim, largest ? 1 : 0, sorted ? 1 : 0, out IntPtr values, out IntPtr indices));
        return (FromNative(values), FromNative(indices));
    }

    /// <summary>Softmax along a dimension.</summary>
    public Tensor Softmax(long dim) => FromNative(NativeMethods.tk_softmax(Handle, dim));

    /// <summary>Log of the softmax along a dimension (numerically stable).</summary>
    public Tensor LogSoftmax(long dim) => FromNative(NativeMethods.tk_log_softmax(Handle, dim));
}
