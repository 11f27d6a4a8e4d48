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
        try
        {
            // A file of the same architecture may have been trained with another number of classes
            // (a user's own checkpoint given as an explicit file): build the head the file has.
            model = ModelRegistry.Create(weights.Architecture, weights.Categories.Count);
            long fileClasses = stateDict.TryGetValue(model.HeadPath + ".weight", out var headWeight) && headWeight.NDim == 2
                ? headWeight.Size(0) : weights.Categories.Count;
            if (fileClasses != weights.Categories.Count)
            {
                model.Dispose();
                model = ModelRegistry.Create(weights.Architecture, fileClasses);
            }
            model.LoadStateDict(stateDict, strict: true);
            return model;
        }
        catch
        {
            model?.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in stateDict.Values) t.Dispose();
        }
    }

    /// <summary>The number of outputs of a model's head (its final Linear layer's weight rows).</summary>
    public static long HeadOutFeatures(this ClassifierModel model) =>
        model.NamedParameters().First(p => p.Name == model.HeadPath + ".weight").Parameter.Size(0);
}
