namespace TransferKit.Engine;

/// <summary>
/// How a tensor's elements are laid out (<c>torch.memory_format</c>). The numeric values are
/// libtorch's <c>c10::MemoryFormat</c> codes, so they cross the native boundary unchanged.
/// </summary>
public enum MemoryFormat
{
    /// <summary>Row-major order, [N, C, H, W] with W fastest (<c>torch.contiguous_format</c>).</summary>
    Contiguous = 0,
    /// <summary>Keep the input's format (<c>torch.preserve_format</c>).</summary>
    Preserve = 1,
    /// <summary>
    /// 4-D tensors stored as [N, H, W, C] (<c>torch.channels_last</c>): the logical shape stays
    /// [N, C, H, W]; only the strides change. Convolutions and batch norm run faster on CPU in this
    /// format, especially in bfloat16.
    /// </summary>
    ChannelsLast = 2,
    /// <summary>5-D tensors stored as [N, D, H, W, C] (<c>torch.channels_last_3d</c>).</summary>
    ChannelsLast3d = 3,
}
