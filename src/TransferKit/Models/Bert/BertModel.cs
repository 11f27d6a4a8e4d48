using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Models;

/// <summary>The outputs of <see cref="BertModel.Run(Tensor, Tensor, Tensor)"/>; disposing frees both tensors.</summary>
/// <param name="LastHiddenState">Token vectors of the last layer [N, T, H].</param>
/// <param name="PoolerOutput">tanh(dense([CLS] vector)) [N, H], or null for a model without pooler.</param>
public sealed record BertModelOutput(Tensor LastHiddenState, Tensor? PoolerOutput) : IDisposable
{
    /// <summary>Frees both tensors.</summary>
    public void Dispose()
    {
        LastHiddenState.Dispose();
        PoolerOutput?.Dispose();
    }
}

/// <summary>
/// A BERT encoder with Hugging Face's <c>BertModel</c> state-dict keys (<c>embeddings.*</c>,
/// <c>encoder.layer.N.attention.self.query.weight</c>, …, <c>pooler.dense.*</c>), so that
/// <c>pytorch_model.bin</c> / <c>model.safetensors</c> files load by name. It reads
/// <see cref="ModelInputs.InputIds"/>, <see cref="ModelInputs.AttentionMask"/> (optional, 1 = token,
/// 0 = padding, turned into the additive mask (1 - mask) · min) and
/// <see cref="ModelInputs.TokenTypeIds"/> (optional, zeros by default).
/// </summary>
public sealed class BertModel : Module
{
    private readonly BertEmbeddings _embeddings;
    private readonly ModuleList _layers;
    private readonly BertPooler? _pooler;

    /// <summary>Creates the encoder with Hugging Face's initialisation (see <see cref="InitWeights"/>).</summary>
    /// <param name="config">The architecture (validated).</param>
    /// <param name="addPoolingLayer">Whether to build the pooler (<c>pooler.dense</c>).</param>
    public BertModel(BertConfig config, bool addPoolingLayer = true)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        _embeddings = RegisterModule("embeddings", new BertEmbeddings(config));
        var encoder = RegisterModule("encoder", new BertEncoder());
        _layers = encoder.Layers;
        for (int k = 0; k < config.NumHiddenLayers; k++) _layers.Add(new BertLayer(config));
        if (addPoolingLayer) _pooler = RegisterModule("pooler", new BertPooler(config));
        InitWeights(this, config.InitializerRange);
    }

    /// <summary>The architecture.</summary>
    public BertConfig Config { get; }

    /// <summary>True when the model has a pooler.</summary>
    public bool HasPooler => _pooler is not null;

    /// <summary>The transformer layers (<c>encoder.layer.N</c>), e.g. for layer-wise learning rates.</summary>
    public IReadOnlyList<Module> Layers => _layers;

    /// <summary>
    /// Hugging Face's <c>_init_weights</c> on every Linear and Embedding below <paramref name="module"/>:
    /// weights from N(0, <paramref name="std"/>), biases and padding rows zero; LayerNorms weight 1, bias 0.
    /// </summary>
    public static void InitWeights(Module module, double std)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var noGrad = Torch.NoGrad();
        foreach (var (_, m) in module.NamedModules())
        {
            switch (m)
            {
                case Linear linear:
                    Init.Normal_(linear.Weight, 0, std);
                    if (linear.Bias is { } bias) bias.Zero_();
                    break;
                case Embedding embedding:
                    Init.Normal_(embedding.Weight, 0, std);
                    if (embedding.PaddingIdx is { } p)
                    {
                        using var row = embedding.Weight.Select(0, p);
                        row.Zero_();
                    }
                    break;
                case LayerNorm norm:
                    foreach (var (name, t) in norm.NamedParameters(recurse: false))
                        if (name == "weight") t.Fill_(1); else t.Zero_();
                    break;
            }
        }
    }

    /// <summary>Runs the encoder.</summary>
    /// <param name="inputIds">Token ids [N, T] (int64).</param>
    /// <param name="attentionMask">1 for tokens, 0 for padding [N, T], or null (attend everywhere).</param>
    /// <param name="tokenTypeIds">Segment ids [N, T], or null (all 0).</param>
    public BertModelOutput Run(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        if (inputIds.NDim != 2) throw new ArgumentException($"input_ids must be [batch, tokens]; got [{string.Join(", ", inputIds.Shape)}].", nameof(inputIds));
        using var scope = Torch.NewDisposeScope();
        var additive = attentionMask is null ? null : Functional.ExtendedAttentionMask(attentionMask, ScalarType.Float32);
        var hidden = _embeddings.Forward(inputIds, tokenTypeIds);
        foreach (var layer in _layers)
        {
            var next = ((BertLayer)layer).Forward(hidden, additive);
            hidden.Dispose();
            hidden = next;
        }
        var pooled = _pooler?.Forward(hidden);
        scope.MoveToOuter(hidden);
        if (pooled is not null) scope.MoveToOuter(pooled);
        return new BertModelOutput(hidden, pooled);
    }

    /// <summary>Runs the encoder on a batch's named inputs.</summary>
    public BertModelOutput Run(ModelInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        inputs.TryGetValue(ModelInputs.AttentionMask, out var mask);
        inputs.TryGetValue(ModelInputs.TokenTypeIds, out var types);
        return Run(inputs[ModelInputs.InputIds], mask, types);
    }

    /// <summary>The last hidden state [N, T, H] of token ids [N, T] (no mask, segment 0).</summary>
    public override Tensor Forward(Tensor input)
    {
        var output = Run(input);
        output.PoolerOutput?.Dispose();
        return output.LastHiddenState;
    }

    /// <summary>The last hidden state [N, T, H] of a batch.</summary>
    public override Tensor Forward(ModelInputs inputs)
    {
        var output = Run(inputs);
        output.PoolerOutput?.Dispose();
        return output.LastHiddenState;
    }

    private sealed class BertEncoder : Module
    {
        public BertEncoder() => Layers = RegisterModule("layer", new ModuleList());

        public ModuleList Layers { get; }

        public override Tensor Forward(Tensor input) =>
            throw new InvalidOperationException("The encoder is run by BertModel.");
    }
}
