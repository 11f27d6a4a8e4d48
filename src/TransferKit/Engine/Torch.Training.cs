namespace TransferKit.Engine;

public static partial class Torch
{
    /// <summary>
    /// Scales the gradients of <paramref name="parameters"/> in place so that their global norm is at
    /// most <paramref name="maxNorm"/> (PyTorch's <c>clip_grad_norm_</c>); returns the norm before
    /// clipping. Parameters without a gradient are ignored.
    /// </summary>
    public static unsafe double ClipGradNorm_(IReadOnlyList<Tensor> parameters, double maxNorm, double normType = 2)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (maxNorm <= 0) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "must be positive");
        using var handles = new HandleArray(parameters);
        double total;
        fixed (IntPtr* p = handles.Raw)
            Tensor.Check(NativeMethods.tk_clip_grad_norm_(p, handles.Raw.Length, maxNorm, normType, out total));
        return total;
    }

    /// <summary>The default CPU generator's state (a uint8 tensor), for checkpoints.</summary>
    public static Tensor GetRngState() => Tensor.FromNative(NativeMethods.tk_get_rng_state());

    /// <summary>Restores a state obtained from <see cref="GetRngState"/>.</summary>
    public static void SetRngState(Tensor state) => Tensor.Check(NativeMethods.tk_set_rng_state(state.Handle));

    /// <summary>
    /// Runs eligible CPU operations (matmul, convolutions, linear) in bfloat16 on the calling thread
    /// until disposed (<c>torch.autocast("cpu", dtype=torch.bfloat16)</c>).
    /// </summary>
    public static AutocastScope Autocast(ScalarType dtype = ScalarType.BFloat16) => Autocast(Device.Cpu, dtype);

    /// <summary>
    /// Runs eligible operations on <paramref name="device"/>'s type in a lower precision on the
    /// calling thread until disposed (<c>torch.autocast(device_type, dtype)</c>): bfloat16 on the
    /// CPU; float16 or bfloat16 on CUDA. Scopes nest; weight casts are cached until the outermost
    /// scope ends, and dropped when a nested scope of another precision starts or ends (libtorch
    /// keys the cache by tensor alone, so a bfloat16 scope inside a float16 one would otherwise get
    /// float16 weights). With float16, scale the loss with a <c>GradScaler</c> (TransferKit.Training) so
    /// that small gradients do not underflow.
    /// </summary>
    public static AutocastScope Autocast(Device device, ScalarType dtype)
    {
        if (device.Type == DeviceType.Cpu && dtype != ScalarType.BFloat16)
            throw new ArgumentException($"CPU autocast supports only bfloat16, not {dtype}.", nameof(dtype));
        if (device.Type == DeviceType.Cuda && dtype is not (ScalarType.Float16 or ScalarType.BFloat16))
            throw new ArgumentException($"CUDA autocast supports float16 and bfloat16, not {dtype}.", nameof(dtype));
        device.EnsureAvailable();
        Tensor.Check(NativeMethods.tk_autocast_enter((int)device.Type, (int)dtype, out int previous, out int previousDtype));
        return new AutocastScope(device.Type, previous, previousDtype);
    }
}

/// <summary>Leaves autocast when disposed. Created by <see cref="Torch.Autocast(Device, ScalarType)"/>.</summary>
public readonly struct AutocastScope : IDisposable
{
    private readonly DeviceType _device;
    private readonly int _previous, _previousDtype;

    internal AutocastScope(DeviceType device, int previous, int previousDtype) =>
        (_device, _previous, _previousDtype) = (device, previous, previousDtype);

    /// <summary>Restores the previous autocast state.</summary>
    public void Dispose() => Tensor.Check(NativeMethods.tk_autocast_exit((int)_device, _previous, _previousDtype));
}
