using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Onnx;

namespace TransferKit.Audio;

/// <summary>
/// Loads Hugging Face wav2vec2 checkpoints (a folder with <c>config.json</c> and <c>model.safetensors</c> or
/// <c>pytorch_model.bin</c>, e.g. <c>facebook/wav2vec2-base</c>) into <see cref="Wav2Vec2Model"/> and
/// <see cref="Wav2Vec2ForSequenceClassification"/>. Both weight-norm key styles load; keys of heads this model
/// lacks (CTC's <c>lm_head</c>, pre-training's <c>quantizer</c> / <c>project_q</c> / <c>project_hid</c>) are ignored.
/// </summary>
public static class Wav2Vec2Pretrained
{
    /// <summary>Reads a model folder into an encoder.</summary>
    /// <exception cref="FileNotFoundException">The folder lacks <c>config.json</c> or a weight file.</exception>
    /// <exception cref="InvalidDataException">The configuration is malformed or the weights do not fit it (the message lists missing and unexpected keys).</exception>
    public static Wav2Vec2Model LoadModel(string folder)
    {
        var config = Wav2Vec2Config.FromJsonFile(HuggingFaceFolder.ConfigPath(folder, "wav2vec2"));
        string path = HuggingFaceFolder.WeightPath(folder, "wav2vec2");
        using var checkpoint = HuggingFaceFolder.ReadWeights(path);
        var (encoder, _) = Wav2Vec2StateDictKeys.Split(checkpoint);
        return CreateEncoder(config, encoder, path);
    }

    /// <summary>
    /// Reads a model folder into a sequence classifier with <paramref name="numLabels"/> classes (the config's
    /// <c>num_labels</c> when null). The projector and classifier are loaded when the file has them in the right
    /// shapes; otherwise they are new (N(0, initializer_range)), as when fine-tuning a pretrained encoder.
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder lacks <c>config.json</c> or a weight file.</exception>
    /// <exception cref="InvalidDataException">The configuration is malformed or the encoder's weights do not fit it.</exception>
    public static Wav2Vec2ForSequenceClassification LoadForSequenceClassification(string folder, long? numLabels = null)
    {
        var config = Wav2Vec2Config.FromJsonFile(HuggingFaceFolder.ConfigPath(folder, "wav2vec2"));
        string path = HuggingFaceFolder.WeightPath(folder, "wav2vec2");
        using var checkpoint = HuggingFaceFolder.ReadWeights(path);
        var (encoder, head) = Wav2Vec2StateDictKeys.Split(checkpoint);
        var model = new Wav2Vec2ForSequenceClassification(CreateEncoder(config, encoder, path), numLabels ?? config.NumLabels);
        try
        {
            LoadIfShaped(model.Projector, "projector", head);
            LoadIfShaped(model.Classifier, "classifier", head);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Builds the encoder of <paramref name="config"/> and loads <paramref name="weights"/> strictly; <paramref name="source"/> names the file in errors.</summary>
    /// <exception cref="InvalidDataException">Keys are missing or unexpected, or shapes differ (all listed).</exception>
    public static Wav2Vec2Model CreateEncoder(Wav2Vec2Config config, IReadOnlyDictionary<string, Tensor> weights, string source)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        var model = new Wav2Vec2Model(config);
        try
        {
            var report = model.LoadStateDict(weights, strict: false);
            if (!report.IsExactMatch)
                throw new InvalidDataException($"{source} does not hold the wav2vec2 described by its configuration: {report}");
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static void LoadIfShaped(Linear layer, string name, Dictionary<string, Tensor> head)
    {
        if (!head.TryGetValue(name + ".weight", out var w) || !head.TryGetValue(name + ".bias", out var b)) return;
        if (!w.Shape.SequenceEqual(layer.Weight.Shape) || !b.Shape.SequenceEqual(layer.Bias!.Shape)) return;
        layer.LoadStateDict(new Dictionary<string, Tensor> { ["weight"] = w, ["bias"] = b });
    }
}
