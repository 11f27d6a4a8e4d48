using System.Text.Json;
using TransferKit.Engine;

namespace TransferKit.Models;

/// <summary>
/// Shape of a Vision Transformer (Dosovitskiy et al.): square images of <see cref="ImageSize"/>
/// cut into <see cref="PatchSize"/> patches, a [CLS] token, learned position embeddings,
/// <see cref="NumLayers"/> pre-norm encoder layers of <see cref="NumHeads"/>-head attention and an
/// <see cref="MlpDim"/>-wide GELU MLP, a final LayerNorm, and a linear head on the [CLS] token.
/// torchvision's <c>VisionTransformer</c> and Hugging Face's <c>ViTForImageClassification</c> are
/// this model; <see cref="B16"/> is ViT-B/16.
/// </summary>
public sealed record VitConfig
{
    /// <summary>Side of the square input image in pixels (default 224).</summary>
    public int ImageSize { get; init; } = 224;

    /// <summary>Side of the square patches (default 16).</summary>
    public int PatchSize { get; init; } = 16;

    /// <summary>Width of the token vectors (default 768).</summary>
    public int HiddenDim { get; init; } = 768;

    /// <summary>Encoder layers (default 12).</summary>
    public int NumLayers { get; init; } = 12;

    /// <summary>Attention heads per layer (default 12); must divide <see cref="HiddenDim"/>.</summary>
    public int NumHeads { get; init; } = 12;

    /// <summary>Width of the MLP's hidden layer (default 3072).</summary>
    public int MlpDim { get; init; } = 3072;

    /// <summary>Dropout after the position embeddings, attention and MLP (torchvision's <c>dropout</c>, HF's <c>hidden_dropout_prob</c>; default 0).</summary>
    public double Dropout { get; init; }

    /// <summary>Dropout on the attention probabilities (torchvision's <c>attention_dropout</c>, HF's <c>attention_probs_dropout_prob</c>; default 0).</summary>
    public double AttentionDropout { get; init; }

    /// <summary>Outputs of the head (default 1000).</summary>
    public long NumClasses { get; init; } = 1000;

    /// <summary>LayerNorm epsilon: 1e-6 in torchvision (default), 1e-12 in Hugging Face's ViTConfig.</summary>
    public double LayerNormEps { get; init; } = 1e-6;

    /// <summary>Patches along each side: <see cref="ImageSize"/> / <see cref="PatchSize"/>.</summary>
    public int GridSize => ImageSize / PatchSize;

    /// <summary>Tokens per image: the patches plus the [CLS] token.</summary>
    public int SequenceLength => GridSize * GridSize + 1;

    /// <summary>ViT-B/16 (torchvision's <c>vit_b_16</c>): 224 px, 16 px patches, 768 wide, 12 layers, 12 heads, MLP 3072.</summary>
    public static VitConfig B16 { get; } = new();

    /// <summary>
    /// A tiny ViT for tests and training from scratch on small data: 32 px images, 8 px patches
    /// (16 patches), 64 wide, 2 layers, 4 heads, MLP 128.
    /// </summary>
    public static VitConfig Tiny { get; } = new() { ImageSize = 32, PatchSize = 8, HiddenDim = 64, NumLayers = 2, NumHeads = 4, MlpDim = 128 };

    /// <summary>
    /// The configuration in a Hugging Face ViT <c>config.json</c> (<c>image_size</c>, <c>patch_size</c>,
    /// <c>hidden_size</c>, <c>num_hidden_layers</c>, <c>num_attention_heads</c>, <c>intermediate_size</c>,
    /// <c>hidden_dropout_prob</c>, <c>attention_probs_dropout_prob</c>, <c>layer_norm_eps</c>, and the
    /// class count from <c>id2label</c>); absent fields take HF's defaults (ViT-B/16, eps 1e-12).
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a JSON object or a field has the wrong type (the message names the file).</exception>
    public static VitConfig FromHuggingFaceJson(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: expected a JSON object.");
            if (root.TryGetProperty("hidden_act", out var act) && act.GetString() is not ("gelu" or null))
                throw new InvalidDataException($"{path}: hidden_act '{act.GetString()}' is not supported (only the exact 'gelu').");
            int Int(string name, int fallback) => root.TryGetProperty(name, out var v) ? v.GetInt32() : fallback;
            double Double(string name, double fallback) => root.TryGetProperty(name, out var v) ? v.GetDouble() : fallback;
            long classes = root.TryGetProperty("id2label", out var labels) && labels.ValueKind == JsonValueKind.Object ? labels.EnumerateObject().Count() : 2;
            var config = new VitConfig
            {
                ImageSize = Int("image_size", 224),
                PatchSize = Int("patch_size", 16),
                HiddenDim = Int("hidden_size", 768),
                NumLayers = Int("num_hidden_layers", 12),
                NumHeads = Int("num_attention_heads", 12),
                MlpDim = Int("intermediate_size", 3072),
                Dropout = Double("hidden_dropout_prob", 0),
                AttentionDropout = Double("attention_probs_dropout_prob", 0),
                LayerNormEps = Double("layer_norm_eps", 1e-12),
                NumClasses = classes,
            };
            config.Validate();
            return config;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{path} is not a valid Hugging Face ViT config.json: {e.Message}", e);
        }
    }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every inconsistent setting.</summary>
    public void Validate() => new OptionsCheck(nameof(VitConfig))
        .Require(PatchSize >= 1, $"PatchSize must be at least 1 (was {PatchSize}).")
        .Require(ImageSize >= 1 && PatchSize >= 1 && ImageSize % PatchSize == 0, $"ImageSize ({ImageSize}) must be a positive multiple of PatchSize ({PatchSize}).")
        .Require(HiddenDim >= 1 && NumHeads >= 1 && HiddenDim % NumHeads == 0, $"HiddenDim ({HiddenDim}) must be a positive multiple of NumHeads ({NumHeads}).")
        .Require(NumLayers >= 1, $"NumLayers must be at least 1 (was {NumLayers}).")
        .Require(MlpDim >= 1, $"MlpDim must be at least 1 (was {MlpDim}).")
        .Require(Dropout is >= 0 and < 1, $"Dropout must be in [0, 1) (was {Dropout}).")
        .Require(AttentionDropout is >= 0 and < 1, $"AttentionDropout must be in [0, 1) (was {AttentionDropout}).")
        .Require(NumClasses >= 1, $"NumClasses must be at least 1 (was {NumClasses}).")
        .Require(LayerNormEps > 0, $"LayerNormEps must be positive (was {LayerNormEps}).")
        .ThrowIfAny();
}
