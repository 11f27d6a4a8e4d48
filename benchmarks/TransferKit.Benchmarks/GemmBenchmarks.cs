using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using TransferKit.Engine;

namespace Benchmarks;

/// <summary>
/// "Linear layer" throughput: x[256, 1024] MatMul w[1024, 1024] in float32, i.e. a batch of 256
/// through a 1024-to-1024 fully connected layer (no bias). Float GEMM goes to whatever
/// libblas.so.3 the process loaded, so this figure shows the BLAS; the GFLOP/s column is
/// 2*M*K*N divided by the median time.
/// </summary>
[SimpleJob(warmupCount: 3, iterationCount: 10)]
[MedianColumn, Config(typeof(GemmConfig))]
public class GemmBenchmarks
{
    /// <summary>Rows of x (batch).</summary>
    public const int M = 256;
    /// <summary>Inner dimension (input features).</summary>
    public const int K = 1024;
    /// <summary>Columns of w (output features).</summary>
    public const int N = 1024;
    /// <summary>Floating-point operations in one product.</summary>
    public const double FlopsPerCall = 2.0 * M * K * N;

    private Tensor _x = null!, _w = null!;

    /// <summary>Random operands; 2 intra-op threads as in the PyTorch script.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Torch.NumThreads = 2;
        Torch.ManualSeed(0);
        _x = Torch.Randn(M, K);
        _w = Torch.Randn(K, N);
        Console.WriteLine($"// sgemm_ provider: {BlasInfo.SgemmProvider()}");
    }

    /// <summary>Frees the operands.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose();
        _w.Dispose();
    }

    /// <summary>One 256x1024x1024 product; the result is disposed.</summary>
    [Benchmark]
    public void Linear256x1024x1024()
    {
        using var y = _x.MatMul(_w);
    }

    private sealed class GemmConfig : ManualConfig
    {
        public GemmConfig() => AddColumn(new GflopsColumn(FlopsPerCall));
    }
}
