using TransferKit.Engine;

namespace TransferKit.Models;

/// <summary>
/// Reads a weights file into an ordered name → tensor dictionary whose tensors the caller owns
/// (TransferKit.Serialization's <c>.pth</c> reader, passed in by the layers above).
/// </summary>
internal delegate IReadOnlyDictionary<string, Tensor> StateDictReader(string path);

/// <summary>
/// Builds a zoo model from a weights file already resolved (by <see cref="WeightsResolver"/>): read it
/// (a <see cref="StateDictReader"/>) and load it strictly into the architecture of
/// <see cref="PretrainedWeights.Architecture"/>, with the head the file has. Resolving (and its
/// asynchronous download) is the caller's step, so the async path never blocks on it. The public
/// entry points are <c>ModelBuilder.FromPretrained</c> / <c>FromPretrainedAsync</c>.
/// </summary>
internal static class PretrainedModels
{
    public static ClassifierModel Create(PretrainedWeights weights, string path, StateDictReader readStateDict)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(readStateDict);
        var stateDict = WeightFormats.Read(path, weights, readStateDict);
        ClassifierModel? model = null;
        IReadOnlyDictionary<string, Tensor>? own = null;
        try
        {
            // A file of the same architecture may have been trained with another number of classes
            // (a user's own checkpoint given as an explicit file): build the head the file has.
            model = ModelRegistry.Create(weights.Architecture, weights.Categories.Count);
            own = InOwnKeys(model, stateDict);
            long fileClasses = own.TryGetValue(model.HeadPath + ".weight", out var headWeight) && headWeight.NDim == 2
                ? headWeight.Size(0) : weights.Categories.Count;
            if (fileClasses != weights.Categories.Count)
            {
                DisposeTranslation(own, stateDict);
                own = null;
                model.Dispose();
                model = ModelRegistry.Create(weights.Architecture, fileClasses);
                own = InOwnKeys(model, stateDict);
            }
            model.LoadStateDict(own, strict: true);
            return model;
        }
        catch
        {
            model?.Dispose();
            throw;
        }
        finally
        {
            if (own is not null) DisposeTranslation(own, stateDict);
            foreach (var t in stateDict.Values) t.Dispose();
        }
    }

    /// <summary>
    /// The file's state dict in the model's keys: models whose weights come in several key layouts
    /// (<see cref="VisionTransformer"/>: torchvision's and Hugging Face's) translate it.
    /// </summary>
    private static IReadOnlyDictionary<string, Tensor> InOwnKeys(ClassifierModel model, IReadOnlyDictionary<string, Tensor> stateDict) =>
        model is VisionTransformer vit ? vit.ToOwnKeys(stateDict) : stateDict;

    private static void DisposeTranslation(IReadOnlyDictionary<string, Tensor> own, IReadOnlyDictionary<string, Tensor> stateDict)
    {
        if (ReferenceEquals(own, stateDict)) return;
        foreach (var t in own.Values) t.Dispose();
    }

    /// <summary>The number of outputs of a model's head (its final Linear layer's weight rows).</summary>
    public static long HeadOutFeatures(this ClassifierModel model) =>
        model.NamedParameters().First(p => p.Name == model.HeadPath + ".weight").Parameter.Size(0);
}
