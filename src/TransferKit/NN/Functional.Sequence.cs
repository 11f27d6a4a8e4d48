using TransferKit.Engine;

namespace TransferKit.NN;

// Functions over sequences of feature vectors [N, C, T]: 1-D convolution, group normalisation and weight normalisation.
public static partial class Functional
{
    /// <summary>
    /// 1-D convolution (<c>F.conv1d</c>) of <paramref name="input"/> [N, C_in, T] with
    /// <paramref name="weight"/> [C_out, C_in / groups, K]: computed as a 2-D convolution over
    /// [N, C_in, 1, T], so its gradients are those of <c>conv2d</c>.
    /// </summary>
    public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long dilation = 1, long groups = 1)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (input.NDim != 3) throw new ArgumentException($"conv1d expects [batch, channels, time]; got [{string.Join(", ", input.Shape)}].", nameof(input));
        if (weight.NDim != 3) throw new ArgumentException($"conv1d expects a weight [out, in/groups, kernel]; got [{string.Join(", ", weight.Shape)}].", nameof(weight));
        using var input4 = input.Unsqueeze(2);
        using var weight4 = weight.Unsqueeze(2);
        using var output = Conv2d(input4, weight4, bias, (1, stride), (0, padding), (1, dilation), groups);
        return output.Squeeze(2);
    }

    /// <summary>
    /// Group normalisation (<c>F.group_norm</c>) of <paramref name="input"/> [N, C, *]: the channels are
    /// split into <paramref name="groups"/> groups, each normalised over its channels and positions
    /// (biased variance), then scaled by <paramref name="weight"/> [C] and shifted by <paramref name="bias"/> [C].
    /// </summary>
    public static Tensor GroupNorm(Tensor input, long groups, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.NDim < 2) throw new ArgumentException($"group_norm expects [batch, channels, ...]; got [{string.Join(", ", input.Shape)}].", nameof(input));
        long channels = input.Size(1);
        if (groups <= 0 || channels % groups != 0)
            throw new ArgumentException($"group_norm: {groups} groups must be positive and divide {channels} channels.", nameof(groups));
        using var scope = Torch.NewDisposeScope();
        long batch = input.Size(0);
        long perGroup = input.Numel / (batch * groups);
        var grouped = input.Reshape(batch, groups, perGroup);
        var normalised = LayerNorm(grouped, new[] { perGroup }, null, null, eps).Reshape(input.Shape);
        var affineShape = new long[input.NDim];
        Array.Fill(affineShape, 1L);
        affineShape[1] = channels;
        if (weight is not null) normalised = normalised * weight.View(affineShape);
        if (bias is not null) normalised = normalised + bias.View(affineShape);
        return normalised.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The weight of weight normalisation (<c>torch._weight_norm</c>): g · v / ‖v‖, where the norm is
    /// taken over every dimension of <paramref name="v"/> except <paramref name="dim"/> and
    /// <paramref name="g"/> has v's shape with 1 everywhere but <paramref name="dim"/>.
    /// </summary>
    public static Tensor WeightNorm(Tensor v, Tensor g, long dim)
    {
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(g);
        if (dim < 0) dim += v.NDim;
        if (dim < 0 || dim >= v.NDim) throw new ArgumentOutOfRangeException(nameof(dim), dim, $"v has {v.NDim} dimensions");
        using var scope = Torch.NewDisposeScope();
        var others = Enumerable.Range(0, (int)v.NDim).Where(d => d != dim).Select(d => (long)d).ToArray();
        var norm = (v * v).Sum(others, keepDim: true).Sqrt();
        return (v * (g / norm)).MoveToOuterDisposeScope();
    }
}
