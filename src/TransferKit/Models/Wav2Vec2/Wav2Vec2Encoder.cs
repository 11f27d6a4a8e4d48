using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Models;

/// <summary>
/// The transformer encoder (<c>Wav2Vec2Encoder</c> / <c>Wav2Vec2EncoderStableLayerNorm</c>: keys
/// <c>pos_conv_embed</c>, <c>layer_norm</c>, <c>layers.N</c>). Padded frames are zeroed and masked out of
/// attention; the positional convolution is added; then LayerNorm (post-LN, base) and dropout, the layers
/// (each skipped with probability <c>layerdrop</c> while training), and a final LayerNorm (pre-LN, "stable").
/// </summary>
public sealed class Wav2Vec2Encoder : Module
{
    private readonly Wav2Vec2PositionalConvEmbedding _posConv;
    private readonly LayerNorm _norm;
    private readonly ModuleList _layers;
    private readonly bool _stable;
    private readonly double _dropout, _layerDrop;

    /// <summary>Creates the encoder of <paramref name="config"/>.</summary>
    public Wav2Vec2Encoder(Wav2Vec2Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _posConv = RegisterModule("pos_conv_embed", new Wav2Vec2PositionalConvEmbedding(config));
        _norm = RegisterModule("layer_norm", new LayerNorm(config.HiddenSize, config.LayerNormEps));
        _layers = RegisterModule("layers", new ModuleList());
        for (int k = 0; k < config.NumHiddenLayers; k++) _layers.Add(new Wav2Vec2EncoderLayer(config));
        _stable = config.DoStableLayerNorm;
        _dropout = config.HiddenDropout;
        _layerDrop = config.LayerDrop;
    }

    /// <summary>The transformer layers (<c>layers.N</c>).</summary>
    public IReadOnlyList<Module> Layers => _layers;

    /// <summary>Encodes projected features [N, T, H]; <paramref name="frameMask"/> [N, T] is 1 for real frames, 0 for padding (or null).</summary>
    public Tensor Forward(Tensor hidden, Tensor? frameMask)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        using var scope = Torch.NewDisposeScope();
        Tensor? additive = null;
        var x = hidden;
        if (frameMask is not null)
        {
            x = x * frameMask.To(x.Dtype).Unsqueeze(-1);
            additive = Functional.ExtendedAttentionMask(frameMask, x.Dtype);
        }
        x = x + _posConv.Forward(x);
        if (!_stable) x = _norm.Forward(x);
        x = Functional.Dropout(x, _dropout, Training);
        foreach (var layer in _layers)
        {
            if (Training && _layerDrop > 0 && SkipLayer()) continue;
            x = ((Wav2Vec2EncoderLayer)layer).Forward(x, additive);
        }
        if (_stable) x = _norm.Forward(x);
        return x.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <summary>LayerDrop: true with probability <c>layerdrop</c>, drawn from libtorch's generator (so Torch.ManualSeed repeats it).</summary>
    private bool SkipLayer()
    {
        using var draw = Torch.Rand(1);
        return draw.Item<float>() < _layerDrop;
    }
}
