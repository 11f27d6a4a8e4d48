using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Onnx;
using TransferKit.Transfer;

namespace TransferKit.Tests.Onnx;

/// <summary>
/// Models exported with <c>ExportOnnx</c> give TransferKit's logits when ONNX Runtime runs them
/// (within 1e-4, batch sizes 1 and 7, one dynamic-batch file), with preprocessing and labels in the metadata.
/// </summary>
[Trait("Category", "Integration")]
[Collection(SerialCollection.Name)] // Torch.ManualSeed is process-wide
public sealed class OnnxExportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tk-onnx-export-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Randomised batch-norm statistics so that exported running stats matter; weights as initialised.
    private static void RandomiseNormStatistics(Module model)
    {
        Torch.ManualSeed(7);
        using var _ = Torch.NoGrad();
        foreach (var (_, m) in model.NamedModules())
            if (m is BatchNorm { RunningMean: { } mean, RunningVar: { } variance } bn)
            {
                using var r1 = Torch.Randn(mean.Shape[0]);
                using var r2 = Torch.Rand(variance.Shape[0]);
                using var m1 = r1.Mul(0.1);
                using var v1 = r2.Add(0.5);
                mean.Copy_(m1);
                variance.Copy_(v1);
            }
    }

    private void AssertOrtMatches(Module model, int size, OnnxExportOptions? options = null)
    {
        model.Eval();
        string path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".onnx");
        model.ExportOnnx(path, (options ?? new OnnxExportOptions()) with { InputSize = size });
        using var session = OnnxTestSupport.Session(path);
        foreach (int batch in new[] { 1, 7 })
        {
            Torch.ManualSeed((ulong)batch);
            using var x = Torch.Randn(batch, 3, size, size);
            float[] expected;
            using (Torch.NoGrad())
            using (var y = model.Forward(x))
                expected = y.ToArray<float>();
            float[] actual = OnnxTestSupport.RunOrt(session, x.ToArray<float>(), new long[] { batch, 3, size, size }, out long[] shape);
            Assert.True(shape[0] == batch, $"batch dimension {shape[0]}, expected {batch}");
            double diff = OnnxTestSupport.MaxAbsDiff(expected, actual);
            Assert.True(diff <= 1e-4, $"batch {batch}: max |logit diff| {diff:G3}");
        }
    }

    [Theory]
    [InlineData("resnet18", 64)]
    [InlineData("resnet34", 64)]
    [InlineData("resnet50", 64)]
    [InlineData("mobilenet_v2", 64)]
    [InlineData("mobilenet_v3_large", 64)]
    [InlineData("efficientnet_b0", 64)]
    [InlineData("vgg16", 224)]
    [InlineData("vgg16_bn", 224)]
    [InlineData("small_cnn", 32)]
    [InlineData("resnet18_mlnet", 64)]
    public void ZooArchitectureLogitsMatchOnnxRuntime(string architecture, int size)
    {
        Torch.ManualSeed(0);
        using var model = ModelRegistry.Create(architecture, 10);
        RandomiseNormStatistics(model);
        AssertOrtMatches(model, size);
    }

    [Fact]
    public void FineTunedTransferModelLogitsMatchOnnxRuntimeAndMetadataCarriesPreprocessing()
    {
        Torch.ManualSeed(0);
        using var model = ModelBuilder.FromArchitecture("resnet18", 3).ReplaceHead(new[] { "ant", "bee", "wasp" }).Build();
        RandomiseNormStatistics(model);
        // A few SGD steps so the exported weights are not the initial ones.
        using (var x = Torch.Randn(4, 3, 64, 64))
        using (var target = Torch.FromArray(new long[] { 0, 1, 2, 1 }, 4))
        {
            model.Train();
            var parameters = model.Parameters().ToList();
            for (int step = 0; step < 2; step++)
            {
                using var logits = model.Forward(x);
                using var loss = Functional.CrossEntropy(logits, target);
                loss.Backward();
                using (Torch.NoGrad())
                    foreach (var p in parameters)
                        if (p.Grad is { } grad)
                        {
                            p.Add_(grad, alpha: -0.01);
                            grad.Zero_();
                            grad.Dispose();
                        }
            }
        }
        var options = new OnnxExportOptions { Labels = model.Labels, Mean = model.Preprocessing.Mean, Std = model.Preprocessing.Std, ResizeSize = 73 };
        AssertOrtMatches(model.Network, 64, options);

        string path = Path.Combine(_dir, "meta.onnx");
        model.ExportOnnx(path, options with { InputSize = 64 }); // TransferModel's own export: its labels and preprocessing unless given
        using var session = OnnxTestSupport.Session(path);
        var meta = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal("ant\nbee\nwasp", meta["labels"]);
        Assert.Equal("64", meta["input_size"]);
        Assert.Equal("resnet18", meta["architecture"]);
        Assert.Equal(3, meta["mean"].Split(',').Length);
    }

    [Fact]
    public void ExportedResNetImportsBackWithIdenticalLogits()
    {
        Torch.ManualSeed(0);
        using var original = ModelRegistry.Create("resnet18", 5);
        RandomiseNormStatistics(original);
        original.Eval();
        string path = Path.Combine(_dir, "roundtrip.onnx");
        original.ExportOnnx(path, new OnnxExportOptions { InputSize = 64 });

        using var imported = OnnxImport.LoadResNet(path, new OnnxImportOptions { FileConvention = null });
        Assert.Equal(new[] { 2, 2, 2, 2 }, imported.BlocksPerStage);
        using var copy = ModelRegistry.Create("resnet18", 5);
        copy.LoadStateDict(imported.StateDict, strict: true);
        copy.Eval();
        using var x = Torch.Randn(2, 3, 64, 64);
        using var _ = Torch.NoGrad();
        using var expected = original.Forward(x);
        using var actual = copy.Forward(x);
        Assert.Equal(expected.ToArray<float>(), actual.ToArray<float>());
    }
}
