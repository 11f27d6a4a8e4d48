using TransferKit.Audio;
using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Serialization;
using TransferKit.Tests.Fixtures;

namespace TransferKit.Tests.Models;

/// <summary>
/// Small random wav2vec2 models built by torchaudio 0.13 (wav2vec2_reference.py: torchaudio's encoder under Hugging
/// Face's keys, HF's sequence-classification head) load from a Hugging Face folder into TransferKit's
/// Wav2Vec2ForSequenceClassification, which then gives torchaudio's last hidden state, frame lengths, logits, loss and
/// the gradient of every parameter within 1e-5 on a zero-padded batch, in float32 and float64, for the base
/// arrangement (group norm, post-LN, even positional kernel) and the "stable" one (layer norm, conv biases, pre-LN).
/// </summary>
[Trait("Category", "Parity")]
public class Wav2Vec2ParityTests
{
    private const double Tolerance = 1e-5;

    private static string Folder(string variant) =>
        Path.Combine(PythonReference.Fixture("wav2vec2_reference.py", Torch.NumThreads.ToString()), variant);

    private static StateDict Reference(string variant) => TorchSerializer.LoadStateDict(Path.Combine(Folder(variant), "reference.pth"));

    private static ModelInputs Inputs(StateDict r, ScalarType dtype) => new()
    {
        { ModelInputs.InputValues, r["input_values"].To(dtype) },
        { ModelInputs.Lengths, r["lengths"].Clone() },
    };

    private static void Near(Tensor expected, Tensor actual, string what) => TensorDiff.AssertNear(expected, actual, Tolerance, what);

    [PyTorchTheory]
    [InlineData("base")]
    [InlineData("stable")]
    public void HuggingFaceFolderGivesTorchaudiosHiddenStatesAndFrameMaskWithPadding(string variant)
    {
        using var r = Reference(variant);
        using var model = Wav2Vec2Pretrained.LoadForSequenceClassification(Folder(variant));
        model.Eval();
        using var inputs = Inputs(r, ScalarType.Float32);
        using var output = model.Wav2Vec2.Run(inputs);
        Near(r["f32.last_hidden_state"], output.LastHiddenState, "last_hidden_state");
        using var frames = output.FrameMask!.Sum(1);
        Assert.Equal(r["f32.frame_lengths"].ToArray<long>(), frames.ToArray<float>().Select(f => (long)f).ToArray());
    }

    [PyTorchTheory]
    [InlineData("base", ScalarType.Float32)]
    [InlineData("base", ScalarType.Float64)]
    [InlineData("stable", ScalarType.Float32)]
    [InlineData("stable", ScalarType.Float64)]
    public void SequenceClassifierGivesTorchaudiosLogitsLossAndEveryGradient(string variant, ScalarType dtype)
    {
        string prefix = dtype == ScalarType.Float64 ? "f64." : "f32.";
        using var r = Reference(variant);
        using var model = Wav2Vec2Pretrained.LoadForSequenceClassification(Folder(variant));
        model.To(dtype);
        model.Eval();
        using var inputs = Inputs(r, dtype);
        using var logits = model.Forward(inputs);
        Near(r[prefix + "logits"], logits, "logits");
        using var loss = Functional.CrossEntropy(logits, r["labels"]);
        Near(r[prefix + "loss"], loss, "loss");
        loss.Backward();
        int compared = 0;
        foreach (var (name, parameter) in model.NamedParameters())
        {
            using var zeros = Torch.Zeros(parameter.Shape, dtype);
            Near(r[prefix + "grad." + name], parameter.Grad ?? zeros, "gradient of " + name);
            compared++;
        }
        Assert.Equal(r.Keys.Count(k => k.StartsWith(prefix + "grad.", StringComparison.Ordinal)), compared);
    }

    [PyTorchFact]
    public void AnAttentionMaskOverSamplesGivesTheLogitsOfTheLengths()
    {
        using var r = Reference("base");
        using var model = Wav2Vec2Pretrained.LoadForSequenceClassification(Folder("base"));
        model.Eval();
        using var masked = new ModelInputs
        {
            { ModelInputs.InputValues, r["input_values"].Clone() },
            { ModelInputs.AttentionMask, r["attention_mask"].Clone() },
        };
        using var logits = model.Forward(masked);
        Near(r["f32.logits"], logits, "logits from attention_mask");
    }

    [PyTorchTheory]
    [InlineData("base")]
    [InlineData("stable")]
    public void BothWeightNormKeyStylesLoadWithNoMissingOrUnexpectedKeys(string variant)
    {
        string folder = Folder(variant);
        using var bin = TorchSerializer.LoadStateDict(Path.Combine(folder, "pytorch_model.bin"));
        using var parametrized = SafeTensors.Load(Path.Combine(folder, "parametrized", "model.safetensors"));
        Assert.Contains("wav2vec2.encoder.pos_conv_embed.conv.weight_g", bin.Keys);
        Assert.Contains("wav2vec2.encoder.pos_conv_embed.conv.parametrizations.weight.original1", parametrized.Keys);
        Assert.Contains("wav2vec2.masked_spec_embed", parametrized.Keys);

        foreach (var checkpoint in new[] { bin, parametrized })
        {
            var (encoder, head) = Wav2Vec2StateDictKeys.Split(checkpoint);
            using var fresh = new Wav2Vec2Model(Wav2Vec2Config.FromJsonFile(Path.Combine(folder, "config.json")));
            var report = fresh.LoadStateDict(encoder, strict: false);
            Assert.True(report.IsExactMatch, report.ToString());
            Assert.Equal(["classifier.bias", "classifier.weight", "projector.bias", "projector.weight"], head.Keys.Order());
        }

        using var fromBin = Wav2Vec2Pretrained.LoadForSequenceClassification(folder);
        using var fromParametrized = Wav2Vec2Pretrained.LoadForSequenceClassification(Path.Combine(folder, "parametrized"));
        using var a = fromBin.StateDict();
        using var b = fromParametrized.StateDict();
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (key, tensor) in a) TensorDiff.AssertIdentical(tensor, b[key], key);
        foreach (var (key, tensor) in bin) TensorDiff.AssertIdentical(tensor, a[key], key);
    }

    [PyTorchFact]
    public void ConfigJsonIsReadWithEveryField()
    {
        var c = Wav2Vec2Config.FromJsonFile(Path.Combine(Folder("stable"), "config.json"));
        Assert.Equal([16L, 16, 16], c.ConvDim);
        Assert.Equal([10L, 3, 2], c.ConvKernel);
        Assert.Equal([5L, 2, 2], c.ConvStride);
        Assert.True(c.ConvBias);
        Assert.Equal("layer", c.FeatExtractNorm);
        Assert.True(c.DoStableLayerNorm);
        Assert.Equal((32L, 2, 4, 37L), (c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize));
        Assert.Equal((5L, 2L, 12L), (c.NumConvPosEmbeddings, c.NumConvPosEmbeddingGroups, c.ClassifierProjSize));
        Assert.Equal((0.1, 0.0, 0.1, 0.0, 0.05), (c.HiddenDropout, c.ActivationDropout, c.AttentionDropout, c.FeatProjDropout, c.LayerDrop));
        Assert.Equal(3, c.NumLabels);
        Assert.Equal(["yes", "no", "maybe"], c.Id2Label);
    }
}
