using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Models;

/// <summary>
/// Word + position + segment embeddings, LayerNorm and dropout (Hugging Face's <c>BertEmbeddings</c>;
/// keys <c>word_embeddings</c>, <c>position_embeddings</c>, <c>token_type_embeddings</c>, <c>LayerNorm</c>).
/// </summary>
public sealed class BertEmbeddings : Module
{
    private readonly Embedding _word, _position, _tokenType;
    private readonly LayerNorm _norm;
    private readonly double _dropout;

    /// <summary>Creates the embeddings of <paramref name="config"/>.</summary>
    public BertEmbeddings(BertConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _word = RegisterModule("word_embeddings", new Embedding(config.VocabSize, config.HiddenSize, config.PadTokenId));
        _position = RegisterModule("position_embeddings", new Embedding(config.MaxPositionEmbeddings, config.HiddenSize));
        _tokenType = RegisterModule("token_type_embeddings", new Embedding(config.TypeVocabSize, config.HiddenSize));
        _norm = RegisterModule("LayerNorm", new LayerNorm(config.HiddenSize, config.LayerNormEps));
        _dropout = config.HiddenDropoutProb;
    }

    /// <summary>Embeds token ids [N, T]; positions are 0..T-1; segments default to 0.</summary>
    public Tensor Forward(Tensor inputIds, Tensor? tokenTypeIds)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        long length = inputIds.Size(1);
        if (length > _position.NumEmbeddings)
            throw new ArgumentException($"The sequence has {length} tokens; this model takes at most {_position.NumEmbeddings} (max_position_embeddings).", nameof(inputIds));
        using var scope = Torch.NewDisposeScope();
        var positions = Torch.Arange(0, length, 1, ScalarType.Int64, inputIds.Device).Unsqueeze(0);
        var types = tokenTypeIds ?? Torch.Zeros(inputIds.Shape, ScalarType.Int64, inputIds.Device);
        var sum = _word.Forward(inputIds);
        sum.Add_(_tokenType.Forward(types));
        sum.Add_(_position.Forward(positions));
        var normed = _norm.Forward(sum);
        return scope.MoveToOuter(Functional.Dropout(normed, _dropout, Training));
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Forward(input, null);
}

/// <summary>
/// Multi-head self-attention with separate query/key/value projections (Hugging Face's
/// <c>BertSelfAttention</c>: keys <c>query</c>, <c>key</c>, <c>value</c>).
/// </summary>
public sealed class BertSelfAttention : Module
{
    private readonly Linear _query, _key, _value;
    private readonly long _heads;
    private readonly double _dropout;

    /// <summary>Creates the attention of <paramref name="config"/>.</summary>
    public BertSelfAttention(BertConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _query = RegisterModule("query", new Linear(config.HiddenSize, config.HiddenSize));
        _key = RegisterModule("key", new Linear(config.HiddenSize, config.HiddenSize));
        _value = RegisterModule("value", new Linear(config.HiddenSize, config.HiddenSize));
        _heads = config.NumAttentionHeads;
        _dropout = config.AttentionProbsDropoutProb;
    }

    /// <summary>Number of attention heads.</summary>
    public long NumAttentionHeads => _heads;

    /// <summary>Attends over hidden states [N, T, H] with an additive mask [N, 1, 1, T] (or null).</summary>
    public Tensor Forward(Tensor hidden, Tensor? additiveMask)
    {
        return Functional.SelfAttention(hidden, _query, _key, _value, _heads, additiveMask, _dropout, Training);
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Forward(input, null);
}

/// <summary>
/// dense → dropout → LayerNorm(x + residual): the output of BERT's attention (<c>BertSelfOutput</c>)
/// and feed-forward (<c>BertOutput</c>) blocks; keys <c>dense</c>, <c>LayerNorm</c>.
/// </summary>
public sealed class BertResidualOutput : Module
{
    private readonly Linear _dense;
    private readonly LayerNorm _norm;
    private readonly double _dropout;

    /// <summary>Creates the block projecting <paramref name="inFeatures"/> to the hidden size.</summary>
    public BertResidualOutput(BertConfig config, long inFeatures)
    {
        ArgumentNullException.ThrowIfNull(config);
        _dense = RegisterModule("dense", new Linear(inFeatures, config.HiddenSize));
        _norm = RegisterModule("LayerNorm", new LayerNorm(config.HiddenSize, config.LayerNormEps));
        _dropout = config.HiddenDropoutProb;
    }

    /// <summary>LayerNorm(dropout(dense(x)) + residual).</summary>
    public Tensor Forward(Tensor input, Tensor residual)
    {
        using var scope = Torch.NewDisposeScope();
        var projected = Functional.Dropout(_dense.Forward(input), _dropout, Training);
        projected.Add_(residual);
        return scope.MoveToOuter(_norm.Forward(projected));
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) =>
        throw new InvalidOperationException("BertResidualOutput needs the residual: call Forward(input, residual).");
}

/// <summary>Self-attention and its output block (<c>BertAttention</c>: keys <c>self</c>, <c>output</c>).</summary>
public sealed class BertAttention : Module
{
    private readonly BertSelfAttention _self;
    private readonly BertResidualOutput _output;

    /// <summary>Creates the block of <paramref name="config"/>.</summary>
    public BertAttention(BertConfig config)
    {
        _self = RegisterModule("self", new BertSelfAttention(config));
        _output = RegisterModule("output", new BertResidualOutput(config, config.HiddenSize));
    }

    /// <summary>Attention over <paramref name="hidden"/> with the residual connection.</summary>
    public Tensor Forward(Tensor hidden, Tensor? additiveMask)
    {
        using var context = _self.Forward(hidden, additiveMask);
        return _output.Forward(context, hidden);
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Forward(input, null);
}

/// <summary>The feed-forward expansion dense → activation (<c>BertIntermediate</c>: key <c>dense</c>).</summary>
public sealed class BertIntermediate : Module
{
    private readonly Linear _dense;
    private readonly Func<Tensor, Tensor> _activation;

    /// <summary>Creates the block of <paramref name="config"/>.</summary>
    public BertIntermediate(BertConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _dense = RegisterModule("dense", new Linear(config.HiddenSize, config.IntermediateSize));
        Activation = config.HiddenAct;
        _activation = HfActivations.Get(config.HiddenAct);
    }

    /// <summary>The activation's Hugging Face name (<c>hidden_act</c>).</summary>
    public string Activation { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        using var projected = _dense.Forward(input);
        return _activation(projected);
    }
}

/// <summary>One transformer layer (<c>BertLayer</c>: keys <c>attention</c>, <c>intermediate</c>, <c>output</c>).</summary>
public sealed class BertLayer : Module
{
    private readonly BertAttention _attention;
    private readonly BertIntermediate _intermediate;
    private readonly BertResidualOutput _output;

    /// <summary>Creates the layer of <paramref name="config"/>.</summary>
    public BertLayer(BertConfig config)
    {
        _attention = RegisterModule("attention", new BertAttention(config));
        _intermediate = RegisterModule("intermediate", new BertIntermediate(config));
        _output = RegisterModule("output", new BertResidualOutput(config, config.IntermediateSize));
    }

    /// <summary>Transforms hidden states [N, T, H] with an additive mask [N, 1, 1, T] (or null).</summary>
    public Tensor Forward(Tensor hidden, Tensor? additiveMask)
    {
        using var attended = _attention.Forward(hidden, additiveMask);
        using var expanded = _intermediate.Forward(attended);
        return _output.Forward(expanded, attended);
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Forward(input, null);
}

/// <summary>tanh(dense(first token)) (<c>BertPooler</c>: key <c>dense</c>).</summary>
public sealed class BertPooler : Module
{
    private readonly Linear _dense;

    /// <summary>Creates the pooler of <paramref name="config"/>.</summary>
    public BertPooler(BertConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _dense = RegisterModule("dense", new Linear(config.HiddenSize, config.HiddenSize));
    }

    /// <summary>Pools hidden states [N, T, H] into [N, H] from the first ([CLS]) token.</summary>
    public override Tensor Forward(Tensor input)
    {
        using var first = input.Select(1, 0);
        using var projected = _dense.Forward(first);
        return projected.Tanh();
    }
}
