using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Models;

/// <summary>
/// A grouped 1-D convolution whose weight is weight-normalised over dimension 2 (<c>weight_norm(conv, dim=2)</c>):
/// weight = weight_g · weight_v / ‖weight_v‖, the norm over dimensions 0 and 1. Keys <c>weight_g</c> [1, 1, K],
/// <c>weight_v</c> [C, C / groups, K], <c>bias</c> [C]; checkpoints that use
/// <c>parametrizations.weight.original0/1</c> are renamed by <see cref="Wav2Vec2StateDictKeys"/>.
/// </summary>
public sealed class WeightNormConv1d : Module
{
    /// <summary>Creates the convolution: v ~ N(0, <paramref name="std"/>), g = ‖v‖ (so the weight starts equal to v), bias 0.</summary>
    public WeightNormConv1d(long channels, long kernelSize, long padding, long groups, double std)
    {
        if (channels <= 0 || kernelSize <= 0 || groups <= 0 || channels % groups != 0)
            throw new ArgumentException($"WeightNormConv1d({channels}, kernel {kernelSize}, groups {groups}): channels must be positive and divisible by groups.");
        Padding = padding;
        Groups = groups;
        var v = Torch.Empty(new[] { channels, channels / groups, kernelSize });
        using (Torch.NoGrad())
        {
            Init.Normal_(v, 0, std);
        }
        using (Torch.NoGrad())
        using (var scope = Torch.NewDisposeScope())
        {
            var g = (v * v).Sum(new long[] { 0, 1 }, keepDim: true).Sqrt();
            RegisterParameter("weight_g", g.DetachFromDisposeScope());
        }
        RegisterParameter("weight_v", v);
        RegisterParameter("bias", Torch.Zeros(new[] { channels }, ScalarType.Float32));
    }

    /// <summary>Zero padding on each side.</summary>
    public long Padding { get; }

    /// <summary>Channel groups.</summary>
    public long Groups { get; }

    /// <summary>The effective weight g · v / ‖v‖ (a new tensor in the autograd graph).</summary>
    public Tensor Weight() => Functional.WeightNorm(GetParameter("weight_v")!, GetParameter("weight_g")!, 2);

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        using var weight = Weight();
        return Functional.Conv1d(input, weight, GetParameter("bias"), padding: Padding, groups: Groups);
    }
}

/// <summary>
/// wav2vec2's relative positional information (<c>Wav2Vec2PositionalConvEmbedding</c>: key <c>conv</c>):
/// hidden [N, T, H] → gelu(conv(hidden)) [N, T, H], the convolution padded by K/2 and, for an even kernel,
/// its last frame removed (<c>Wav2Vec2SamePadLayer</c>).
/// </summary>
public sealed class Wav2Vec2PositionalConvEmbedding : Module
{
    private readonly WeightNormConv1d _conv;
    private readonly long _kernel;

    /// <summary>Creates the embedding of <paramref name="config"/> with Hugging Face's initialisation.</summary>
    public Wav2Vec2PositionalConvEmbedding(Wav2Vec2Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _kernel = config.NumConvPosEmbeddings;
        long groups = config.NumConvPosEmbeddingGroups;
        double std = 2 * Math.Sqrt(1.0 / (_kernel * config.HiddenSize / groups));
        _conv = RegisterModule("conv", new WeightNormConv1d(config.HiddenSize, _kernel, _kernel / 2, groups, std));
    }

    /// <summary>The convolution (<c>conv</c>).</summary>
    public WeightNormConv1d Conv => _conv;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        using var scope = Torch.NewDisposeScope();
        var x = _conv.Forward(input.Transpose(1, 2));
        if (_kernel % 2 == 0) x = x.Narrow(2, 0, x.Size(2) - 1);
        return Functional.Gelu(x).Transpose(1, 2).MoveToOuterDisposeScope();
    }
}
