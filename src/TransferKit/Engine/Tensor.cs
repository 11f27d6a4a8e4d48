namespace TransferKit.Engine;

/// <summary>
/// An n-dimensional array in libtorch memory, with autograd. Each instance owns one native
/// reference through a <see cref="System.Runtime.InteropServices.SafeHandle"/>: free it with
/// <see cref="Dispose"/> or let an enclosing <see cref="DisposeScope"/> do it. Operations return
/// new tensors (owned by the current dispose scope, if any); methods ending in an underscore
/// (<see cref="Add_(Tensor, double)"/>, <see cref="Zero_"/>, ...) modify this tensor in place, as in PyTorch.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private readonly TensorHandle _handle;

    private Tensor(IntPtr native)
    {
        _handle = new TensorHandle(native);
        DisposeScope.Current?.Register(this);
    }

    /// <summary>Wraps a handle returned by the shim, throwing the native error when it is null.</summary>
    internal static Tensor FromNative(IntPtr native) =>
        native == IntPtr.Zero ? throw TorchException.FromLastError() : new Tensor(native);

    /// <summary>Throws the native error when a status-returning shim call failed.</summary>
    internal static void Check(int status)
    {
        if (status != 0) throw TorchException.FromLastError();
    }

    /// <summary>The native handle; throws if this tensor was disposed.</summary>
    internal TensorHandle Handle =>
        _handle.IsClosed ? throw new ObjectDisposedException(nameof(Tensor), "This tensor was disposed (directly or by its dispose scope).") : _handle;

    /// <summary>The dispose scope that will free this tensor, if any.</summary>
    internal DisposeScope? OwningScope { get; set; }

    /// <summary>True once the native memory has been released.</summary>
    public bool IsDisposed => _handle.IsClosed;

    /// <summary>Element type.</summary>
    public ScalarType Dtype => (ScalarType)NativeMethods.tk_dtype(Handle);

    /// <summary>The device holding the data.</summary>
    public Device Device
    {
        get
        {
            var handle = Handle;
            return new Device((DeviceType)NativeMethods.tk_device_type(handle), NativeMethods.tk_device_index(handle));
        }
    }

    /// <summary>Number of dimensions (PyTorch's <c>ndim</c>).</summary>
    public int NDim => (int)NativeMethods.tk_dim(Handle);

    /// <summary>Total number of elements (PyTorch's <c>numel()</c>).</summary>
    public long Numel => NativeMethods.tk_numel(Handle);

    /// <summary>Size of each dimension (PyTorch's <c>shape</c>); a new array each call.</summary>
    public unsafe long[] Shape
    {
        get
        {
            var handle = Handle;
            Span<long> buffer = stackalloc long[16];
            long n;
            fixed (long* p = buffer) n = NativeMethods.tk_sizes(handle, p, buffer.Length);
            if (n <= buffer.Length) return buffer[..(int)n].ToArray();
            var big = new long[n];
            fixed (long* p = big) NativeMethods.tk_sizes(handle, p, n);
            return big;
        }
    }

    /// <summary>Size of one dimension; negative indices count from the end.</summary>
    public long Size(int dim)
    {
        var shape = Shape;
        int d = dim < 0 ? dim + shape.Length : dim;
        if (d < 0 || d >= shape.Length)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"dimension out of range for a tensor of {shape.Length} dimensions");
        return shape[d];
    }

    /// <summary>True when the elements are laid out densely in row-major order.</summary>
    public bool IsContiguous => NativeMethods.tk_is_contiguous(Handle) != 0;

    /// <summary>
    /// Hands this tensor to the dispose scope enclosing its current one (or to no scope), so it
    /// outlives the scope it was created in. Returns this tensor.
    /// </summary>
    public Tensor MoveToOuterDisposeScope()
    {
        if (OwningScope is { } scope) scope.MoveToOuter(this);
        return this;
    }

    /// <summary>Removes this tensor from any dispose scope: the caller now owns it. Returns this tensor.</summary>
    public Tensor DetachFromDisposeScope()
    {
        OwningScope?.Forget(this);
        return this;
    }

    /// <summary>Releases the native memory now. Safe to call twice.</summary>
    public void Dispose()
    {
        OwningScope = null;
        _handle.Dispose();
    }
}
