using TransferKit.Engine;

namespace TransferKit.NN;

public abstract partial class Module
{
    /// <summary>
    /// Lays out every 4-D floating-point parameter and buffer (convolution weights) in
    /// <paramref name="memoryFormat"/> in place, as <c>model.to(memory_format=torch.channels_last)</c>
    /// does: the tensors keep their identity, so an optimizer created before still holds them.
    /// Feed such a model channels_last inputs (<see cref="Tensor.Contiguous(MemoryFormat)"/>); its
    /// outputs and state dict are the same values. Returns this.
    /// </summary>
    public Module ToMemoryFormat(MemoryFormat memoryFormat)
    {
        if (memoryFormat is not (MemoryFormat.Contiguous or MemoryFormat.ChannelsLast))
            throw new ArgumentException($"Modules can be laid out Contiguous or ChannelsLast, not {memoryFormat}.", nameof(memoryFormat));
        foreach (var (_, module) in NamedModules())
        {
            foreach (var slot in module._parameters.Concat(module._buffers))
            {
                if (slot.Value is { NDim: 4 } t && t.Dtype.IsFloatingPoint()) t.ToMemoryFormat_(memoryFormat);
            }
        }
        return this;
    }
}
