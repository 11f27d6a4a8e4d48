using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Models;

/// <summary>How a feature-encoder convolution is normalised.</summary>
public enum Wav2Vec2ConvNorm
{
    /// <summary>No normalisation (every layer but the first of a "group" model).</summary>
    None,

    /// <summary>GroupNorm with one group per channel, over time (the first layer of a "group" model).</summary>
    Group,

    /// <summary>LayerNorm over the channels of each frame (every layer of a "layer" model).</summary>
    Layer,
}

/// <summary>
/// One feature-encoder layer: conv (1-D, no padding) → optional norm → activation (Hugging Face's
/// <c>Wav2Vec2{NoLayerNorm,GroupNorm,LayerNorm}ConvLayer</c>; keys <c>conv.weight</c>, <c>conv.bias</c>
/// when the config has biases, <c>layer_norm.weight</c>/<c>bias</c> when normalised).
/// </summary>
public sealed class Wav2Vec2ConvLayer : Module
{
    private readonly Conv1d _conv;
    private readonly Module? _norm;
    private readonly Func<Tensor, Tensor> _activation;

    /// <summary>Creates layer <paramref name="index"/> of <paramref name="config"/>'s feature encoder.</summary>
    public Wav2Vec2ConvLayer(Wav2Vec2Config config, int index)
    {
        ArgumentNullException.ThrowIfNull(config);
        long inChannels = index == 0 ? 1 : config.ConvDim[index - 1];
        long outChannels = config.ConvDim[index];
        _conv = RegisterModule("conv", new Conv1d(inChannels, outChannels, config.ConvKernel[index], config.ConvStride[index], bias: config.ConvBias));
        Norm = config.FeatExtractNorm == "layer" ? Wav2Vec2ConvNorm.Layer : index == 0 ? Wav2Vec2ConvNorm.Group : Wav2Vec2ConvNorm.None;
        _norm = Norm switch
        {
            Wav2Vec2ConvNorm.Group => RegisterModule("layer_norm", new GroupNorm(outChannels, outChannels)),
            Wav2Vec2ConvNorm.Layer => RegisterModule<Module>("layer_norm", new LayerNorm(outChannels)),
            _ => null,
        };
        _activation = HfActivations.Get(config.FeatExtractActivation);
    }

    /// <summary>The normalisation after the convolution.</summary>
    public Wav2Vec2ConvNorm Norm { get; }

    /// <summary>The convolution (<c>conv</c>).</summary>
    public Conv1d Conv => _conv;

    /// <summary>[N, C_in, T] → [N, C_out, T'].</summary>
    public override Tensor Forward(Tensor input)
    {
        using var scope = Torch.NewDisposeScope();
        var x = _conv.Forward(input);
        if (Norm == Wav2Vec2ConvNorm.Group) x = _norm!.Forward(x);
        else if (Norm == Wav2Vec2ConvNorm.Layer) x = _norm!.Forward(x.Transpose(1, 2)).Transpose(1, 2);
        return _activation(x).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The convolutional feature encoder (Hugging Face's <c>Wav2Vec2FeatureEncoder</c>, key
/// <c>conv_layers.N</c>): raw waveforms [N, L] → feature frames [N, C, T].
/// </summary>
public sealed class Wav2Vec2FeatureEncoder : Module
{
    private readonly ModuleList _layers;

    /// <summary>Creates the encoder of <paramref name="config"/>.</summary>
    public Wav2Vec2FeatureEncoder(Wav2Vec2Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _layers = RegisterModule("conv_layers", new ModuleList());
        for (int k = 0; k < config.ConvDim.Count; k++) _layers.Add(new Wav2Vec2ConvLayer(config, k));
    }

    /// <summary>The convolution layers.</summary>
    public IReadOnlyList<Module> Layers => _layers;

    /// <summary>Waveforms [N, L] → features [N, C, T].</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.NDim != 2) throw new ArgumentException($"input_values must be [batch, samples]; got [{string.Join(", ", input.Shape)}].", nameof(input));
        var hidden = input.Unsqueeze(1);
        foreach (var layer in _layers)
        {
            var next = layer.Forward(hidden);
            hidden.Dispose();
            hidden = next;
        }
        return hidden;
    }

    /// <summary>Waveforms [N, L] → feature frames [N, T, C] (a transposed view; what the feature projection reads).</summary>
    public Tensor ForwardFrames(Tensor input)
    {
        using var features = Forward(input);
        return features.Transpose(1, 2);
    }
}
