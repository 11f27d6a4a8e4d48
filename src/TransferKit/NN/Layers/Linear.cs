using TransferKit.Engine;

namespace TransferKit.NN;

/// <summary>Fully connected layer y = x Wᵀ + b (<c>nn.Linear</c>); weight [out, in], bias [out].</summary>
public sealed class Linear : Module
{
    /// <summary>Creates the layer with PyTorch's default initialisation (U(±1/√in) for weight and bias).</summary>
    public Linear(long inFeatures, long outFeatures, bool bias = true)
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentOutOfRangeException(nameof(inFeatures), $"Linear({inFeatures}, {outFeatures}): sizes must be positive.");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        RegisterParameter("weight", Torch.Empty(new[] { outFeatures, inFeatures }));
        RegisterParameter("bias", bias ? Torch.Empty(new[] { outFeatures }) : null);
        ResetParameters();
    }

    /// <summary>Input features.</summary>
    public long InFeatures { get; }

    /// <summary>Output features.</summary>
    public long OutFeatures { get; }

    /// <summary>The weight [out, in].</summary>
    public Tensor Weight => GetParameter("weight")!;

    /// <summary>The bias [out], or null.</summary>
    public Tensor? Bias => GetParameter("bias");

    /// <summary>Re-draws the parameters as PyTorch does: kaiming_uniform_(a=√5) and U(±1/√fan_in).</summary>
    public void ResetParameters()
    {
        Init.KaimingUniform_(Weight, a: Math.Sqrt(5));
        if (Bias is { } b)
        {
            double bound = 1 / Math.Sqrt(InFeatures);
            Init.Uniform_(b, -bound, bound);
        }
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.Linear(input, Weight, Bias);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"in_features={InFeatures}, out_features={OutFeatures}, bias={Bias is not null}";
}
