namespace TransferKit.Engine;

/// <summary>
/// Frees, when disposed, every tensor created on this thread while it was the innermost open
/// scope, except those moved out with <see cref="MoveToOuter(Tensor)"/> (or
/// <see cref="Tensor.MoveToOuterDisposeScope"/>) or detached with
/// <see cref="Tensor.DetachFromDisposeScope"/>. Open one around each training step so that
/// intermediates are released deterministically instead of waiting for the garbage collector:
/// <code>
/// using (var scope = Torch.NewDisposeScope())
/// {
///     var loss = Loss(model.Forward(x), y);
///     loss.Backward();
///     lossValue = loss.Item&lt;float&gt;();
/// } // every tensor created above is freed here
/// </code>
/// Scopes nest and are per thread. Disposing a scope that is not the innermost also disposes the
/// scopes opened inside it.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? _current;

    private readonly List<Tensor> _tensors = new();
    private readonly int _threadId = Environment.CurrentManagedThreadId;
    private bool _disposed;

    internal DisposeScope()
    {
        Parent = _current;
        _current = this;
    }

    /// <summary>The innermost open scope of the calling thread, or null.</summary>
    public static DisposeScope? Current => _current;

    /// <summary>The scope that was current when this one opened.</summary>
    public DisposeScope? Parent { get; }

    /// <summary>Tensors this scope will free (not yet disposed, moved or detached).</summary>
    public int Count
    {
        get
        {
            int n = 0;
            foreach (var t in _tensors)
                if (ReferenceEquals(t.OwningScope, this) && !t.IsDisposed) n++;
            return n;
        }
    }

    internal void Register(Tensor tensor)
    {
        tensor.OwningScope = this;
        _tensors.Add(tensor);
    }

    /// <summary>
    /// Hands the tensors to the enclosing scope (or to no scope at all, leaving their lifetime to
    /// the caller) so they survive this scope's disposal. Returns the first for chaining.
    /// </summary>
    public Tensor MoveToOuter(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!ReferenceEquals(tensor.OwningScope, this))
            throw new InvalidOperationException("The tensor is not owned by this dispose scope.");
        tensor.OwningScope = null;
        Parent?.Register(tensor);
        return tensor;
    }

    /// <summary>Moves several tensors to the enclosing scope; see <see cref="MoveToOuter(Tensor)"/>.</summary>
    public void MoveToOuter(params Tensor[] tensors)
    {
        foreach (var t in tensors) MoveToOuter(t);
    }

    /// <summary>Makes this scope the owner of a tensor created elsewhere.</summary>
    public Tensor Include(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.OwningScope?.Forget(tensor);
        Register(tensor);
        return tensor;
    }

    internal void Forget(Tensor tensor)
    {
        if (ReferenceEquals(tensor.OwningScope, this)) tensor.OwningScope = null;
    }

    /// <summary>Frees the tensors this scope still owns and closes it.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (Environment.CurrentManagedThreadId != _threadId)
            throw new InvalidOperationException("A dispose scope must be disposed on the thread that opened it.");

        // Close inner scopes left open (an exception skipped their using blocks).
        while (_current is not null && !ReferenceEquals(_current, this) && IsAncestorOf(_current))
            _current.Dispose();

        _disposed = true;
        if (ReferenceEquals(_current, this)) _current = Parent;
        foreach (var t in _tensors)
        {
            if (!ReferenceEquals(t.OwningScope, this)) continue;
            t.OwningScope = null;
            t.Dispose();
        }
        _tensors.Clear();
    }

    private bool IsAncestorOf(DisposeScope scope)
    {
        for (var s = scope.Parent; s is not null; s = s.Parent)
            if (ReferenceEquals(s, this)) return true;
        return false;
    }
}
