using TransferKit.Engine;

namespace TransferKit.NN;

// Transformer functions: embedding lookup, attention, attention masks, heads and masked pooling.
public static partial class Functional
{
    /// <summary>
    /// Rows of <paramref name="weight"/> [V, D] picked by the int64 indices <paramref name="input"/> (any shape)
    /// (<c>F.embedding</c>); the result has shape indices.shape + [D]. The row
    /// <paramref name="paddingIdx"/> (when given) receives no gradient.
    /// </summary>
    public static Tensor Embedding(Tensor input, Tensor weight, long? paddingIdx = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        return Tensor.FromNative(NativeMethods.tk_embedding(weight.Handle, input.Handle, paddingIdx ?? -1));
    }

    /// <summary>
    /// Attention: softmax(q kᵀ / √d + <paramref name="additiveMask"/>) v, with dropout of probability
    /// <paramref name="dropoutP"/> on the attention probabilities when <paramref name="training"/>.
    /// q is [..., Tq, d], k and v [..., Tk, d] (e.g. [N, heads, T, d]); the mask (or null) is added to
    /// the scores and broadcasts to [..., Tq, Tk] — 0 where attending is allowed and a large negative
    /// number where not (see <see cref="ExtendedAttentionMask"/>). The operations and their order are
    /// Hugging Face BERT's (libtorch 1.13 has no fused kernel): matmul, divide, add, softmax, matmul.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor? additiveMask = null,
                                                   double dropoutP = 0, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(k);
        ArgumentNullException.ThrowIfNull(v);
        if (dropoutP is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(dropoutP), dropoutP, "dropout probability must be in [0, 1]");
        using var h = new OptionalHandles(additiveMask);
        return Tensor.FromNative(NativeMethods.tk_scaled_dot_product_attention(q.Handle, k.Handle, v.Handle, h.P0, dropoutP, training ? 1 : 0));
    }

    /// <summary>
    /// Hugging Face's extended attention mask: a padding mask [N, T] (1 = token, 0 = padding, any
    /// numeric type) becomes the additive mask [N, 1, 1, T] of <paramref name="dtype"/> holding
    /// (1 - mask) · <paramref name="negative"/> (the dtype's lowest value by default, as
    /// <c>transformers</c> does), which broadcasts over heads and query positions.
    /// </summary>
    public static Tensor ExtendedAttentionMask(Tensor attentionMask, ScalarType dtype = ScalarType.Float32, double? negative = null)
    {
        ArgumentNullException.ThrowIfNull(attentionMask);
        if (attentionMask.NDim != 2) throw new ArgumentException($"The attention mask must be [batch, tokens]; got [{string.Join(", ", attentionMask.Shape)}].", nameof(attentionMask));
        double fill = negative ?? (dtype == ScalarType.Float64 ? double.MinValue : float.MinValue);
        using var scope = Torch.NewDisposeScope();
        var asType = attentionMask.To(dtype);
        var inverted = 1.0 - asType;
        var result = (inverted * fill).Unsqueeze(1).Unsqueeze(1);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Multi-head self-attention without the output projection: <paramref name="hidden"/> [N, T, H] is projected by
    /// <paramref name="query"/>, <paramref name="key"/> and <paramref name="value"/>, split into
    /// <paramref name="heads"/> heads, attended (<see cref="ScaledDotProductAttention"/>) and merged back to [N, T, H].
    /// </summary>
    public static Tensor SelfAttention(Tensor hidden, Module query, Module key, Module value, long heads, Tensor? additiveMask,
                                       double dropoutP = 0, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        using var scope = Torch.NewDisposeScope();
        var q = SplitHeads(query.Forward(hidden), heads);
        var k = SplitHeads(key.Forward(hidden), heads);
        var v = SplitHeads(value.Forward(hidden), heads);
        var context = ScaledDotProductAttention(q, k, v, additiveMask, dropoutP, training);
        return scope.MoveToOuter(MergeHeads(context));
    }

    /// <summary>[N, T, heads · d] → [N, heads, T, d] (a view when possible).</summary>
    public static Tensor SplitHeads(Tensor x, long heads)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.NDim != 3 || x.Size(2) % heads != 0)
            throw new ArgumentException($"Expected [batch, tokens, features] with features divisible by {heads} heads; got [{string.Join(", ", x.Shape)}].", nameof(x));
        using var split = x.View(x.Size(0), x.Size(1), heads, x.Size(2) / heads);
        return split.Permute(0, 2, 1, 3);
    }

    /// <summary>[N, heads, T, d] → [N, T, heads · d] (contiguous): the inverse of <see cref="SplitHeads"/>.</summary>
    public static Tensor MergeHeads(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.NDim != 4) throw new ArgumentException($"Expected [batch, heads, tokens, d]; got [{string.Join(", ", x.Shape)}].", nameof(x));
        using var permuted = x.Permute(0, 2, 1, 3);
        using var contiguous = permuted.Contiguous();
        return contiguous.View(x.Size(0), x.Size(2), x.Size(1) * x.Size(3));
    }

    /// <summary>
    /// Mean of the token vectors [N, T, D] over the tokens whose mask [N, T] is 1 (sentence-transformers'
    /// mean pooling: sum(h · m) / max(sum(m), 1e-9)); gives [N, D].
    /// </summary>
    public static Tensor MaskedMeanPool(Tensor hidden, Tensor attentionMask)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(attentionMask);
        using var scope = Torch.NewDisposeScope();
        var mask = attentionMask.To(hidden.Dtype).Unsqueeze(-1);
        var summed = (hidden * mask).Sum(1);
        var counts = mask.Sum(1).Clamp(min: 1e-9);
        return (summed / counts).MoveToOuterDisposeScope();
    }
}
