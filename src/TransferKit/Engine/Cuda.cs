namespace TransferKit.Engine;

/// <summary>
/// CUDA services, PyTorch's <c>torch.cuda</c> and <c>torch.backends.cudnn</c>: whether a GPU is
/// usable, synchronisation, cuDNN's autotuner and the GPU generators' seeds. Debian's libtorch is a
/// CPU build, where <see cref="IsAvailable"/> is false; a libtorch 2.x CUDA build (docs/building.md)
/// enables the rest.
/// </summary>
public static class Cuda
{
    /// <summary>True when libtorch has CUDA support and sees a GPU (<c>torch.cuda.is_available()</c>).</summary>
    public static bool IsAvailable => NativeMethods.tk_cuda_is_available() != 0;

    /// <summary>Number of visible GPUs (0 for CPU builds of libtorch).</summary>
    public static int DeviceCount => NativeMethods.tk_cuda_device_count();

    /// <summary>
    /// Waits until every kernel queued on <paramref name="device"/> (default: the current GPU) has
    /// finished (<c>torch.cuda.synchronize()</c>). Kernels run asynchronously: time GPU work only
    /// between synchronisations.
    /// </summary>
    public static void Synchronize(Device? device = null)
    {
        var d = device ?? Device.Cuda;
        if (d.Type != DeviceType.Cuda) throw new ArgumentException($"{d} is not a CUDA device.", nameof(device));
        d.EnsureAvailable();
        Tensor.Check(NativeMethods.tk_cuda_synchronize(d.Index));
    }

    /// <summary>
    /// cuDNN's autotuner (<c>torch.backends.cudnn.benchmark</c>): when on, the first convolution of
    /// each input shape tries the available algorithms and keeps the fastest. Off by default, as in
    /// PyTorch; turn it on when input shapes repeat (fixed-size images), off when they vary.
    /// </summary>
    public static bool CudnnBenchmark
    {
        get => NativeMethods.tk_get_cudnn_benchmark() != 0;
        set => Tensor.Check(NativeMethods.tk_set_cudnn_benchmark(value ? 1 : 0));
    }

    /// <summary>Seeds the generators of every GPU (<c>torch.cuda.manual_seed_all</c>); <see cref="Torch.ManualSeed"/> seeds them too.</summary>
    public static void ManualSeedAll(ulong seed) => Tensor.Check(NativeMethods.tk_cuda_manual_seed_all(seed));
}
