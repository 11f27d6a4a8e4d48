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

    /// <summary>Predicts one image file (JPEG/PNG).</summary>
    /// <exception cref="ImageDecodeException">The file is damaged or not an image (the message names it).</exception>
    public Prediction Predict(string imagePath)
    {
        ArgumentNullException.ThrowIfNull(imagePath);
        using var scope = Torch.NewDisposeScope();
        return Run(Preprocess(ImageDecoder.Decode(imagePath, ImageReadMode.Rgb)).Unsqueeze(0))[0];
    }

    /// <summary>Predicts one encoded image (JPEG/PNG bytes) read from a stream.</summary>
    public Prediction Predict(Stream image, string? nameForErrors = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var buffer = new MemoryStream();
        image.CopyTo(buffer);
        using var scope = Torch.NewDisposeScope();
        var decoded = ImageDecoder.Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), nameForErrors ?? "stream",
            ImageDecodeOptions.Default with { Mode = ImageReadMode.Rgb });
        return Run(Preprocess(decoded).Unsqueeze(0))[0];
    }

    /// <summary>
    /// Predicts one decoded image: uint8 [H, W, C] as decoders produce (preprocessed here), or an
    /// already preprocessed float [C, H, W] tensor. For a batch [N, C, H, W] use <see cref="PredictBatch(Tensor)"/>.
    /// </summary>
    public Prediction Predict(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.NDim != 3)
            throw new ArgumentException($"Predict takes one image, uint8 [H, W, C] or float [C, H, W]; got [{string.Join(", ", image.Shape)}]" +
                (image.NDim == 4 ? " (a batch: use PredictBatch)." : "."), nameof(image));
        using var scope = Torch.NewDisposeScope();
        return Run(Preprocess(image).Unsqueeze(0))[0];
    }

    /// <summary>
    /// Predicts a batch: uint8 [N, H, W, C] decoded images (preprocessed here, all the same size) or
    /// an already preprocessed float [N, C, H, W] tensor; one prediction per image, in order.
    /// </summary>
    public IReadOnlyList<Prediction> PredictBatch(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.NDim != 4)
            throw new ArgumentException($"PredictBatch takes a batch, uint8 [N, H, W, C] or float [N, C, H, W]; got [{string.Join(", ", images.Shape)}]" +
                (images.NDim == 3 ? " (one image: use Predict)." : "."), nameof(images));
        using var scope = Torch.NewDisposeScope();
        if (images.Dtype != ScalarType.Byte) return Run(images);
        var inputs = Enumerable.Range(0, (int)images.Size(0)).Select(n => Preprocess(images.Select(0, n))).ToArray();
        return Run(Torch.Stack(inputs));
    }

    /// <summary>Predicts several image files, in batches of <paramref name="batchSize"/>; one prediction per file, in order.</summary>
    public IReadOnlyList<Prediction> PredictBatch(IEnumerable<string> imagePaths, int batchSize = 16)
    {
        ArgumentNullException.ThrowIfNull(imagePaths);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var results = new List<Prediction>();
        foreach (var chunk in imagePaths.Chunk(batchSize))
        {
            using var scope = Torch.NewDisposeScope();
            var inputs = chunk.Select(p => Preprocess(ImageDecoder.Decode(p, ImageReadMode.Rgb))).ToArray();
            results.AddRange(Run(Torch.Stack(inputs)));
        }
        return results;
    }

    /// <summary>A decoded uint8 [H, W, C] image through the model's evaluation transform; a float [C, H, W] one as it is.</summary>
    private Tensor Preprocess(Tensor image) => image.Dtype == ScalarType.Byte ? _transform.Apply(image, _unused) : image.Alias();

    private IReadOnlyList<Prediction> Run(Tensor batch)
    {
        using var noGrad = Torch.NoGrad();
        return PredictionBuilder.FromLogits(_model.Forward(batch), Labels, TopK);
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
