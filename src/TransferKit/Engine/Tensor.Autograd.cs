namespace TransferKit.Engine;

public sealed partial class Tensor
{
    /// <summary>Whether autograd records operations on this tensor. Settable on leaf tensors.</summary>
    public bool RequiresGrad
    {
        get => NativeMethods.tk_requires_grad(Handle) != 0;
        set => Check(NativeMethods.tk_set_requires_grad(Handle, value ? 1 : 0));
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor (PyTorch's <c>requires_grad_()</c>).</summary>
    public Tensor RequiresGrad_(bool requiresGrad = true)
    {
        RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>True for tensors created by the user rather than by a recorded operation.</summary>
    public bool IsLeaf => NativeMethods.tk_is_leaf(Handle) != 0;

    /// <summary>
    /// Computes the gradient of this tensor with respect to the graph's leaves and accumulates it
    /// into their <see cref="Grad"/>. <paramref name="gradient"/> may be omitted for a scalar.
    /// </summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false)
    {
        using var optional = new OptionalHandles(gradient);
        Check(NativeMethods.tk_backward(Handle, optional.P0, retainGraph ? 1 : 0, createGraph ? 1 : 0));
    }

    /// <summary>
    /// The accumulated gradient, or null before any backward pass reached this tensor. Each read
    /// returns a new handle to the same gradient storage (owned like any other result).
    /// </summary>
    public Tensor? Grad
    {
        get
        {
            Check(NativeMethods.tk_grad(Handle, out IntPtr grad));
            return grad == IntPtr.Zero ? null : FromNative(grad);
        }
    }

    /// <summary>Drops the accumulated gradient (PyTorch's <c>grad = None</c>).</summary>
    public void ClearGrad() => Check(NativeMethods.tk_clear_grad(Handle));

    /// <summary>The same data, cut from the autograd graph.</summary>
    public Tensor Detach() => FromNative(NativeMethods.tk_detach(Handle));
}
