using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Models;

/// <summary>The outputs of <see cref="Wav2Vec2Model.Run(Tensor, Tensor)"/>; disposing frees the tensors.</summary>
/// <param name="LastHiddenState">Frame vectors of the last layer [N, T, H].</param>
/// <param name="FrameMask">1 for the frames computed from real samples, 0 for padding [N, T] (float32), or null when no lengths were given.</param>
public sealed record Wav2Vec2ModelOutput(Tensor LastHiddenState, Tensor? FrameMask) : IDisposable
{
    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        LastHiddenState.Dispose();
        FrameMask?.Dispose();
    }
}

/// <summary>
/// wav2vec 2.0 with Hugging Face's <c>Wav2Vec2Model</c> state-dict keys (<c>feature_extractor.conv_layers.N.conv.weight</c>,
/// <c>feature_projection.layer_norm</c> / <c>projection</c>, <c>encoder.pos_conv_embed.conv.weight_g</c> / <c>weight_v</c>,
/// <c>encoder.layer_norm</c>, <c>encoder.layers.N.attention.q_proj</c>, …): raw 16 kHz waveforms [N, L] → frame vectors
/// [N, T, H], one frame per <see cref="Wav2Vec2Config.SamplesPerFrame"/> samples. Padded batches give each clip's
/// length in samples (<see cref="ModelInputs.Lengths"/>, or an <see cref="ModelInputs.AttentionMask"/> [N, L] of 1/0
/// whose row sums are the lengths, as Hugging Face); the frames' lengths follow from the convolutions. SpecAugment
/// masking with <c>masked_spec_embed</c> is not implemented (that key is accepted and dropped when loading).
/// </summary>
public sealed class Wav2Vec2Model : Module
{
    private readonly Wav2Vec2FeatureEncoder _features;
    private readonly LayerNorm _projectionNorm;
    private readonly Linear _projection;
    private readonly Wav2Vec2Encoder _encoder;

    /// <summary>Creates the model with Hugging Face's initialisation (see <see cref="InitWeights"/>).</summary>
    public Wav2Vec2Model(Wav2Vec2Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        _features = RegisterModule("feature_extractor", new Wav2Vec2FeatureEncoder(config));
        var projection = RegisterModule("feature_projection", new FeatureProjection(config));
        _projectionNorm = projection.Norm;
        _projection = projection.Projection;
        _encoder = RegisterModule("encoder", new Wav2Vec2Encoder(config));
        InitWeights(this, config.InitializerRange);
    }

    /// <summary>The architecture.</summary>
    public Wav2Vec2Config Config { get; }

    /// <summary>The convolutional feature encoder (<c>feature_extractor</c>).</summary>
    public Wav2Vec2FeatureEncoder FeatureExtractor => _features;

    /// <summary>The transformer (<c>encoder</c>).</summary>
    public Wav2Vec2Encoder Encoder => _encoder;

    /// <summary>Stops training the feature encoder (Hugging Face's <c>freeze_feature_encoder</c>): its parameters stop requiring gradients.</summary>
    public void FreezeFeatureEncoder() => _features.RequiresGrad_(false);

    /// <summary>
    /// Hugging Face's <c>_init_weights</c> below <paramref name="module"/>: Linear weights N(0, <paramref name="std"/>) and
    /// zero biases (the feature projection U(±1/√in) instead), LayerNorm/GroupNorm weight 1 and bias 0, feature-encoder
    /// convolutions kaiming_normal_ (biases U(±√(groups / (in · k)))); the positional convolution keeps its own initialisation.
    /// </summary>
    public static void InitWeights(Module module, double std)
    {
        ArgumentNullException.ThrowIfNull(module);
        BertModel.InitWeights(module, std);  // Linear N(0, std) with zero bias, LayerNorm 1 and 0: the same rule
        using var noGrad = Torch.NoGrad();
        foreach (var (_, m) in module.NamedModules())
        {
            switch (m)
            {
                case GroupNorm norm:
                    foreach (var (name, t) in norm.NamedParameters(recurse: false))
                        if (name == "weight") t.Fill_(1); else t.Zero_();
                    break;
                case Conv1d conv:
                    Init.KaimingNormal_(conv.Weight);
                    if (conv.Bias is { } cb)
                    {
                        double k = Math.Sqrt((double)conv.Groups / (conv.InChannels * conv.KernelSize));
                        Init.Uniform_(cb, -k, k);
                    }
                    break;
            }
        }
        foreach (var (_, m) in module.NamedModules())
        {
            if (m is not FeatureProjection { Projection: var projection }) continue;
            double bound = Math.Sqrt(1.0 / projection.InFeatures);
            Init.Uniform_(projection.Weight, -bound, bound);
            if (projection.Bias is { } bias) Init.Uniform_(bias, -bound, bound);
        }
    }

    /// <summary>Runs the model on waveforms [N, L] with each clip's length in samples [N] (int64), or null (no padding).</summary>
    public Wav2Vec2ModelOutput Run(Tensor inputValues, Tensor? lengths = null)
    {
        ArgumentNullException.ThrowIfNull(inputValues);
        using var scope = Torch.NewDisposeScope();
        var features = _features.ForwardFrames(inputValues);
        var frameMask = lengths is null ? null : FrameMask(lengths, features.Size(1), inputValues.Device);
        var projected = Functional.Dropout(_projection.Forward(_projectionNorm.Forward(features)), Config.FeatProjDropout, Training);
        var hidden = _encoder.Forward(projected, frameMask);
        scope.MoveToOuter(hidden);
        if (frameMask is not null) scope.MoveToOuter(frameMask);
        return new Wav2Vec2ModelOutput(hidden, frameMask);
    }

    /// <summary>Runs the model on a batch: <see cref="ModelInputs.InputValues"/> and optionally <see cref="ModelInputs.Lengths"/> or <see cref="ModelInputs.AttentionMask"/>.</summary>
    public Wav2Vec2ModelOutput Run(ModelInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var values = inputs[ModelInputs.InputValues];
        if (inputs.TryGetValue(ModelInputs.Lengths, out var lengths)) return Run(values, lengths);
        if (!inputs.TryGetValue(ModelInputs.AttentionMask, out var mask)) return Run(values);
        using var summed = mask.Sum(1);
        return Run(values, summed);
    }

    /// <summary>The frames' mask [N, T] (float32, 1 = real) of clips of <paramref name="lengths"/> samples.</summary>
    public Tensor FrameMask(Tensor lengths, long frames, Device device)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        using var cpu = lengths.To(ScalarType.Int64).To(Device.Cpu);
        long[] samples = cpu.ToArray<long>();
        var mask = new float[samples.Length * frames];
        for (int n = 0; n < samples.Length; n++)
        {
            long valid = Math.Min(Config.FrameCount(samples[n]), frames);
            for (long t = 0; t < valid; t++) mask[n * frames + t] = 1;
        }
        using var host = Torch.FromArray(mask, new long[] { samples.Length, frames });
        return host.To(device);
    }

    /// <summary>The last hidden state [N, T, H] of unpadded waveforms [N, L].</summary>
    public override Tensor Forward(Tensor input) => LastHiddenState(Run(input));

    /// <summary>The last hidden state [N, T, H] of a batch.</summary>
    public override Tensor Forward(ModelInputs inputs) => LastHiddenState(Run(inputs));

    private static Tensor LastHiddenState(Wav2Vec2ModelOutput output)
    {
        output.FrameMask?.Dispose();
        return output.LastHiddenState;
    }

    /// <summary>LayerNorm over the last convolution's channels, then a linear map to the hidden size (<c>Wav2Vec2FeatureProjection</c>).</summary>
    private sealed class FeatureProjection : Module
    {
        public FeatureProjection(Wav2Vec2Config config)
        {
            long channels = config.ConvDim[^1];
            Norm = RegisterModule("layer_norm", new LayerNorm(channels, config.LayerNormEps));
            Projection = RegisterModule("projection", new Linear(channels, config.HiddenSize));
        }

        public LayerNorm Norm { get; }

        public Linear Projection { get; }

        public override Tensor Forward(Tensor input) =>
            throw new InvalidOperationException("The feature projection is run by Wav2Vec2Model.");
    }
}
