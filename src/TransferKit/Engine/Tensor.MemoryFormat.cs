namespace TransferKit.Engine;

public sealed partial class Tensor
{
    /// <summary>
    /// A tensor with the same values laid out in <paramref name="memoryFormat"/>
    /// (<c>tensor.contiguous(memory_format=...)</c>); this data, under a new handle, when it already is.
    /// <see cref="MemoryFormat.ChannelsLast"/> needs a 4-D tensor.
    /// </summary>
    public Tensor Contiguous(MemoryFormat memoryFormat) =>
        FromNative(NativeMethods.tk_contiguous_memory_format(Handle, (int)memoryFormat));

    /// <summary>True when the elements are laid out densely in <paramref name="memoryFormat"/> (<c>is_contiguous(memory_format=...)</c>).</summary>
    public bool IsContiguousIn(MemoryFormat memoryFormat)
    {
        int result = NativeMethods.tk_is_contiguous_memory_format(Handle, (int)memoryFormat);
        if (result < 0) Check(1);
        return result != 0;
    }

    /// <summary>
    /// The format libtorch's kernels give this tensor's outputs (<c>suggest_memory_format()</c>):
    /// <see cref="MemoryFormat.ChannelsLast"/> for a 4-D tensor laid out as [N, H, W, C], otherwise
    /// <see cref="MemoryFormat.Contiguous"/>.
    /// </summary>
    public MemoryFormat SuggestedMemoryFormat
    {
        get
        {
            int result = NativeMethods.tk_suggest_memory_format(Handle);
            if (result < 0) Check(1);
            return (MemoryFormat)result;
        }
    }

    /// <summary>
    /// Rewrites this tensor's data in <paramref name="memoryFormat"/> in place, as PyTorch's
    /// <c>module.to(memory_format=...)</c> does to parameters (<c>param.data = param.contiguous(...)</c>):
    /// the tensor object, its handles, gradient requirement and optimizer references stay the same.
    /// Tensors of another rank than the format's (4-D for channels_last) are left alone.
    /// Returns true when the layout changed.
    /// </summary>
    internal bool ToMemoryFormat_(MemoryFormat memoryFormat)
    {
        int result = NativeMethods.tk_to_memory_format_(Handle, (int)memoryFormat);
        if (result < 0) Check(1);
        return result == 1;
    }
}
