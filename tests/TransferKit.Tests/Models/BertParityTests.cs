using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Onnx;
using TransferKit.Serialization;
using TransferKit.Tests.Fixtures;

namespace TransferKit.Tests.Models;

/// <summary>
/// A small random BERT written by PyTorch 1.13 (bert_reference.py bert: Hugging Face's module
/// names and operations, config.json + pytorch_model.bin / model.safetensors, and a copy with the
/// old LayerNorm.gamma/beta names) loads into TransferKit's BertForSequenceClassification, which
/// then gives PyTorch's hidden states, pooled output, logits, loss and the gradient of every
/// parameter within 1e-5, with padded sequences, for the pooler head and for mean pooling.
/// </summary>
[Trait("Category", "Parity")]
public class BertParityTests
{
    private const double Tolerance = 1e-5;

    private static string Folder => PythonReference.Fixture("bert_reference.py", "bert", Torch.NumThreads.ToString());

    private static StateDict Reference() => TorchSerializer.LoadStateDict(Path.Combine(Folder, "reference.pth"));

    private static ModelInputs Inputs(StateDict r) => new()
    {
        { ModelInputs.InputIds, r["input_ids"].Clone() },
        { ModelInputs.AttentionMask, r["attention_mask"].Clone() },
        { ModelInputs.TokenTypeIds, r["token_type_ids"].Clone() },
    };

    private static void Near(Tensor expected, Tensor actual, string what) => TensorDiff.AssertNear(expected, actual, Tolerance, what);

    [PyTorchFact]
    public void HuggingFaceFolderGivesPyTorchsHiddenStatesAndPooledOutputWithPadding()
    {
        using var r = Reference();
        using var model = BertPretrained.LoadForSequenceClassification(Folder, 2);
        model.Eval();
        using var inputs = Inputs(r);
        using var output = model.Bert.Run(inputs);
        Near(r["last_hidden_state"], output.LastHiddenState, "last_hidden_state");
        Near(r["pooler_output"], output.PoolerOutput!, "pooler_output");
    }

    [PyTorchTheory]
    [InlineData(BertPooling.Pooler, "")]
    [InlineData(BertPooling.Mean, "mean.")]
    public void SequenceClassifierGivesPyTorchsLogitsLossAndEveryGradient(BertPooling pooling, string prefix)
    {
        using var r = Reference();
        using var model = BertPretrained.LoadForSequenceClassification(Folder, 2, pooling);
        model.Eval();
        using var inputs = Inputs(r);
        using var logits = model.Forward(inputs);
        Near(r[prefix + "logits"], logits, "logits");
        using var loss = Functional.CrossEntropy(logits, r["labels"]);
        Near(r[prefix + "loss"], loss, "loss");
        loss.Backward();
        int compared = 0;
        foreach (var (name, parameter) in model.NamedParameters())
        {
            using var zeros = Torch.Zeros(parameter.Shape, ScalarType.Float32);
            Near(r[prefix + "grad." + name], parameter.Grad ?? zeros, "gradient of " + name);
            compared++;
        }
        Assert.Equal(r.Keys.Count(k => k.StartsWith(prefix + "grad.", StringComparison.Ordinal)), compared);
    }

    [PyTorchFact]
    public void SafetensorsAndOldGammaBetaNamesLoadTheSameWeights()
    {
        using var fromBin = TorchSerializer.LoadStateDict(Path.Combine(Folder, "pytorch_model.bin"));
        using var legacy = TorchSerializer.LoadStateDict(Path.Combine(Folder, "legacy", "pytorch_model.bin"));
        Assert.Contains(legacy.Keys, k => k.EndsWith("LayerNorm.gamma", StringComparison.Ordinal));
        Assert.Contains("bert.embeddings.position_ids", legacy.Keys);
        var (encoder, head) = BertStateDictKeys.Split(legacy);
        using var model = BertPretrained.LoadForSequenceClassification(Folder, 2);
        using var own = model.StateDict();
        Assert.Equal(own.Count, encoder.Count + head.Count);
        foreach (var (key, tensor) in encoder) TensorDiff.AssertIdentical(own["bert." + key], tensor, key);
        foreach (var (key, tensor) in head) TensorDiff.AssertIdentical(own[key], tensor, key);

        using var fromSafetensors = SafeTensors.Load(Path.Combine(Folder, "model.safetensors"));
        foreach (var (key, tensor) in fromBin) TensorDiff.AssertIdentical(tensor, fromSafetensors[key], key);
    }

    [PyTorchFact]
    public void ConfigJsonIsReadWithEveryField()
    {
        var config = BertConfig.FromJsonFile(Path.Combine(Folder, "config.json"));
        Assert.Equal(new BertConfig
        {
            VocabSize = 99, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 37,
            MaxPositionEmbeddings = 40, TypeVocabSize = 2, LayerNormEps = 1e-12,
        }, config);
    }
}
