using TransferKit.Engine;

namespace TransferKit.Models;

/// <summary>
/// Reads a weights file into an ordered name → tensor dictionary whose tensors the caller owns
/// (TransferKit.Serialization's <c>.pth</c> reader once it is connected).
/// </summary>
internal delegate IReadOnlyDictionary<string, Tensor> StateDictReader(string path);

/// <summary>
/// Builds a zoo model with pretrained weights: resolve the file (<see cref="WeightsResolver"/>),
/// read it (a <see cref="StateDictReader"/>), load it strictly, then swap the head when a different
/// number of classes is wanted. The public entry point is <c>ModelBuilder.FromPretrained</c>.
/// </summary>
internal static class PretrainedModels
{
    public static async Task<ClassifierModel> CreateAsync(string architecture, StateDictReader readStateDict, WeightsResolver resolver,
        long? numClasses = null, string? tag = null, string? explicitFile = null, IProgress<double>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(readStateDict);
        ArgumentNullException.ThrowIfNull(resolver);
        var weights = PretrainedCatalog.Get(architecture, tag);
        string path = await resolver.ResolveAsync(weights, explicitFile, progress, cancellationToken).ConfigureAwait(false);
        var stateDict = WeightFormats.Read(path, weights, readStateDict);
        ClassifierModel? model = null;
        try
        {
            // A file of the same architecture may have been trained with another number of classes
            // (a user's own checkpoint given as explicitFile): build the head the file has.
            model = ModelRegistry.Create(architecture, weights.Categories.Count);
            long fileClasses = stateDict.TryGetValue(model.HeadPath + ".weight", out var headWeight) && headWeight.NDim == 2
                ? headWeight.Size(0) : weights.Categories.Count;
            if (fileClasses != weights.Categories.Count)
            {
                model.Dispose();
                model = ModelRegistry.Create(architecture, fileClasses);
            }
            model.LoadStateDict(stateDict, strict: true);
            if (numClasses is { } n && n != fileClasses) model.ResetClassifier(n);
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
}
