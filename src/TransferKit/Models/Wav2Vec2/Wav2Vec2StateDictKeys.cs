using TransferKit.Engine;

namespace TransferKit.Models;

/// <summary>
/// Normalises the keys of Hugging Face wav2vec2 checkpoints to <see cref="Wav2Vec2Model"/>'s: the weight-norm
/// parametrisation of newer PyTorch (<c>parametrizations.weight.original0</c> / <c>original1</c>) becomes
/// <c>weight_g</c> / <c>weight_v</c>, <c>masked_spec_embed</c> (SpecAugment's mask vector, unused here) is dropped,
/// and the <c>wav2vec2.</c> prefix is split from the heads' keys (<c>projector.*</c>, <c>classifier.*</c>, …).
/// </summary>
public static class Wav2Vec2StateDictKeys
{
    private const string Prefix = "wav2vec2.";
    private static readonly string[] EncoderRoots = ["feature_extractor.", "feature_projection.", "encoder.", "masked_spec_embed"];

    /// <summary>The normalised key of one checkpoint key, or null for keys that carry nothing this model uses.</summary>
    public static string? Normalize(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        bool prefixed = key.StartsWith(Prefix, StringComparison.Ordinal);
        string bare = prefixed ? key[Prefix.Length..] : key;
        if (bare == "masked_spec_embed") return null;
        bare = bare.Replace("parametrizations.weight.original0", "weight_g", StringComparison.Ordinal)
                   .Replace("parametrizations.weight.original1", "weight_v", StringComparison.Ordinal);
        return prefixed ? Prefix + bare : bare;
    }

    /// <summary>
    /// Splits a checkpoint into the encoder's entries (keys as in <see cref="Wav2Vec2Model"/>, without <c>wav2vec2.</c>)
    /// and the rest (e.g. <c>projector.weight</c>, <c>classifier.bias</c>). The tensors are the same objects: the caller keeps owning them.
    /// </summary>
    public static (Dictionary<string, Tensor> Encoder, Dictionary<string, Tensor> Head) Split(IReadOnlyDictionary<string, Tensor> checkpoint) =>
        HfStateDictSplit.Split(checkpoint, Normalize, Prefix, EncoderRoots);
}
