using System.Collections;
using TransferKit.Data;
using TransferKit.Training;
using TransferKit.Transfer;

namespace TransferKit.Cli.Commands;

/// <summary>
/// The validation images of a <c>train</c> run as batches for the report's final evaluation (top
/// losses, final confusion matrix), preprocessed with the evaluation transform of the model being
/// trained, which it learns when the fit starts (the model is built inside <see cref="ImageClassifier"/>).
/// </summary>
public sealed class HeldOutImages : TrainerCallback, IEnumerable<Batch>
{
    private readonly IImageDataset _images;
    private readonly DataLoaderOptions _loader;
    private Preprocessing? _preprocessing;

    /// <summary>Creates the batches over <paramref name="images"/>.</summary>
    public HeldOutImages(IImageDataset images, DataLoaderOptions loader)
    {
        _images = images;
        _loader = loader with { Shuffle = false, DropLast = false };
    }

    /// <inheritdoc />
    public override void OnFitStart(TrainerContext context) => _preprocessing = (context.Model as TransferModel)?.Preprocessing;

    /// <inheritdoc />
    public IEnumerator<Batch> GetEnumerator()
    {
        if (_preprocessing is null || _images.Count == 0) return Enumerable.Empty<Batch>().GetEnumerator();
        return new DataLoader(_images, _loader, _preprocessing.EvalTransform()).GetEnumerator();
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
