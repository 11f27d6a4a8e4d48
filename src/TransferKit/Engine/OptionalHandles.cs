namespace TransferKit.Engine;

/// <summary>
/// Keeps up to four optional tensors alive (SafeHandle add-ref) for the duration of one native
/// call and exposes their raw handles, <see cref="IntPtr.Zero"/> standing for "none".
/// Use with <c>using</c>; released in reverse order.
/// </summary>
internal ref struct OptionalHandles
{
    private TensorHandle? _h0, _h1, _h2, _h3;
    public IntPtr P0, P1, P2, P3;

    public OptionalHandles(Tensor? t0, Tensor? t1 = null, Tensor? t2 = null, Tensor? t3 = null)
    {
        P0 = P1 = P2 = P3 = IntPtr.Zero;
        _h0 = _h1 = _h2 = _h3 = null;
        try
        {
            P0 = Acquire(t0, ref _h0);
            P1 = Acquire(t1, ref _h1);
            P2 = Acquire(t2, ref _h2);
            P3 = Acquire(t3, ref _h3);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private static IntPtr Acquire(Tensor? tensor, ref TensorHandle? slot)
    {
        if (tensor is null) return IntPtr.Zero;
        var handle = tensor.Handle;
        bool added = false;
        handle.DangerousAddRef(ref added);
        slot = handle;
        return handle.DangerousGetHandle();
    }

    public void Dispose()
    {
        _h3?.DangerousRelease();
        _h2?.DangerousRelease();
        _h1?.DangerousRelease();
        _h0?.DangerousRelease();
        _h0 = _h1 = _h2 = _h3 = null;
    }
}
