using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using TransferKit.Engine;

namespace Benchmarks;

/// <summary>
/// What-if measurements for the result wrapper: the same native work (tk_alias + tk_tensor_free
/// through function pointers, and tk_add as a real op) wrapped in TransferKit's TensorHandle and
/// in three prototype owners defined here, none of which is used by the library. The differences price each feature of the
/// current handle (SafeHandle ref-counting, finalizer, live-count Interlocked).
/// </summary>
[SimpleJob(warmupCount: 3, iterationCount: 10)]
[MedianColumn, MinColumn, MemoryDiagnoser]
public unsafe class WrapperCostBenchmarks
{
    private Tensor _a = null!, _b = null!;
    private IntPtr _ra, _rb;

    /// <summary>A 1-element operand.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _a = Torch.FromArray(new[] { 1.5f });
        _b = Torch.FromArray(new[] { 2.5f });
        (_ra, _rb) = (RawShim.Ptr(_a), RawShim.Ptr(_b));
    }

    /// <summary>Frees the operands.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose();
        _b.Dispose();
    }

    /// <summary>No wrapper at all.</summary>
    [Benchmark(Baseline = true)]
    public void NoWrapper() => RawShim.Free(RawShim.Alias(_ra));

    /// <summary>TransferKit's TensorHandle (SafeHandle + live-count Interlocked).</summary>
    [Benchmark]
    public void TensorHandle_Current()
    {
        using var h = new TensorHandle(RawShim.Alias(_ra));
    }

    /// <summary>A SafeHandle without the live counter.</summary>
    [Benchmark]
    public void SafeHandle_NoCounter()
    {
        using var h = new CounterlessHandle(RawShim.Alias(_ra));
    }

    /// <summary>A plain class with a finalizer (GC.SuppressFinalize on Dispose), no SafeHandle.</summary>
    [Benchmark]
    public void Finalizable_NoSafeHandle()
    {
        using var h = new FinalizableOwner(RawShim.Alias(_ra));
    }

    /// <summary>A plain class without a finalizer: freeing relies on Dispose or a dispose scope.</summary>
    [Benchmark]
    public void Plain_NoFinalizer()
    {
        using var h = new PlainOwner(RawShim.Alias(_ra));
    }

    /// <summary>A real op (1-element add) with no wrapper...</summary>
    [Benchmark]
    public void Add1_NoWrapper() => RawShim.Free(RawShim.Add(_ra, _rb));

    /// <summary>... with TransferKit's TensorHandle ...</summary>
    [Benchmark]
    public void Add1_TensorHandle_Current()
    {
        using var h = new TensorHandle(RawShim.Add(_ra, _rb));
    }

    /// <summary>... and with the non-finalizable prototype.</summary>
    [Benchmark]
    public void Add1_Plain_NoFinalizer()
    {
        using var h = new PlainOwner(RawShim.Add(_ra, _rb));
    }

    private sealed class CounterlessHandle : SafeHandle
    {
        public CounterlessHandle(IntPtr native) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(native);
        public override bool IsInvalid => handle == IntPtr.Zero;
        protected override bool ReleaseHandle()
        {
            RawShim.Free(handle);
            return true;
        }
    }

    private sealed class FinalizableOwner(IntPtr native) : IDisposable
    {
        private IntPtr _native = native;
        ~FinalizableOwner() => Release();
        public void Dispose()
        {
            Release();
            GC.SuppressFinalize(this);
        }
        private void Release()
        {
            IntPtr p = _native;
            _native = IntPtr.Zero;
            if (p != IntPtr.Zero) RawShim.Free(p);
        }
    }

    private sealed class PlainOwner(IntPtr native) : IDisposable
    {
        private IntPtr _native = native;
        public void Dispose()
        {
            IntPtr p = _native;
            _native = IntPtr.Zero;
            if (p != IntPtr.Zero) RawShim.Free(p);
        }
    }
}
