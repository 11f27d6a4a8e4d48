using System.Globalization;
using System.Text.Json;

namespace TransferKit.Models;

/// <summary>Reads the fields of a Hugging Face wav2vec2 <c>config.json</c> into a <see cref="Wav2Vec2Config"/>.</summary>
internal static class Wav2Vec2ConfigReader
{
    public static Wav2Vec2Config Read(string json, string source) => HfConfigFields.Parse(json, source, root =>
    {
        var d = Wav2Vec2Config.Base;
        var labels = Id2Label(root, source);
        return new Wav2Vec2Config
        {
            ConvDim = HfConfigFields.Longs(root, "conv_dim", d.ConvDim, source),
            ConvKernel = HfConfigFields.Longs(root, "conv_kernel", d.ConvKernel, source),
            ConvStride = HfConfigFields.Longs(root, "conv_stride", d.ConvStride, source),
            ConvBias = HfConfigFields.Bool(root, "conv_bias", d.ConvBias, source),
            FeatExtractNorm = HfConfigFields.String(root, "feat_extract_norm", d.FeatExtractNorm, source),
            FeatExtractActivation = HfConfigFields.String(root, "feat_extract_activation", d.FeatExtractActivation, source),
            HiddenSize = HfConfigFields.Long(root, "hidden_size", d.HiddenSize, source),
            NumHiddenLayers = HfConfigFields.Int(root, "num_hidden_layers", d.NumHiddenLayers, source),
            NumAttentionHeads = HfConfigFields.Int(root, "num_attention_heads", d.NumAttentionHeads, source),
            IntermediateSize = HfConfigFields.Long(root, "intermediate_size", d.IntermediateSize, source),
            HiddenAct = HfConfigFields.String(root, "hidden_act", d.HiddenAct, source),
            HiddenDropout = HfConfigFields.Double(root, "hidden_dropout", d.HiddenDropout, source),
            ActivationDropout = HfConfigFields.Double(root, "activation_dropout", d.ActivationDropout, source),
            AttentionDropout = HfConfigFields.Double(root, "attention_dropout", d.AttentionDropout, source),
            FeatProjDropout = HfConfigFields.Double(root, "feat_proj_dropout", d.FeatProjDropout, source),
            FinalDropout = HfConfigFields.Double(root, "final_dropout", d.FinalDropout, source),
            LayerDrop = HfConfigFields.Double(root, "layerdrop", d.LayerDrop, source),
            LayerNormEps = HfConfigFields.Double(root, "layer_norm_eps", d.LayerNormEps, source),
            InitializerRange = HfConfigFields.Double(root, "initializer_range", d.InitializerRange, source),
            NumConvPosEmbeddings = HfConfigFields.Long(root, "num_conv_pos_embeddings", d.NumConvPosEmbeddings, source),
            NumConvPosEmbeddingGroups = HfConfigFields.Long(root, "num_conv_pos_embedding_groups", d.NumConvPosEmbeddingGroups, source),
            DoStableLayerNorm = HfConfigFields.Bool(root, "do_stable_layer_norm", d.DoStableLayerNorm, source),
            ClassifierProjSize = HfConfigFields.Long(root, "classifier_proj_size", d.ClassifierProjSize, source),
            NumLabels = HfConfigFields.Long(root, "num_labels", labels.Count > 0 ? labels.Count : d.NumLabels, source),
            Id2Label = labels,
        };
    });

    /// <summary><c>id2label</c> ({"0": "yes", "1": "no"}) as names by index; every index 0..n-1 must be present.</summary>
    private static IReadOnlyList<string> Id2Label(JsonElement root, string source)
    {
        if (!root.TryGetProperty("id2label", out var v) || v.ValueKind == JsonValueKind.Null) return [];
        if (v.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{source}: 'id2label' must be an object of index → name.");
        var names = new SortedDictionary<int, string>();
        foreach (var p in v.EnumerateObject())
        {
            if (!int.TryParse(p.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || p.Value.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{source}: 'id2label' must map indices to names (found \"{p.Name}\").");
            names[index] = p.Value.GetString()!;
        }
        if (names.Count > 0 && (names.Keys.First() != 0 || names.Keys.Last() != names.Count - 1))
            throw new InvalidDataException($"{source}: 'id2label' must name every index 0..{names.Count - 1}.");
        return names.Values.ToList();
    }
}
