using TransferKit.Engine;

namespace TransferKit.Models;

/// <summary>
/// Splits a Hugging Face checkpoint into a base model's entries and the rest (heads): keys are normalised by a
/// model's rule (null drops a key); those starting with the base model's <c>prefix</c> lose it, those starting with
/// one of its top-level <c>roots</c> are the base model's as they are, the others are the heads'.
/// </summary>
internal static class HfStateDictSplit
{
    public static (Dictionary<string, Tensor> Base, Dictionary<string, Tensor> Head) Split(
        IReadOnlyDictionary<string, Tensor> checkpoint, Func<string, string?> normalize, string prefix, IReadOnlyList<string> roots)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var model = new Dictionary<string, Tensor>();
        var head = new Dictionary<string, Tensor>();
        foreach (var (key, tensor) in checkpoint)
        {
            if (normalize(key) is not { } name) continue;
            if (name.StartsWith(prefix, StringComparison.Ordinal)) model[name[prefix.Length..]] = tensor;
            else if (roots.Any(r => name.StartsWith(r, StringComparison.Ordinal))) model[name] = tensor;
            else head[name] = tensor;
        }
        return (model, head);
    }
}
