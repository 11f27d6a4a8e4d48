using System.Globalization;
using System.Text.RegularExpressions;
using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Models;

/// <summary>The state-dict key layouts of a Vision Transformer.</summary>
public enum VitKeyLayout
{
    /// <summary>torchvision's <c>VisionTransformer</c> (<c>conv_proj</c>, fused <c>in_proj_weight</c>), <see cref="VisionTransformer"/>'s own.</summary>
    Torchvision,

    /// <summary>Hugging Face's <c>ViTForImageClassification</c> (<c>vit.</c> prefix, <c>classifier</c>) or <c>ViTModel</c> (no prefix, a pooler), separate query/key/value.</summary>
    HuggingFace,
}

/// <summary>
/// Translates ViT state dicts between torchvision's keys and Hugging Face's, both ways. Hugging
/// Face's <c>query</c>, <c>key</c> and <c>value</c> weights [D, D] (and biases [D]) are the row
/// blocks, in that order, of torchvision's <c>in_proj_weight</c> [3·D, D] (<c>in_proj_bias</c> [3·D]).
/// <code>
/// vit.embeddings.cls_token                                  class_token
/// vit.embeddings.position_embeddings                        encoder.pos_embedding
/// vit.embeddings.patch_embeddings.projection.*              conv_proj.*
/// vit.encoder.layer.N.layernorm_before.*                    encoder.layers.encoder_layer_N.ln_1.*
/// vit.encoder.layer.N.attention.attention.query|key|value.* encoder.layers.encoder_layer_N.self_attention.in_proj_weight|in_proj_bias
/// vit.encoder.layer.N.attention.output.dense.*              encoder.layers.encoder_layer_N.self_attention.out_proj.*
/// vit.encoder.layer.N.layernorm_after.*                     encoder.layers.encoder_layer_N.ln_2.*
/// vit.encoder.layer.N.intermediate.dense.*                  encoder.layers.encoder_layer_N.mlp.0.*
/// vit.encoder.layer.N.output.dense.*                        encoder.layers.encoder_layer_N.mlp.3.*
/// vit.layernorm.*                                           encoder.ln.*
/// classifier.*                                              heads.head.*
/// </code>
/// <c>ViTModel</c> files (no <c>vit.</c> prefix) translate the same way; their <c>pooler.*</c>
/// (unused by classification, as in <c>ViTForImageClassification</c>) is dropped. Results are
/// <see cref="StateDict"/>s of new tensor handles that the caller disposes; the input is left as it is.
/// </summary>
public static partial class VitKeys
{
    private static readonly (string Hf, string Tv)[] LayerParts =
    {
        ("layernorm_before.", "ln_1."),
        ("attention.output.dense.", "self_attention.out_proj."),
        ("layernorm_after.", "ln_2."),
        ("intermediate.dense.", "mlp.0."),
        ("output.dense.", "mlp.3."),
    };

    private static readonly (string Hf, string Tv)[] TopParts =
    {
        ("embeddings.cls_token", "class_token"),
        ("embeddings.position_embeddings", "encoder.pos_embedding"),
        ("embeddings.patch_embeddings.projection.", "conv_proj."),
        ("layernorm.", "encoder.ln."),
    };

    private static readonly string[] Qkv = { "query", "key", "value" };

    /// <summary>Which layout <paramref name="stateDict"/> uses.</summary>
    /// <exception cref="InvalidDataException">Neither layout's patch embedding is present (not a ViT state dict).</exception>
    public static VitKeyLayout Detect(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        if (stateDict.ContainsKey("conv_proj.weight")) return VitKeyLayout.Torchvision;
        if (stateDict.Keys.Any(k => k.EndsWith("embeddings.patch_embeddings.projection.weight", StringComparison.Ordinal))) return VitKeyLayout.HuggingFace;
        throw new InvalidDataException(
            "Not a Vision Transformer state dict: it has neither torchvision's 'conv_proj.weight' nor Hugging Face's " +
            $"'vit.embeddings.patch_embeddings.projection.weight' (first keys: {string.Join(", ", stateDict.Keys.Take(5))}).");
    }

    /// <summary>Hugging Face keys → torchvision keys (unknown keys are kept, so a strict load reports them).</summary>
    /// <exception cref="InvalidDataException">A layer lacks one of query/key/value (the message names it).</exception>
    public static StateDict FromHuggingFace(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var result = new StateDict();
        var attention = new SortedDictionary<int, Dictionary<string, Tensor>>();
        try
        {
            foreach (var (key, tensor) in stateDict)
            {
                string name = key.StartsWith("vit.", StringComparison.Ordinal) ? key[4..] : key;
                if (name.StartsWith("pooler.", StringComparison.Ordinal)) continue;
                var layer = HfLayer().Match(name);
                if (layer.Success)
                {
                    int index = int.Parse(layer.Groups["i"].Value, CultureInfo.InvariantCulture);
                    string rest = layer.Groups["rest"].Value;
                    if (rest.StartsWith("attention.attention.", StringComparison.Ordinal))
                    {
                        if (!attention.TryGetValue(index, out var parts)) attention[index] = parts = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                        parts[rest["attention.attention.".Length..]] = tensor;
                        continue;
                    }
                    result.Add($"encoder.layers.encoder_layer_{index}." + Rename(rest, LayerParts, hfToTv: true), tensor.Alias());
                    continue;
                }
                string renamed = name.StartsWith("classifier.", StringComparison.Ordinal) ? "heads.head." + name["classifier.".Length..] : Rename(name, TopParts, hfToTv: true);
                result.Add(renamed, tensor.Alias());
            }
            foreach (var (index, parts) in attention)
                foreach (var kind in new[] { "weight", "bias" })
                {
                    var blocks = Qkv.Select(p => parts.TryGetValue($"{p}.{kind}", out var t) ? t
                        : throw new InvalidDataException($"Hugging Face ViT weights: encoder.layer.{index}.attention.attention.{p}.{kind} is missing.")).ToArray();
                    result.Add($"encoder.layers.encoder_layer_{index}.self_attention.in_proj_{kind}", Torch.Cat(blocks, 0));
                }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// torchvision keys → Hugging Face <c>ViTForImageClassification</c> keys (<c>vit.</c> prefix,
    /// <c>classifier</c>), splitting each <c>in_proj_weight</c> / <c>in_proj_bias</c> into query, key and value.
    /// </summary>
    public static StateDict ToHuggingFace(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var result = new StateDict();
        try
        {
            foreach (var (key, tensor) in stateDict)
            {
                var layer = TvLayer().Match(key);
                if (layer.Success)
                {
                    string prefix = $"vit.encoder.layer.{layer.Groups["i"].Value}.";
                    string rest = layer.Groups["rest"].Value;
                    if (rest is "self_attention.in_proj_weight" or "self_attention.in_proj_bias")
                    {
                        long d = tensor.Size(0) / 3;
                        for (int p = 0; p < 3; p++)
                            result.Add(prefix + $"attention.attention.{Qkv[p]}.{(rest.EndsWith("weight", StringComparison.Ordinal) ? "weight" : "bias")}", tensor.Narrow(0, p * d, d));
                        continue;
                    }
                    result.Add(prefix + Rename(rest, LayerParts, hfToTv: false), tensor.Alias());
                    continue;
                }
                result.Add(key.StartsWith("heads.head.", StringComparison.Ordinal) ? "classifier." + key["heads.head.".Length..] : "vit." + Rename(key, TopParts, hfToTv: false), tensor.Alias());
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    private static string Rename(string name, (string Hf, string Tv)[] table, bool hfToTv)
    {
        foreach (var (hf, tv) in table)
        {
            var (from, to) = hfToTv ? (hf, tv) : (tv, hf);
            if (from.EndsWith('.') ? name.StartsWith(from, StringComparison.Ordinal) : name == from) return to + name[from.Length..];
        }
        return name;
    }

    [GeneratedRegex(@"^encoder\.layer\.(?<i>\d+)\.(?<rest>.+)$")]
    private static partial Regex HfLayer();

    [GeneratedRegex(@"^encoder\.layers\.encoder_layer_(?<i>\d+)\.(?<rest>.+)$")]
    private static partial Regex TvLayer();
}
