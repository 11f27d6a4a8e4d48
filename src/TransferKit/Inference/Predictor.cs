using TransferKit.Data;
using TransferKit.Data.Transforms;
using TransferKit.NN;
using TransferKit.Engine;
using TransferKit.Transfer;

namespace TransferKit.Inference;

/// <summary>
/// Predicts labels for images with a trained model: decodes (JPEG/PNG), preprocesses exactly as
/// the model's <see cref="Preprocessing"/> says, runs the network without gradients and returns
/// the label, all probabilities and the top-k. Safe to use from several threads at once (the model
/// is in evaluation mode and never modified). A damaged or unsupported image raises
/// <see cref="ImageDecodeException"/> naming it.
/// </summary>
public sealed class Predictor : IDisposable
{
    private readonly TransferModel _model;
    private readonly Compose _transform;
    private readonly bool _ownsModel;
    private readonly Random _unused = new(0);

    /// <summary>Wraps a model (which stays owned by the caller); it is switched to evaluation mode.</summary>
    public Predictor(TransferModel model, int topK = 5) : this(model, topK, ownsModel: false) { }

    private Predictor(TransferModel model, int topK, bool ownsModel)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        ArgumentOutOfRangeException.ThrowIfLessThan(topK, 1);
        TopK = Math.Min(topK, model.Labels.Count);
        _ownsModel = ownsModel;
        _transform = model.Preprocessing.EvalTransform();
        _model.Eval();
    }

    /// <summary>Loads a model package (see <see cref="ModelPackage"/>) for prediction.</summary>
    public static Predictor Load(string path, int topK = 5, Func<long, long, Module>? customHead = null) =>
        new(ModelPackage.Load(path, customHead), topK, ownsModel: true);

    /// <summary>Class names.</summary>
    public IReadOnlyList<string> Labels => _model.Labels;

    /// <summary>How many classes <see cref="Prediction.TopK"/> lists.</summary>
    public int TopK { get; }

    /// <summary>Predicts an image file.</summary>
    public Prediction Predict(string imagePath)
    {
        using var scope = Torch.NewDisposeScope();
        return PredictDecoded(ImageDecoder.Decode(imagePath, ImageReadMode.Rgb))[0];
    }

    /// <summary>Predicts an encoded image (JPEG/PNG bytes) read from a stream.</summary>
    public Prediction Predict(Stream image, string? nameForErrors = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var buffer = new MemoryStream();
        image.CopyTo(buffer);
        using var scope = Torch.NewDisposeScope();
        return PredictDecoded(ImageDecoder.Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), nameForErrors ?? "stream",
            ImageDecodeOptions.Default with { Mode = ImageReadMode.Rgb }))[0];
    }

    /// <summary>
    /// Predicts a decoded image: uint8 [H, W, C] as decoders produce (preprocessed here), or an
    /// already preprocessed float [C, H, W] / batch [N, C, H, W] tensor.
    /// </summary>
    public IReadOnlyList<Prediction> Predict(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var scope = Torch.NewDisposeScope();
        return image.Dtype == ScalarType.Byte ? PredictDecoded(image) : Run(image.NDim == 3 ? image.Unsqueeze(0) : image);
    }

    /// <summary>Predicts several image files in batches of <paramref name="batchSize"/>.</summary>
    public IReadOnlyList<Prediction> PredictBatch(IEnumerable<string> imagePaths, int batchSize = 16)
    {
        ArgumentNullException.ThrowIfNull(imagePaths);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var results = new List<Prediction>();
        foreach (var chunk in imagePaths.Chunk(batchSize))
        {
            using var scope = Torch.NewDisposeScope();
            var inputs = chunk.Select(p => _transform.Apply(ImageDecoder.Decode(p, ImageReadMode.Rgb), _unused)).ToArray();
            results.AddRange(Run(Torch.Stack(inputs)));
        }
        return results;
    }

    private IReadOnlyList<Prediction> PredictDecoded(Tensor hwc)
    {
        if (hwc.NDim != 3) throw new ArgumentException($"Expected a decoded image [H, W, C]; got [{string.Join(", ", hwc.Shape)}].", nameof(hwc));
        return Run(_transform.Apply(hwc, _unused).Unsqueeze(0));
    }

    private IReadOnlyList<Prediction> Run(Tensor batch)
    {
        using var noGrad = Torch.NoGrad();
        var probabilities = _model.Forward(batch).Softmax(1).To(ScalarType.Float64);
        int classes = (int)probabilities.Size(1);
        double[] all = probabilities.ToArray<double>();
        var predictions = new Prediction[probabilities.Size(0)];
        for (int n = 0; n < predictions.Length; n++)
        {
            var row = all.AsSpan(n * classes, classes).ToArray();
            var top = Enumerable.Range(0, classes).OrderByDescending(k => row[k]).ThenBy(k => k).Take(TopK)
                .Select(k => new ClassScore(Labels[k], k, row[k])).ToArray();
            predictions[n] = new Prediction(top[0].Label, top[0].Index, top[0].Probability, row, top);
        }
        return predictions;
    }

    /// <summary>Frees the model when this predictor loaded it.</summary>
    public void Dispose()
    {
        if (_ownsModel) _model.Dispose();
    }
}

/// <summary>Conversions to a <see cref="Predictor"/>.</summary>
public static class PredictorExtensions
{
    /// <summary>A predictor over this model (the model stays owned by the caller).</summary>
    public static Predictor ToPredictor(this TransferModel model, int topK = 5) => new(model, topK);
}
