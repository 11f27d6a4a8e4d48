namespace TransferKit.Engine;

public sealed partial class Tensor
{
    /// <summary>
    /// A copy with the order of elements reversed along the given dimensions (<c>torch.flip</c>);
    /// negative dimensions count from the end, so <c>Flip(-1)</c> mirrors an image horizontally.
    /// </summary>
    public unsafe Tensor Flip(params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        fixed (long* p = dims) return FromNative(NativeMethods.tk_flip(Handle, p, dims.Length));
    }

    /// <summary>Rounds each element to the nearest integer, halves to even (<c>torch.round</c>).</summary>
    public Tensor Round() => FromNative(NativeMethods.tk_round(Handle));
}
