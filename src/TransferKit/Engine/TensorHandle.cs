using System.Runtime.InteropServices;

namespace TransferKit.Engine;

/// <summary>
/// Owns one native reference to a libtorch tensor (a heap-allocated <c>at::Tensor</c>). Released
/// exactly once: deterministically by <see cref="Tensor.Dispose"/> or a dispose scope, and by the
/// finalizer only as a fallback.
/// </summary>
internal sealed class TensorHandle : SafeHandle
{
    private static long _live;

    /// <summary>Native tensor handles created and not yet released, process-wide.</summary>
    internal static long LiveCount => Interlocked.Read(ref _live);

    public TensorHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal TensorHandle(IntPtr native) : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle(native);
        Interlocked.Increment(ref _live);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.tk_tensor_free(handle);
        Interlocked.Decrement(ref _live);
        return true;
    }
}
