using BenchmarkDotNet.Attributes;
using TransferKit.Engine;

namespace Benchmarks;

/// <summary>
/// Where the time of a TransferKit op goes. The Alias_* benchmarks call tk_alias (a new handle to
/// the same tensor: one refcount increment and a 16-byte new/delete in the shim), so that almost
/// all of their time is the managed wrapper; each adds one layer to the one before it, from a bare
/// function-pointer call up to the public API. The *_RawFnPtr / *_Tensor pairs show the same for
/// real ops. Uses TransferKit internals (InternalsVisibleTo) to isolate the layers.
/// </summary>
[SimpleJob(warmupCount: 3, iterationCount: 10)]
[MedianColumn, MinColumn, MemoryDiagnoser]
public unsafe class DispatchBreakdownBenchmarks
{
    private Tensor _a = null!, _b = null!, _ma = null!, _mb = null!;
    private IntPtr _ra, _rb, _rma, _rmb;
    private TensorHandle _ha = null!;

    /// <summary>1-element and 1x1 operands; 2 intra-op threads as elsewhere.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Torch.NumThreads = 2;
        _a = Torch.FromArray(new[] { 1.5f });
        _b = Torch.FromArray(new[] { 2.5f });
        _ma = Torch.FromArray(new[] { 1.5f }, 1, 1);
        _mb = Torch.FromArray(new[] { 2.5f }, 1, 1);
        (_ra, _rb, _rma, _rmb) = (RawShim.Ptr(_a), RawShim.Ptr(_b), RawShim.Ptr(_ma), RawShim.Ptr(_mb));
        _ha = _a.Handle;
    }

    /// <summary>Frees the operands.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _a, _b, _ma, _mb }) t.Dispose();
    }

    /// <summary>One managed-to-native transition: a trivial export (reads a thread-local flag).</summary>
    [Benchmark]
    public int Transition_RawFnPtr() => RawShim.IsGradEnabled();

    /// <summary>Alias layer 0: tk_alias + tk_tensor_free through function pointers on raw pointers.</summary>
    [Benchmark(Baseline = true)]
    public void Alias_RawFnPtr() => RawShim.Free(RawShim.Alias(_ra));

    /// <summary>Layer 1: TransferKit's LibraryImport stubs (SafeHandle argument: AddRef/Release).</summary>
    [Benchmark]
    public void Alias_SafeHandleArg() => NativeMethods.tk_tensor_free(NativeMethods.tk_alias(_ha));

    /// <summary>Layer 2: + the result wrapped in a TensorHandle (finalizable SafeHandle, live-count Interlocked), then disposed.</summary>
    [Benchmark]
    public void Alias_ResultHandle()
    {
        using var h = new TensorHandle(NativeMethods.tk_alias(_ha));
    }

    /// <summary>Layer 3, the public API: Tensor object, disposed check, scope lookup, Dispose.</summary>
    [Benchmark]
    public void Alias_Tensor()
    {
        using var r = _a.Alias();
    }

    /// <summary>Layer 3 inside a new dispose scope per op: prices opening and closing a scope.</summary>
    [Benchmark]
    public void Alias_Tensor_ScopePerOp()
    {
        using var scope = Torch.NewDisposeScope();
        _ = _a.Alias();
    }

    /// <summary>Layer 3 with 100 ops per dispose scope (time per op): prices registration in a scope.</summary>
    [Benchmark(OperationsPerInvoke = DispatchBenchmarks.OpsPerScope)]
    public void Alias_Tensor_Scope100()
    {
        using var scope = Torch.NewDisposeScope();
        for (int k = 0; k < DispatchBenchmarks.OpsPerScope; k++) _ = _a.Alias();
    }

    /// <summary>tk_add + tk_tensor_free on raw pointers: libtorch's cost plus the shim, no managed wrapper.</summary>
    [Benchmark]
    public void Add1_RawFnPtr() => RawShim.Free(RawShim.Add(_ra, _rb));

    /// <summary>The same through the public API (<c>a + b</c>, then Dispose).</summary>
    [Benchmark]
    public void Add1_Tensor()
    {
        using var r = _a + _b;
    }

    /// <summary>tk_matmul + tk_tensor_free on raw 1x1 pointers.</summary>
    [Benchmark]
    public void MatMul1x1_RawFnPtr() => RawShim.Free(RawShim.MatMul(_rma, _rmb));

    /// <summary>The same through the public API (MatMul, then Dispose).</summary>
    [Benchmark]
    public void MatMul1x1_Tensor()
    {
        using var r = _ma.MatMul(_mb);
    }
}
