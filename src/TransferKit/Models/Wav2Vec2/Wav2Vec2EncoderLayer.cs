using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Models;

/// <summary>
/// Multi-head self-attention (Hugging Face's <c>Wav2Vec2Attention</c>: keys <c>q_proj</c>, <c>k_proj</c>,
/// <c>v_proj</c>, <c>out_proj</c>): softmax(q kᵀ / √d + mask) v, dropout on the probabilities while training.
/// </summary>
public sealed class Wav2Vec2Attention : Module
{
    private readonly Linear _q, _k, _v, _out;
    private readonly int _heads;
    private readonly double _dropout;

    /// <summary>Creates the attention of <paramref name="config"/>.</summary>
    public Wav2Vec2Attention(Wav2Vec2Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        long h = config.HiddenSize;
        _k = RegisterModule("k_proj", new Linear(h, h));
        _v = RegisterModule("v_proj", new Linear(h, h));
        _q = RegisterModule("q_proj", new Linear(h, h));
        _out = RegisterModule("out_proj", new Linear(h, h));
        _heads = config.NumAttentionHeads;
        _dropout = config.AttentionDropout;
    }

    /// <summary>Attends over <paramref name="hidden"/> [N, T, H] with an additive mask [N, 1, 1, T] (or null).</summary>
    public Tensor Forward(Tensor hidden, Tensor? additiveMask)
    {
        using var context = Functional.SelfAttention(hidden, _q, _k, _v, _heads, additiveMask, _dropout, Training);
        return _out.Forward(context);
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Forward(input, null);
}

/// <summary>
/// The feed-forward block (<c>Wav2Vec2FeedForward</c>: keys <c>intermediate_dense</c>, <c>output_dense</c>):
/// dropout(output_dense(dropout(act(intermediate_dense(x))))).
/// </summary>
public sealed class Wav2Vec2FeedForward : Module
{
    private readonly Linear _intermediate, _output;
    private readonly Func<Tensor, Tensor> _activation;
    private readonly double _activationDropout, _hiddenDropout;

    /// <summary>Creates the block of <paramref name="config"/>.</summary>
    public Wav2Vec2FeedForward(Wav2Vec2Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _intermediate = RegisterModule("intermediate_dense", new Linear(config.HiddenSize, config.IntermediateSize));
        _output = RegisterModule("output_dense", new Linear(config.IntermediateSize, config.HiddenSize));
        _activation = HfActivations.Get(config.HiddenAct);
        _activationDropout = config.ActivationDropout;
        _hiddenDropout = config.HiddenDropout;
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        using var scope = Torch.NewDisposeScope();
        var expanded = Functional.Dropout(_activation(_intermediate.Forward(input)), _activationDropout, Training);
        return Functional.Dropout(_output.Forward(expanded), _hiddenDropout, Training).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// One transformer layer (<c>Wav2Vec2EncoderLayer</c> / <c>Wav2Vec2EncoderLayerStableLayerNorm</c>: keys
/// <c>attention</c>, <c>layer_norm</c>, <c>feed_forward</c>, <c>final_layer_norm</c>). Post-LN (base):
/// x = LN(x + drop(attn(x))); x = LN_final(x + ff(x)). Pre-LN ("stable", large):
/// x = x + drop(attn(LN(x))); x = x + ff(LN_final(x)).
/// </summary>
public sealed class Wav2Vec2EncoderLayer : Module
{
    private readonly Wav2Vec2Attention _attention;
    private readonly LayerNorm _norm, _finalNorm;
    private readonly Wav2Vec2FeedForward _feedForward;
    private readonly double _dropout;

    /// <summary>Creates the layer of <paramref name="config"/>.</summary>
    public Wav2Vec2EncoderLayer(Wav2Vec2Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _attention = RegisterModule("attention", new Wav2Vec2Attention(config));
        _norm = RegisterModule("layer_norm", new LayerNorm(config.HiddenSize, config.LayerNormEps));
        _feedForward = RegisterModule("feed_forward", new Wav2Vec2FeedForward(config));
        _finalNorm = RegisterModule("final_layer_norm", new LayerNorm(config.HiddenSize, config.LayerNormEps));
        _dropout = config.HiddenDropout;
        PreLayerNorm = config.DoStableLayerNorm;
    }

    /// <summary>True for the pre-LN ("stable layer norm") arrangement.</summary>
    public bool PreLayerNorm { get; }

    /// <summary>Transforms hidden states [N, T, H] with an additive mask [N, 1, 1, T] (or null).</summary>
    public Tensor Forward(Tensor hidden, Tensor? additiveMask)
    {
        using var scope = Torch.NewDisposeScope();
        Tensor x;
        if (PreLayerNorm)
        {
            x = hidden + Functional.Dropout(_attention.Forward(_norm.Forward(hidden), additiveMask), _dropout, Training);
            x = x + _feedForward.Forward(_finalNorm.Forward(x));
        }
        else
        {
            x = _norm.Forward(hidden + Functional.Dropout(_attention.Forward(hidden, additiveMask), _dropout, Training));
            x = _finalNorm.Forward(x + _feedForward.Forward(x));
        }
        return x.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Forward(input, null);
}
