using TransferKit.Engine;

namespace TransferKit.Models;

/// <summary>
/// The architecture of a wav2vec 2.0 model, with the fields (and defaults) of Hugging Face's
/// <c>Wav2Vec2Config</c>; the defaults are wav2vec2-base's (<see cref="Base"/>).
/// <see cref="FromJsonFile"/> reads a model folder's <c>config.json</c>.
/// </summary>
public sealed record Wav2Vec2Config
{
    /// <summary>Output channels of each feature-encoder convolution (<c>conv_dim</c>, default 7 × 512).</summary>
    public IReadOnlyList<long> ConvDim { get; init; } = [512, 512, 512, 512, 512, 512, 512];

    /// <summary>Kernel width of each feature-encoder convolution (<c>conv_kernel</c>, default 10, 3, 3, 3, 3, 2, 2).</summary>
    public IReadOnlyList<long> ConvKernel { get; init; } = [10, 3, 3, 3, 3, 2, 2];

    /// <summary>Stride of each feature-encoder convolution (<c>conv_stride</c>, default 5, 2, 2, 2, 2, 2, 2: 320 samples per frame).</summary>
    public IReadOnlyList<long> ConvStride { get; init; } = [5, 2, 2, 2, 2, 2, 2];

    /// <summary>Whether the feature-encoder convolutions have biases (<c>conv_bias</c>, default false).</summary>
    public bool ConvBias { get; init; }

    /// <summary>
    /// Normalisation of the feature encoder (<c>feat_extract_norm</c>): "group" (a GroupNorm with one group per
    /// channel after the first convolution only; base) or "layer" (a LayerNorm over channels after every convolution; large).
    /// </summary>
    public string FeatExtractNorm { get; init; } = "group";

    /// <summary>Activation after each convolution (<c>feat_extract_activation</c>, default "gelu").</summary>
    public string FeatExtractActivation { get; init; } = "gelu";

    /// <summary>Width of the transformer (<c>hidden_size</c>, default 768).</summary>
    public long HiddenSize { get; init; } = 768;

    /// <summary>Number of transformer layers (<c>num_hidden_layers</c>, default 12).</summary>
    public int NumHiddenLayers { get; init; } = 12;

    /// <summary>Attention heads per layer (<c>num_attention_heads</c>, default 12); must divide <see cref="HiddenSize"/>.</summary>
    public int NumAttentionHeads { get; init; } = 12;

    /// <summary>Width of the feed-forward layer (<c>intermediate_size</c>, default 3072).</summary>
    public long IntermediateSize { get; init; } = 3072;

    /// <summary>Feed-forward activation (<c>hidden_act</c>): "gelu" (default), "gelu_new" / "gelu_pytorch_tanh" or "relu".</summary>
    public string HiddenAct { get; init; } = "gelu";

    /// <summary>Dropout after attention, feed-forward and positional embedding (<c>hidden_dropout</c>, default 0.1).</summary>
    public double HiddenDropout { get; init; } = 0.1;

    /// <summary>Dropout after the feed-forward activation (<c>activation_dropout</c>, default 0.1).</summary>
    public double ActivationDropout { get; init; } = 0.1;

    /// <summary>Dropout on attention probabilities (<c>attention_dropout</c>, default 0.1).</summary>
    public double AttentionDropout { get; init; } = 0.1;

    /// <summary>Dropout after the feature projection (<c>feat_proj_dropout</c>, default 0).</summary>
    public double FeatProjDropout { get; init; }

    /// <summary>Dropout before the classifier (<c>final_dropout</c>, default 0.1; unused by Hugging Face's sequence classifier, kept for reading).</summary>
    public double FinalDropout { get; init; } = 0.1;

    /// <summary>Probability of skipping each transformer layer while training (<c>layerdrop</c>, default 0.1).</summary>
    public double LayerDrop { get; init; } = 0.1;

    /// <summary>Epsilon of the transformer's LayerNorms (<c>layer_norm_eps</c>, default 1e-5).</summary>
    public double LayerNormEps { get; init; } = 1e-5;

    /// <summary>Standard deviation of the initial linear weights (<c>initializer_range</c>, default 0.02).</summary>
    public double InitializerRange { get; init; } = 0.02;

    /// <summary>Kernel width of the convolutional positional embedding (<c>num_conv_pos_embeddings</c>, default 128).</summary>
    public long NumConvPosEmbeddings { get; init; } = 128;

    /// <summary>Channel groups of the convolutional positional embedding (<c>num_conv_pos_embedding_groups</c>, default 16).</summary>
    public long NumConvPosEmbeddingGroups { get; init; } = 16;

    /// <summary>Pre-LN transformer layers with a final LayerNorm (<c>do_stable_layer_norm</c>: large / "stable" models) instead of post-LN (base).</summary>
    public bool DoStableLayerNorm { get; init; }

    /// <summary>Width of the sequence classifier's projector (<c>classifier_proj_size</c>, default 256).</summary>
    public long ClassifierProjSize { get; init; } = 256;

    /// <summary>Number of classes (<c>num_labels</c>, else the size of <c>id2label</c>, default 2).</summary>
    public long NumLabels { get; init; } = 2;

    /// <summary>Class names by index (<c>id2label</c>), or empty when the file has none.</summary>
    public IReadOnlyList<string> Id2Label { get; init; } = [];

    /// <summary>wav2vec2-base (<c>facebook/wav2vec2-base</c>): 7 convolutions of 512 channels with group norm, 12 post-LN layers of 768.</summary>
    public static Wav2Vec2Config Base { get; } = new();

    /// <summary>Samples consumed per output frame (the product of the strides: 320 for base).</summary>
    public long SamplesPerFrame => ConvStride.Aggregate(1L, (a, b) => a * b);

    /// <summary>
    /// The number of frames the feature encoder makes of <paramref name="samples"/> samples: for every
    /// convolution L ← ⌊(L − kernel) / stride⌋ + 1 (Hugging Face's <c>_get_feat_extract_output_lengths</c>), at least 0.
    /// </summary>
    public long FrameCount(long samples)
    {
        long length = samples;
        for (int k = 0; k < ConvKernel.Count; k++)
            length = length < ConvKernel[k] ? 0 : (length - ConvKernel[k]) / ConvStride[k] + 1;
        return length;
    }

    private static readonly string[] Activations = ["gelu", "gelu_new", "gelu_pytorch_tanh", "relu"];
    private static readonly string[] Norms = ["group", "layer"];

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid field.</summary>
    public void Validate()
    {
        static bool Dropout(double p) => p is >= 0 and < 1;
        new OptionsCheck(nameof(Wav2Vec2Config))
            .Require(ConvDim.Count > 0 && ConvDim.Count == ConvKernel.Count && ConvDim.Count == ConvStride.Count,
                $"ConvDim, ConvKernel and ConvStride must be non-empty and of one length (were {ConvDim.Count}, {ConvKernel.Count}, {ConvStride.Count}).")
            .Require(ConvDim.All(d => d > 0) && ConvKernel.All(k => k > 0) && ConvStride.All(s => s > 0), "ConvDim, ConvKernel and ConvStride must hold positive values.")
            .Require(Norms.Contains(FeatExtractNorm), $"FeatExtractNorm must be 'group' or 'layer' (was '{FeatExtractNorm}').")
            .Require(Activations.Contains(FeatExtractActivation), $"FeatExtractActivation must be one of {string.Join(", ", Activations)} (was '{FeatExtractActivation}').")
            .Require(HiddenSize > 0, $"HiddenSize must be positive (was {HiddenSize}).")
            .Require(NumHiddenLayers >= 0, $"NumHiddenLayers must be >= 0 (was {NumHiddenLayers}).")
            .Require(NumAttentionHeads > 0 && HiddenSize % NumAttentionHeads == 0,
                $"NumAttentionHeads ({NumAttentionHeads}) must be positive and divide HiddenSize ({HiddenSize}).")
            .Require(IntermediateSize > 0, $"IntermediateSize must be positive (was {IntermediateSize}).")
            .Require(Activations.Contains(HiddenAct), $"HiddenAct must be one of {string.Join(", ", Activations)} (was '{HiddenAct}').")
            .Require(Dropout(HiddenDropout) && Dropout(ActivationDropout) && Dropout(AttentionDropout) && Dropout(FeatProjDropout) && Dropout(FinalDropout),
                "Every dropout (hidden, activation, attention, feat_proj, final) must be in [0, 1).")
            .Require(LayerDrop is >= 0 and <= 1, $"LayerDrop must be in [0, 1] (was {LayerDrop}).")
            .Require(LayerNormEps > 0, $"LayerNormEps must be positive (was {LayerNormEps}).")
            .Require(InitializerRange > 0, $"InitializerRange must be positive (was {InitializerRange}).")
            .Require(NumConvPosEmbeddings > 0, $"NumConvPosEmbeddings must be positive (was {NumConvPosEmbeddings}).")
            .Require(NumConvPosEmbeddingGroups > 0 && HiddenSize % NumConvPosEmbeddingGroups == 0,
                $"NumConvPosEmbeddingGroups ({NumConvPosEmbeddingGroups}) must be positive and divide HiddenSize ({HiddenSize}).")
            .Require(ClassifierProjSize > 0, $"ClassifierProjSize must be positive (was {ClassifierProjSize}).")
            .Require(NumLabels > 0, $"NumLabels must be positive (was {NumLabels}).")
            .Require(Id2Label.Count == 0 || Id2Label.Count == NumLabels, $"Id2Label has {Id2Label.Count} names for {NumLabels} labels.")
            .ThrowIfAny();
    }

    /// <summary>Reads a Hugging Face <c>config.json</c>; absent fields keep their defaults, unknown ones are ignored.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a JSON object or a field has the wrong type; the message names the file.</exception>
    public static Wav2Vec2Config FromJsonFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"wav2vec2 config file not found: {path}", path);
        return FromJson(File.ReadAllText(path), path);
    }

    /// <summary>Parses the text of a Hugging Face <c>config.json</c>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">The text is not a JSON object or a field has the wrong type.</exception>
    public static Wav2Vec2Config FromJson(string json, string source = "config.json") => Wav2Vec2ConfigReader.Read(json, source);
}
