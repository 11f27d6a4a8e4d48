using TransferKit.Engine;

namespace TransferKit.NN;

/// <summary>Group normalisation (<c>nn.GroupNorm</c>) over [N, C, *]; weight 1 and bias 0 [C] when affine.</summary>
public sealed class GroupNorm : Module
{
    /// <summary>Creates the layer normalising <paramref name="numChannels"/> channels in <paramref name="numGroups"/> groups.</summary>
    public GroupNorm(long numGroups, long numChannels, double eps = 1e-5, bool affine = true)
    {
        if (numGroups <= 0 || numChannels <= 0 || numChannels % numGroups != 0)
            throw new ArgumentException($"GroupNorm({numGroups}, {numChannels}): groups must be positive and divide the channels.");
        NumGroups = numGroups;
        NumChannels = numChannels;
        Eps = eps;
        RegisterParameter("weight", affine ? Torch.Ones(new[] { numChannels }, ScalarType.Float32) : null);
        RegisterParameter("bias", affine ? Torch.Zeros(new[] { numChannels }, ScalarType.Float32) : null);
    }

    /// <summary>Number of groups.</summary>
    public long NumGroups { get; }
    /// <summary>Number of channels.</summary>
    public long NumChannels { get; }
    /// <summary>Added to the variance for numerical stability.</summary>
    public double Eps { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.GroupNorm(input, NumGroups, GetParameter("weight"), GetParameter("bias"), Eps);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"{NumGroups}, {NumChannels}, eps={Eps}";
}
