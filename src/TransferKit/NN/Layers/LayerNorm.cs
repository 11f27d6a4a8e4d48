using TransferKit.Engine;

namespace TransferKit.NN;

/// <summary>Layer normalisation over the trailing dimensions (<c>nn.LayerNorm</c>).</summary>
public sealed class LayerNorm : Module
{
    private readonly long[] _normalizedShape;

    /// <summary>Creates the layer: weight 1, bias 0 over <paramref name="normalizedShape"/>.</summary>
    public LayerNorm(long[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        _normalizedShape = (long[])normalizedShape.Clone();
        Eps = eps;
        RegisterParameter("weight", elementwiseAffine ? Torch.Ones(_normalizedShape, ScalarType.Float32) : null);
        RegisterParameter("bias", elementwiseAffine ? Torch.Zeros(_normalizedShape, ScalarType.Float32) : null);
    }

    /// <summary>Normalises over the last dimension of the given size.</summary>
    public LayerNorm(long normalizedSize, double eps = 1e-5) : this(new[] { normalizedSize }, eps) { }

    /// <summary>Added to the variance for numerical stability.</summary>
    public double Eps { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) =>
        Functional.LayerNorm(input, _normalizedShape, GetParameter("weight"), GetParameter("bias"), Eps);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"({string.Join(", ", _normalizedShape)},), eps={Eps}";
}
