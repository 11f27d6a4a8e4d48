using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Serialization;
using TransferKit.Tests.Fixtures;
using TransferKit.Transfer;

namespace TransferKit.Tests.Models;

/// <summary>
/// <see cref="VisionTransformer"/> against torchvision 0.14's VisionTransformer (Fixtures/vit_reference.py):
/// a seeded model of <see cref="VitConfig.Tiny"/>'s shape with perturbed parameters, saved by
/// torch.save in torchvision's keys and, mapped by the fixture's own Python, in Hugging Face's.
/// Logits, [CLS] features and every gradient (parameters and input, of a cross-entropy loss) agree
/// within 1e-5; the position-embedding interpolation equals torchvision's interpolate_embeddings.
/// </summary>
[Trait("Category", "Parity")]
public class VitParityTests
{
    private const double Tolerance = 1e-5;

    private static string Tiny(string file) => Path.Combine(PythonReference.Fixture("vit_reference.py", "tiny"), file);

    private static VisionTransformer TinyModel(int imageSize = 32) =>
        new(VitConfig.Tiny with { NumClasses = 5, ImageSize = imageSize }, VisionTransformer.TinyName);

    /// <summary>The tiny model with a fixture file's weights loaded; asserts the layout detected.</summary>
    private static VisionTransformer TinyModelFrom(string file, VitKeyLayout layout, int imageSize = 32)
    {
        using var state = TorchSerializer.LoadStateDict(Tiny(file));
        var model = TinyModel(imageSize);
        model.LoadWeights(state);
        Assert.Equal(layout, model.LoadedLayout);
        return model;
    }

    [PyTorchFact]
    public void TorchvisionWeightsGiveTorchvisionsLogitsAndGradients()
    {
        using var reference = TorchSerializer.LoadStateDict(Tiny("tiny_ref.pth"));
        using var model = TinyModelFrom("tiny_tv.pth", VitKeyLayout.Torchvision);
        model.Train();
        using var x = reference["x"].Clone().RequiresGrad_();
        using var logits = model.Forward(x);
        TensorDiff.AssertNear(reference["logits"], logits, Tolerance, "logits");
        using var loss = Functional.CrossEntropy(logits, reference["target"]);
        TensorDiff.AssertNear(reference["loss"], loss, Tolerance, "loss");
        loss.Backward();
        using (var gradInput = x.Grad!) TensorDiff.AssertNear(reference["grad_input"], gradInput, Tolerance, "gradient of the input");
        int compared = 0;
        foreach (var (name, p) in model.NamedParameters())
        {
            using var grad = p.Grad ?? throw new Xunit.Sdk.XunitException($"{name} has no gradient");
            TensorDiff.AssertNear(reference["grad." + name], grad, Tolerance, "gradient of " + name);
            compared++;
        }
        Assert.Equal(reference.Keys.Count(k => k.StartsWith("grad.", StringComparison.Ordinal)), compared);
    }

    [PyTorchFact]
    public void HuggingFaceKeysLoadIntoTheSameModelWithTheSameLogits()
    {
        using var reference = TorchSerializer.LoadStateDict(Tiny("tiny_ref.pth"));
        using var model = TinyModelFrom("tiny_hf.pth", VitKeyLayout.HuggingFace);
        model.Eval();
        using var logits = model.Forward(reference["x"]);
        TensorDiff.AssertNear(reference["logits"], logits, Tolerance, "logits from Hugging Face keys");
    }

    [PyTorchFact]
    public void TorchvisionKeysTranslateToExactlyTheFixturesHuggingFaceTensors()
    {
        using var tv = TorchSerializer.LoadStateDict(Tiny("tiny_tv.pth"));
        using var expected = TorchSerializer.LoadStateDict(Tiny("tiny_hf.pth"));
        using var hf = VitKeys.ToHuggingFace(tv);
        Assert.Equal(expected.Keys.OrderBy(k => k, StringComparer.Ordinal), hf.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (key, tensor) in expected) TensorDiff.AssertIdentical(tensor, hf[key], key);
        using var back = VitKeys.FromHuggingFace(hf);
        Assert.Equal(tv.Keys.OrderBy(k => k, StringComparer.Ordinal), back.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (key, tensor) in tv) TensorDiff.AssertIdentical(tensor, back[key], key);
    }

    [PyTorchFact]
    public void HeadlessViTModelFileLoadsTheEncoderAndKeepsTheNewHead()
    {
        using var backbone = TorchSerializer.LoadStateDict(Tiny("tiny_hf_model.pth"));
        using var reference = TorchSerializer.LoadStateDict(Tiny("tiny_ref.pth"));
        using var model = TinyModel();
        using var headBefore = model.Head.NamedParameters().First(p => p.Name == "weight").Parameter.Clone();
        model.LoadWeights(backbone);
        model.Eval();
        using var features = model.ForwardFeatures(reference["x"]);
        TensorDiff.AssertNear(reference["features"], features, Tolerance, "[CLS] features");
        TensorDiff.AssertIdentical(headBefore, model.Head.NamedParameters().First(p => p.Name == "weight").Parameter, "head weight");
    }

    [PyTorchFact]
    public void PositionEmbeddingsInterpolateAsTorchvisionForAnotherImageSize()
    {
        using var state = TorchSerializer.LoadStateDict(Tiny("tiny_tv.pth"));
        using var reference = TorchSerializer.LoadStateDict(Tiny("tiny_ref.pth"));
        using var resized = VitPositionEmbedding.Interpolate(state["encoder.pos_embedding"], 6);
        TensorDiff.AssertNear(reference["pos_48"], resized, 1e-6, "position embeddings at 48 px");

        using var model = TinyModelFrom("tiny_tv.pth", VitKeyLayout.Torchvision, imageSize: 48);
        model.Eval();
        using var logits = model.Forward(reference["x48"]);
        TensorDiff.AssertNear(reference["logits_48"], logits, Tolerance, "logits at 48 px");
    }

    /// <summary>Real ViT-B/16 size (86 M parameters; the fixture writes a 330 MB file once).</summary>
    [PyTorchFact]
    public void VitB16FromPretrainedMatchesTorchvisionInBothKeyLayouts()
    {
        string dir = PythonReference.Fixture("vit_reference.py", "b16");
        using var reference = TorchSerializer.LoadStateDict(Path.Combine(dir, "b16_ref.pth"));
        using (var model = ModelBuilder.FromPretrained(VisionTransformer.B16Name, weightsFile: Path.Combine(dir, "b16_tv.pth")).Build())
        {
            Assert.True(model.Preprocessing.CenterCrop);
            model.Train();
            using var x = reference["x"].Clone().RequiresGrad_();
            using var logits = model.Forward(x);
            TensorDiff.AssertNear(reference["logits"], logits, Tolerance, "vit_b_16 logits");
            using var loss = Functional.CrossEntropy(logits, reference["target"]);
            loss.Backward();
            using var gradInput = x.Grad!;
            Assert.True(TensorDiff.NormRelative(reference["grad_input"], gradInput) <= Tolerance, "vit_b_16 input gradient");
            foreach (var name in new[] { "conv_proj.weight", "encoder.layers.encoder_layer_0.self_attention.in_proj_weight" })
            {
                using var grad = model.NamedParameters().First(p => p.Name == name).Parameter.Grad!;
                double relative = TensorDiff.NormRelative(reference["grad." + name], grad);
                Assert.True(relative <= Tolerance, $"vit_b_16 gradient of {name}: norm-relative difference {relative:G3}");
            }
        }

        // The same weights in Hugging Face keys (written by VitKeys, checked against the fixture's
        // Python mapping above): loaded through the same path, with Hugging Face's preprocessing.
        string hfFile = Path.Combine(Path.GetTempPath(), $"tk-vit-b16-hf-{Environment.ProcessId}.pth");
        try
        {
            using (var tv = TorchSerializer.LoadStateDict(Path.Combine(dir, "b16_tv.pth")))
            using (var hf = VitKeys.ToHuggingFace(tv))
                TorchSerializer.SaveStateDict(hfFile, hf);
            using var model = ModelBuilder.FromPretrained(VisionTransformer.B16Name, weightsFile: hfFile).Build();
            Assert.False(model.Preprocessing.CenterCrop);
            Assert.Equal(new[] { 0.5, 0.5, 0.5 }, model.Preprocessing.Mean);
            model.Eval();
            using var logits = model.Forward(reference["x"]);
            TensorDiff.AssertNear(reference["logits"], logits, Tolerance, "vit_b_16 logits from Hugging Face keys");
        }
        finally
        {
            File.Delete(hfFile);
        }
    }
}
