using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Models;

/// <summary>
/// Multi-head self-attention with the query, key and value projections fused in one
/// <c>in_proj_weight</c> [3·D, D] and <c>in_proj_bias</c> [3·D], and an <c>out_proj</c> Linear:
/// the parameters of <c>nn.MultiheadAttention</c> (torchvision's ViT keys). Hugging Face's separate
/// <c>query</c>/<c>key</c>/<c>value</c> layers are the three row blocks of <c>in_proj_weight</c>
/// (see <see cref="VitKeys"/>). Attention is <see cref="Functional.ScaledDotProductAttention"/>.
/// </summary>
public sealed class VitSelfAttention : Module
{
    /// <summary>Creates the layer (torchvision's initialisation: xavier-uniform in_proj, zero biases).</summary>
    public VitSelfAttention(long hiddenDim, long numHeads, double attentionDropout = 0)
    {
        if (numHeads < 1 || hiddenDim % numHeads != 0)
            throw new ArgumentException($"hiddenDim ({hiddenDim}) must be a positive multiple of numHeads ({numHeads}).", nameof(numHeads));
        HiddenDim = hiddenDim;
        NumHeads = numHeads;
        AttentionDropout = attentionDropout;
        var weight = RegisterParameter("in_proj_weight", Torch.Empty(new[] { 3 * hiddenDim, hiddenDim }, ScalarType.Float32, requiresGrad: true))!;
        var bias = RegisterParameter("in_proj_bias", Torch.Zeros(new[] { 3 * hiddenDim }, ScalarType.Float32, requiresGrad: true))!;
        // nn.MultiheadAttention's order: out_proj is constructed (and drawn) before in_proj is reset.
        var outProj = RegisterModule("out_proj", new Linear(hiddenDim, hiddenDim));
        using (Torch.NoGrad())
        {
            Init.XavierUniform_(weight);
            Init.Zeros_(bias);
            Init.Zeros_(outProj.Bias!);
        }
    }

    /// <summary>Width of the tokens.</summary>
    public long HiddenDim { get; }

    /// <summary>Attention heads.</summary>
    public long NumHeads { get; }

    /// <summary>Dropout probability on the attention probabilities (training mode only).</summary>
    public double AttentionDropout { get; }

    /// <summary>Self-attention of tokens [N, T, D]; returns [N, T, D].</summary>
    public override Tensor Forward(Tensor input)
    {
        using var scope = Torch.NewDisposeScope();
        var qkv = Functional.Linear(input, GetParameter("in_proj_weight")!, GetParameter("in_proj_bias"));
        var q = Functional.SplitHeads(qkv.Narrow(2, 0, HiddenDim), NumHeads);
        var k = Functional.SplitHeads(qkv.Narrow(2, HiddenDim, HiddenDim), NumHeads);
        var v = Functional.SplitHeads(qkv.Narrow(2, 2 * HiddenDim, HiddenDim), NumHeads);
        var context = Functional.ScaledDotProductAttention(q, k, v, null, AttentionDropout, Training);
        return scope.MoveToOuter(GetSubmodule("out_proj").Forward(Functional.MergeHeads(context)));
    }

    /// <inheritdoc />
    protected override string ExtraRepr() => $"hidden_dim={HiddenDim}, num_heads={NumHeads}";
}

/// <summary>
/// One pre-norm encoder layer of a ViT (torchvision's <c>EncoderBlock</c>): x + Dropout(Attention(LN₁(x))),
/// then + MLP(LN₂(·)) with the MLP Linear → GELU (exact) → Dropout → Linear → Dropout
/// (<c>mlp.0</c> and <c>mlp.3</c> hold the weights).
/// </summary>
public sealed class VitEncoderLayer : Module
{
    /// <summary>Creates the layer for <paramref name="config"/>.</summary>
    public VitEncoderLayer(VitConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        RegisterModule("ln_1", new LayerNorm(config.HiddenDim, config.LayerNormEps));
        RegisterModule("self_attention", new VitSelfAttention(config.HiddenDim, config.NumHeads, config.AttentionDropout));
        RegisterModule("dropout", new Dropout(config.Dropout));
        RegisterModule("ln_2", new LayerNorm(config.HiddenDim, config.LayerNormEps));
        var fc1 = new Linear(config.HiddenDim, config.MlpDim);
        var fc2 = new Linear(config.MlpDim, config.HiddenDim);
        using (Torch.NoGrad())
            foreach (var fc in new[] { fc1, fc2 })
            {
                // torchvision's MLPBlock: xavier-uniform weights, biases N(0, 1e-6²).
                Init.XavierUniform_(fc.Weight);
                Init.Normal_(fc.Bias!, 0, 1e-6);
            }
        RegisterModule("mlp", new Sequential(fc1, new GELU(), new Dropout(config.Dropout), fc2, new Dropout(config.Dropout)));
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        using var scope = Torch.NewDisposeScope();
        var attended = GetSubmodule("dropout").Forward(GetSubmodule("self_attention").Forward(GetSubmodule("ln_1").Forward(input)));
        var x = attended + input;
        var y = GetSubmodule("mlp").Forward(GetSubmodule("ln_2").Forward(x));
        return scope.MoveToOuter(x + y);
    }
}
