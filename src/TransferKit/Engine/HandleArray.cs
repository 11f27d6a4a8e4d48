namespace TransferKit.Engine;

/// <summary>
/// Raw handles of a list of tensors for one native call that takes an array (cat, stack, gradient
/// clipping), each kept alive (SafeHandle add-ref) until disposed.
/// </summary>
internal sealed class HandleArray : IDisposable
{
    private readonly TensorHandle[] _handles;
    private readonly bool[] _added;

    /// <summary>Takes the handles of <paramref name="tensors"/>; a null entry passes a null pointer.</summary>
    public HandleArray(IReadOnlyList<Tensor?> tensors)
    {
        _handles = new TensorHandle[tensors.Count];
        _added = new bool[tensors.Count];
        Raw = new IntPtr[tensors.Count];
        try
        {
            for (int k = 0; k < _handles.Length; k++)
            {
                if (tensors[k] is not { } tensor) continue;
                _handles[k] = tensor.Handle;
                _handles[k].DangerousAddRef(ref _added[k]);
                Raw[k] = _handles[k].DangerousGetHandle();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The native pointers, in order; pin with <c>fixed</c> for the call.</summary>
    public IntPtr[] Raw { get; }

    public void Dispose()
    {
        for (int k = 0; k < _handles.Length; k++)
        {
            if (!_added[k]) continue;
            _handles[k].DangerousRelease();
            _added[k] = false;
        }
    }
}
