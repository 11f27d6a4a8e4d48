using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using TransferKit.Torch;

namespace Benchmarks;

/// <summary>
/// What-if measurements for the result wrapper: the same native work (tk_alias + tk_tensor_free
/// through function pointers) wrapped in TransferKit's TensorHandle and in three prototype owners
/// defined here, none of which is used by the library. The differences price each feature of the
/// current handle (SafeHandle ref-counting, finalizer, live-count Interlocked).
/// </summary>
[SimpleJob(warmupCount: 3, iterationCount: 10)]
[MedianColumn, MinColumn, MemoryDiagnoser]
public unsafe class WrapperCostBenchmarks
{
    private Tensor _a = null!;
    private IntPtr _ra;

    /// <summary>A 1-element operand.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _a = Torch.FromArray(new[] { 1.5f });
        _ra = RawShim.Ptr(_a);
    }

    /// <summary>Frees the operand.</summary>
    [GlobalCleanup]
    public void Cleanup() => _a.Dispose();

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
