namespace TransferKit.Training;

/// <summary>How the <see cref="Trainer"/>'s training step runs on the CPU (<see cref="TrainerOptions.CpuStep"/>).</summary>
public enum CpuStepMode
{
    /// <summary>
    /// The fastest safe step for the model and machine: <see cref="ChannelsLastBFloat16"/> for
    /// models with convolutions whose parameters are float32 on the CPU, on CPUs that compute bf16
    /// natively (<see cref="Engine.CpuFeatures.NativeBFloat16"/>); <see cref="Float32"/> otherwise
    /// or when the environment variable <c>TRANSFERKIT_FAST_CPU_STEP</c> is <c>0</c>.
    /// </summary>
    Auto = 0,

    /// <summary>float32 in the model's own memory format (what PyTorch does by default).</summary>
    Float32 = 1,

    /// <summary>
    /// Convolution weights and 4-D inputs in channels_last memory format, the forward pass and the loss
    /// under bf16 autocast (<c>model.to(memory_format=torch.channels_last)</c> with
    /// <c>torch.autocast("cpu", dtype=torch.bfloat16)</c>). The weights, gradients and optimizer state
    /// stay float32; validation runs in float32; the model is laid out contiguous again when training ends.
    /// </summary>
    ChannelsLastBFloat16 = 2,
}
