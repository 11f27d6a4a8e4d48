using BenchmarkDotNet.Attributes;
using TransferKit.Engine;

// Not under the TransferKit namespace, where `Torch` would name the namespace TransferKit.Engine.
namespace Benchmarks;

/// <summary>
/// Cost of one eager operation through TransferKit's public API, including freeing the result:
/// the figure to compare with the same op called from Python (benchmarks/pytorch/dispatch_bench.py).
/// The tensors are tiny so that the time is almost all dispatch, not arithmetic (except MatMul 64x64,
/// which goes to BLAS and is a "small real op" data point).
/// </summary>
[SimpleJob(warmupCount: 3, iterationCount: 10)]
[MedianColumn, MinColumn, MemoryDiagnoser]
public class DispatchBenchmarks
{
    /// <summary>Ops per invocation of the *Scope100 benchmarks (one scope around many ops).</summary>
    public const int OpsPerScope = 100;

    private Tensor _a1 = null!, _b1 = null!, _m1a = null!, _m1b = null!, _m64a = null!, _m64b = null!;

    /// <summary>Creates the operands; 2 intra-op threads, as the PyTorch script sets.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Torch.NumThreads = 2;
        Torch.ManualSeed(0);
        _a1 = Torch.FromArray(new[] { 1.5f });
        _b1 = Torch.FromArray(new[] { 2.5f });
        _m1a = Torch.FromArray(new[] { 1.5f }, 1, 1);
        _m1b = Torch.FromArray(new[] { 2.5f }, 1, 1);
        _m64a = Torch.Randn(64, 64);
        _m64b = Torch.Randn(64, 64);
    }

    /// <summary>Frees the operands.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _a1, _b1, _m1a, _m1b, _m64a, _m64b }) t.Dispose();
    }

    /// <summary><c>a + b</c> of 1-element float tensors; the result is disposed.</summary>
    [Benchmark(Baseline = true)]
    public void Add1()
    {
        using var r = _a1 + _b1;
    }

    /// <summary>1x1 MatMul; the result is disposed.</summary>
    [Benchmark]
    public void MatMul1x1()
    {
        using var r = _m1a.MatMul(_m1b);
    }

    /// <summary>64x64 float MatMul (BLAS sgemm); the result is disposed.</summary>
    [Benchmark]
    public void MatMul64()
    {
        using var r = _m64a.MatMul(_m64b);
    }

    /// <summary>Worst case for scopes: a new dispose scope around every single <c>a + b</c>.</summary>
    [Benchmark]
    public void Add1_ScopePerOp()
    {
        using var scope = Torch.NewDisposeScope();
        _ = _a1 + _b1;
    }

    /// <summary>Usual case: one dispose scope frees 100 results of <c>a + b</c>; time is per op.</summary>
    [Benchmark(OperationsPerInvoke = OpsPerScope)]
    public void Add1_Scope100()
    {
        using var scope = Torch.NewDisposeScope();
        for (int k = 0; k < OpsPerScope; k++) _ = _a1 + _b1;
    }

    /// <summary>1x1 MatMul inside one scope per 100 ops; time is per op.</summary>
    [Benchmark(OperationsPerInvoke = OpsPerScope)]
    public void MatMul1x1_Scope100()
    {
        using var scope = Torch.NewDisposeScope();
        for (int k = 0; k < OpsPerScope; k++) _ = _m1a.MatMul(_m1b);
    }
}
