using System.Runtime.InteropServices;

namespace TransferKit.Engine;

/// <summary>
/// Process-wide engine services with PyTorch's names: seeding, autograd mode, threads,
/// determinism, devices, and ownership diagnostics. Tensor factories are in Torch.Creation.cs.
/// </summary>
public static partial class Torch
{
    /// <summary>The libtorch version the native shim was built against, e.g. "1.13.0".</summary>
    public static string LibTorchVersion => Marshal.PtrToStringUTF8(NativeMethods.tk_torch_version()) ?? "unknown";

    /// <summary>
    /// Tensors created and not yet freed, across all threads. Tests and users read it to see leaks:
    /// it should return to its previous value after a dispose scope closes.
    /// </summary>
    public static long LiveTensorCount => TensorHandle.LiveCount;

    /// <summary>Opens a <see cref="DisposeScope"/> on the calling thread.</summary>
    public static DisposeScope NewDisposeScope() => new();

    /// <summary>
    /// Disables autograd recording on the calling thread until the returned value is disposed
    /// (<c>using (Torch.NoGrad()) { ... }</c>), like <c>torch.no_grad()</c>. Scopes nest; the
    /// previous state is restored on dispose. The flag is per thread, as in libtorch, so do not
    /// await inside the block.
    /// </summary>
    public static GradModeScope NoGrad() => new(enabled: false);

    /// <summary>Re-enables autograd recording inside a <see cref="NoGrad"/> block (<c>torch.enable_grad()</c>).</summary>
    public static GradModeScope EnableGrad() => new(enabled: true);

    /// <summary>Whether autograd records operations on the calling thread.</summary>
    public static bool IsGradEnabled => NativeMethods.tk_is_grad_enabled() != 0;

    /// <summary>Seeds libtorch's random generators (<c>torch.manual_seed</c>).</summary>
    public static void ManualSeed(ulong seed) => Tensor.Check(NativeMethods.tk_manual_seed(seed));

    /// <summary>
    /// Makes libtorch use deterministic algorithms (<c>torch.use_deterministic_algorithms</c>).
    /// With <paramref name="warnOnly"/> an operation without a deterministic version warns instead of failing.
    /// </summary>
    public static void UseDeterministicAlgorithms(bool enabled, bool warnOnly = false) =>
        Tensor.Check(NativeMethods.tk_set_deterministic(enabled ? 1 : 0, warnOnly ? 1 : 0));

    /// <summary>Whether deterministic algorithms are enforced.</summary>
    public static bool AreDeterministicAlgorithmsEnabled => NativeMethods.tk_get_deterministic() != 0;

    /// <summary>
    /// Intra-op threads used by libtorch kernels. TransferKit starts with one per logical core
    /// (<see cref="Environment.ProcessorCount"/>); set <c>TRANSFERKIT_NUM_THREADS</c> or
    /// <c>OMP_NUM_THREADS</c> to override at start-up.
    /// </summary>
    public static int NumThreads
    {
        get => NativeMethods.tk_get_num_threads();
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            Tensor.Check(NativeMethods.tk_set_num_threads(value));
        }
    }

    /// <summary>
    /// Sets the intra-op thread count of the calling thread only (the process-wide
    /// <see cref="NumThreads"/> is unchanged). Data-loader workers use 1 so that several of them do
    /// not oversubscribe the cores.
    /// </summary>
    public static void SetThreadLocalNumThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Tensor.Check(NativeMethods.tk_set_thread_local_num_threads(threads));
    }

    /// <summary>True when libtorch has CUDA support and sees a GPU.</summary>
    public static bool CudaIsAvailable => NativeMethods.tk_cuda_is_available() != 0;

    /// <summary>Number of visible CUDA GPUs (0 for CPU builds of libtorch).</summary>
    public static int CudaDeviceCount => NativeMethods.tk_cuda_device_count();
}

/// <summary>Restores the previous autograd mode when disposed. Created by <see cref="Torch.NoGrad"/>.</summary>
public readonly struct GradModeScope : IDisposable
{
    private readonly bool _previous;

    internal GradModeScope(bool enabled) => _previous = NativeMethods.tk_set_grad_enabled(enabled ? 1 : 0) != 0;

    /// <summary>Restores the mode that was active before this scope.</summary>
    public void Dispose() => NativeMethods.tk_set_grad_enabled(_previous ? 1 : 0);
}
