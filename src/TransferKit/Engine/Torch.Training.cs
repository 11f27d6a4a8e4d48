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
    /// Runs eligible CPU operations (matmul, convolutions, linear) in a lower precision on the
    /// calling thread until disposed (<c>torch.autocast("cpu", dtype=torch.bfloat16)</c>).
    /// Only <see cref="ScalarType.BFloat16"/> is supported on the CPU.
    /// </summary>
    public static AutocastScope Autocast(ScalarType dtype = ScalarType.BFloat16)
    {
        if (dtype != ScalarType.BFloat16)
            throw new ArgumentException("CPU autocast supports only bfloat16.", nameof(dtype));
        int previous = NativeMethods.tk_autocast_cpu_enter((int)dtype);
        if (previous < 0) throw TorchException.FromLastError();
        return new AutocastScope(previous);
    }
}

/// <summary>Leaves CPU autocast when disposed. Created by <see cref="Torch.Autocast"/>.</summary>
public readonly struct AutocastScope : IDisposable
{
    private readonly int _previous;

    internal AutocastScope(int previous) => _previous = previous;

    /// <summary>Restores the previous autocast state.</summary>
    public void Dispose() => Tensor.Check(NativeMethods.tk_autocast_cpu_exit(_previous));
}
