using TransferKit.Engine;

namespace TransferKit.Models;

/// <summary>
/// Normalises the keys of Hugging Face BERT checkpoints to <see cref="BertModel"/>'s: old
/// <c>LayerNorm.gamma</c>/<c>LayerNorm.beta</c> become <c>weight</c>/<c>bias</c>, the position-id and
/// token-type buffers some versions save are dropped, and a <c>bert.</c> prefix is split from the
/// head's keys (<c>classifier.*</c>; pre-training heads <c>cls.*</c> are dropped).
/// </summary>
public static class BertStateDictKeys
{
    private static readonly string[] Buffers = ["embeddings.position_ids", "embeddings.token_type_ids"];

    /// <summary>The normalised key of one checkpoint key, or null for keys that carry no weights (buffers, pre-training heads).</summary>
    public static string? Normalize(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.StartsWith("cls.", StringComparison.Ordinal)) return null;
        string bare = key.StartsWith("bert.", StringComparison.Ordinal) ? key["bert.".Length..] : key;
        if (Buffers.Contains(bare)) return null;
        if (bare.EndsWith("LayerNorm.gamma", StringComparison.Ordinal)) bare = bare[..^"gamma".Length] + "weight";
        else if (bare.EndsWith("LayerNorm.beta", StringComparison.Ordinal)) bare = bare[..^"beta".Length] + "bias";
        return key.StartsWith("bert.", StringComparison.Ordinal) ? "bert." + bare : bare;
    }

    /// <summary>
    /// Splits a checkpoint into the encoder's entries (keys as in <see cref="BertModel"/>, without
    /// <c>bert.</c>) and the rest (e.g. <c>classifier.weight</c>). The tensors are the same objects:
    /// the caller keeps owning them.
    /// </summary>
    public static (Dictionary<string, Tensor> Encoder, Dictionary<string, Tensor> Head) Split(IReadOnlyDictionary<string, Tensor> checkpoint) =>
        HfStateDictSplit.Split(checkpoint, Normalize, "bert.", EncoderRoots);

    private static readonly string[] EncoderRoots = ["embeddings.", "encoder.", "pooler."];
}
