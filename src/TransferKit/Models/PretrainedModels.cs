using TransferKit.Torch;

namespace TransferKit.Models;

/// <summary>
/// Reads a weights file into an ordered name → tensor dictionary whose tensors the caller owns
/// (TransferKit.Serialization's <c>.pth</c> reader once it is connected).
/// </summary>
internal delegate IReadOnlyDictionary<string, Tensor> StateDictReader(string path);

/// <summary>
/// Builds a zoo model with pretrained weights: resolve the file (<see cref="WeightsResolver"/>),
/// read it (a <see cref="StateDictReader"/>), load it strictly, then swap the head when a different
/// number of classes is wanted. Internal until the <c>.pth</c> reader is connected to a public entry point.
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
        var model = ModelRegistry.Create(architecture, weights.Categories.Count);
        try
        {
            var stateDict = readStateDict(path);
            try
            {
                model.LoadStateDict(stateDict, strict: true);
            }
            finally
            {
                foreach (var t in stateDict.Values) t.Dispose();
            }
            if (numClasses is { } n && n != weights.Categories.Count) model.ResetClassifier(n);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
