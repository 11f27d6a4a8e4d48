using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Serialization;
using TransferKit.Tests.Fixtures;
using Xunit.Abstractions;
using TransferKit.Engine;

namespace TransferKit.Tests.Models;


/// <summary>
/// Numerical parity with torchvision through real PyTorch files. zoo_fixtures.py saves each
/// architecture (seed 0, 10 classes, batch-norm statistics calibrated on a batch) with torch.save in
/// the zip and the legacy format, and records its logits, head input and cross-entropy gradients in
/// evaluation and training mode. TransferKit loads each file with TorchSerializer.LoadStateDict and
/// Module.LoadStateDict and must agree: logits and head input within 1e-4 absolute, gradients
/// within 1e-4 norm-relative (max |a - b| / max |b|, b being PyTorch's), training-mode buffers within
/// 1e-4 norm-relative. Files written by TransferKit load in PyTorch with the same logits.
/// Serial: seeds and dropout masks come from the process-wide generator, which other tests use.
/// </summary>
[Collection(SerialCollection.Name)]
[Trait("Category", "Parity")]
public class ZooParityTests(ITestOutputHelper output)
{
    private const int NumClasses = 10;
    private const double Absolute = 1e-4;
    private const double Relative = 1e-4;

    /// <summary>VGG runs at 32x32: its cost is its 537 MB of weights, not the forward pass.</summary>
    private static int InputSize(string name) => name.StartsWith("vgg", StringComparison.Ordinal) ? 32 : 64;

    private static ParityFixture FixtureOf(string name) => ParityFixture.Of(name, NumClasses, InputSize(name), Torch.NumThreads);

    public static TheoryData<string, string> ArchitecturesAndFormats()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in new[] { "resnet18", "resnet34", "resnet50", "vgg16", "vgg16_bn", "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0" })
            foreach (var format in new[] { "zip", "legacy" })
                data.Add(name, format);
        return data;
    }

    [PyTorchTheory]
    [MemberData(nameof(ArchitecturesAndFormats))]
    public void TorchvisionPthGivesTheSameLogitsGradientsAndBuffersInEvalAndTrainMode(string name, string format)
    {
        var fixture = FixtureOf(name);
        Torch.ManualSeed(0);
        using var model = ModelRegistry.Create(name, NumClasses);
        using var state = TorchSerializer.LoadStateDict(fixture.ModelFile(format));

        // The same seed gives torchvision's initial parameters exactly: its constructor draws from the
        // same generator in the same order. (Batch-norm buffers differ: the fixture calibrated them.)
        using (var own = new StateDict(model.StateDict())) Assert.Equal(own.Keys, state.Keys);
        foreach (var (key, parameter) in model.NamedParameters())
            TensorDiff.AssertIdentical(state[key], parameter, key);

        model.LoadStateDict(state);
        using var reference = fixture.LoadReference();
        Compare(model, fixture, reference, $"{name} ({format})");
    }

    public static TheoryData<string> ArchitecturesWithSafetensors() =>
        new() { "resnet18", "resnet34", "resnet50", "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0" };

    /// <summary>A safetensors file of a whole zoo state dict, written by Python from the specification.</summary>
    [PyTorchTheory]
    [MemberData(nameof(ArchitecturesWithSafetensors))]
    public void SafetensorsOfATorchvisionStateDictLoadsWithTheSameValuesAndLogits(string name)
    {
        var fixture = FixtureOf(name);
        using var fromPth = TorchSerializer.LoadStateDict(fixture.ModelFile("zip"));
        using var fromSafetensors = SafeTensors.Load(fixture.ModelFile("safetensors"));
        Assert.Equal(fromPth.Keys, fromSafetensors.Keys);
        foreach (var (key, tensor) in fromPth) TensorDiff.AssertIdentical(tensor, fromSafetensors[key], key);

        using var model = ModelRegistry.Create(name, NumClasses);
        model.LoadStateDict(fromSafetensors);
        model.Eval();
        using var reference = fixture.LoadReference();
        using var scope = Torch.NewDisposeScope();
        using var noGrad = Torch.NoGrad();
        double d = TensorDiff.MaxAbs(reference["eval.logits"], model.Forward(reference["input"]));
        output.WriteLine($"{name} (safetensors): eval logits max |diff| {d:g3}");
        Assert.True(d <= Absolute, $"eval logits: max |difference| {d:g3} exceeds {Absolute:g3}");
    }

    /// <summary>
    /// TransferKit writes a model's state dict as .pth (TorchSerializer.SaveStateDict) and safetensors;
    /// both read back identically in TransferKit, and PyTorch loads both (torch.load, and a reader
    /// written from the safetensors specification) with load_state_dict(strict=True) and computes the
    /// same evaluation-mode logits.
    /// </summary>
    [PyTorchTheory]
    [InlineData("resnet18")]
    [InlineData("mobilenet_v3_large")]
    [InlineData("efficientnet_b0")]
    public void StateDictWrittenByTransferKitLoadsInPyTorchWithTheSameLogits(string name)
    {
        const int classes = 7;
        string folder = Path.Combine(Path.GetTempPath(), $"tk-zoo-roundtrip-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            Torch.ManualSeed(11);
            using var model = ModelRegistry.Create(name, classes);
            using var scope = Torch.NewDisposeScope();
            using (Torch.NoGrad())
            {
                // Move the batch-norm statistics away from their initial values (and count batches).
                model.Train();
                for (int k = 0; k < 3; k++) model.Forward(Torch.Randn(4, 3, 64, 64));
            }
            model.Eval();

            var state = new StateDict(model.StateDict());
            try
            {
                TorchSerializer.SaveStateDict(Path.Combine(folder, "state.pth"), state);
                SafeTensors.Save(Path.Combine(folder, "state.safetensors"), state, new Dictionary<string, string> { ["format"] = "pt" });
                using var pth = TorchSerializer.LoadStateDict(Path.Combine(folder, "state.pth"));
                using var safetensors = SafeTensors.Load(Path.Combine(folder, "state.safetensors"));
                Assert.Equal(state.Keys, pth.Keys);
                Assert.Equal(state.Keys, safetensors.Keys);
                foreach (var (key, tensor) in state)
                {
                    TensorDiff.AssertIdentical(tensor, pth[key], key + " (.pth)");
                    TensorDiff.AssertIdentical(tensor, safetensors[key], key + " (safetensors)");
                }
            }
            finally
            {
                state.Dispose();
            }

            var input = Torch.Randn(2, 3, 64, 64);
            TorchSerializer.SaveStateDict(Path.Combine(folder, "input.pth"), new Dictionary<string, Tensor> { ["input"] = input });
            Tensor logits;
            using (Torch.NoGrad()) logits = model.Forward(input);

            ZooFixtures.RunUncached(folder, "roundtrip", name, classes.ToString(), Torch.NumThreads.ToString());
            using var python = TorchSerializer.LoadStateDict(Path.Combine(folder, "logits.pth"));
            foreach (var file in new[] { "pth", "safetensors" })
            {
                double d = TensorDiff.MaxAbs(python[file], logits);
                output.WriteLine($"{name}: PyTorch's logits from TransferKit's {file} max |diff| {d:g3}");
                Assert.True(d <= Absolute, $"{file}: max |difference| {d:g3} exceeds {Absolute:g3}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Evaluation mode: logits, head input, and the gradients of cross_entropy(logits, target) for the
    /// first convolution's and the head's weight. Training mode, after seeding the generator as
    /// PyTorch did right before its forward (dropout and stochastic depth draw the same masks): the
    /// same, and every buffer afterwards (running statistics updated from the batch).
    /// </summary>
    private void Compare(ClassifierModel model, ParityFixture fixture, StateDict reference, string label)
    {
        var parameters = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        var firstConv = parameters[fixture.FirstConvWeight];
        var head = parameters[fixture.HeadWeight];
        var input = reference["input"];
        var target = reference["target"];
        var report = new List<string>();
        var row = new Dictionary<string, double>();

        void Run(string mode)
        {
            model.ZeroGrad();
            using var scope = Torch.NewDisposeScope();
            var logits = model.Forward(input);
            Functional.CrossEntropy(logits, target).Backward();
            double logitsDiff = TensorDiff.MaxAbs(reference[mode + ".logits"], logits);
            double convDiff = TensorDiff.NormRelative(reference[mode + ".grad.first_conv"], firstConv.Grad!);
            double headDiff = TensorDiff.NormRelative(reference[mode + ".grad.head"], head.Grad!);
            report.Add($"{mode}: logits {logitsDiff:g3}, grad {fixture.FirstConvWeight} {convDiff:g3} (rel), grad {fixture.HeadWeight} {headDiff:g3} (rel)");
            row[mode + ".logits"] = logitsDiff;
            row[mode + ".conv"] = convDiff;
            row[mode + ".head"] = headDiff;
            Assert.True(logitsDiff <= Absolute, $"{label} {mode} logits: max |difference| {logitsDiff:g3} exceeds {Absolute:g3}");
            Assert.True(convDiff <= Relative, $"{label} {mode} gradient of {fixture.FirstConvWeight}: norm-relative difference {convDiff:g3} exceeds {Relative:g3}");
            Assert.True(headDiff <= Relative, $"{label} {mode} gradient of {fixture.HeadWeight}: norm-relative difference {headDiff:g3} exceeds {Relative:g3}");
        }

        try
        {
            model.Eval();
            Run("eval");
            using (Torch.NewDisposeScope())
            using (Torch.NoGrad())
            {
                double d = TensorDiff.MaxAbs(reference["eval.features"], model.ForwardFeatures(input));
                report.Add($"eval head input {d:g3}");
                Assert.True(d <= Absolute, $"{label} head input: max |difference| {d:g3} exceeds {Absolute:g3}");
            }

            model.Train();
            Torch.ManualSeed(fixture.TrainSeed);
            Run("train");
            double worstBuffer = 0;
            foreach (var (key, buffer) in model.NamedBuffers())
            {
                var expected = reference["train.buffer." + key];
                double d = TensorDiff.NormRelative(expected, buffer);
                if (expected.Dtype == ScalarType.Int64) Assert.True(d == 0, $"{label} {key}: {buffer.Item<long>()}, expected {expected.Item<long>()}");
                Assert.True(d <= Relative, $"{label} buffer {key} after the training-mode forward: norm-relative difference {d:g3} exceeds {Relative:g3}");
                worstBuffer = Math.Max(worstBuffer, d);
            }
            report.Add($"train buffers {worstBuffer:g3} (rel)");
            ParityTable.Append(label, row, worstBuffer);
        }
        finally
        {
            model.ZeroGrad();
            output.WriteLine($"{label}: {string.Join("; ", report)}");
        }
    }
}

/// <summary>
/// Writes the parity table quoted in docs/models.md: one markdown row per architecture and file
/// format, appended by each <see cref="ZooParityTests"/> case to <c>zoo-parity-table.md</c> in the
/// test output folder (or the file named by TRANSFERKIT_PARITY_TABLE).
/// </summary>
internal static class ParityTable
{
    private static readonly object Gate = new();

    public static string Path => Environment.GetEnvironmentVariable("TRANSFERKIT_PARITY_TABLE") is { Length: > 0 } p
        ? p : System.IO.Path.Combine(AppContext.BaseDirectory, "zoo-parity-table.md");

    public static void Append(string label, IReadOnlyDictionary<string, double> d, double buffers)
    {
        lock (Gate)
        {
            if (!File.Exists(Path))
                File.WriteAllText(Path,
                    "| model (file) | eval logits max abs diff | eval grad first conv (rel) | eval grad head (rel) | train logits max abs diff | train grad first conv (rel) | train grad head (rel) | train buffers (rel) |\n" +
                    "|---|---|---|---|---|---|---|---|\n");
            File.AppendAllText(Path, $"| {label} | {d["eval.logits"]:g3} | {d["eval.conv"]:g3} | {d["eval.head"]:g3} | {d["train.logits"]:g3} | {d["train.conv"]:g3} | {d["train.head"]:g3} | {buffers:g3} |\n");
        }
    }
}
