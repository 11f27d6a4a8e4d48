namespace TransferKit.CudaTests;

/// <summary>
/// A test that needs a CUDA GPU: skipped, with the reason, where libtorch has no CUDA support or
/// sees no GPU (a configuration, like <c>CpuOnlyBuildFact</c>, not a missing prerequisite).
/// </summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (!Cuda.IsAvailable)
            Skip = $"needs a CUDA GPU and a CUDA build of libtorch; this one ({Torch.LibTorchVersion}) sees none " +
                   "(Debian's libtorch is CPU-only; benchmarks/gpu/device-check.sh runs these on a GPU machine)";
    }
}
