using TransferKit.Data;
using TransferKit.Inference;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Tests.Data;
using TransferKit.Tests.Fixtures;
using TransferKit.Training;
using TransferKit.Transfer;
using TransferKit.Engine;

namespace TransferKit.Tests.Transfer;


[Trait("Category", "Parity")]
[Collection(SerialCollection.Name)] // Torch.ManualSeed is process-wide
public sealed class ModelBuilderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tk-builder-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string FlowersWeights => PythonReference.SharedWeightsPath;

    [SharedWeightsFact]
    public void FromPretrainedWithAnExplicitFileKeepsItsClassesThenFreezesAndReplacesTheHead()
    {
        using var model = ModelBuilder.FromPretrained("resnet18", weightsFile: FlowersWeights).FreezeBackbone().ReplaceHead(new[] { "ants", "bees" }).Build();
        Assert.Equal(new[] { "ants", "bees" }, model.Labels);
        Assert.Equal(new long[] { 2, 512 }, model.NamedParameters().Single(p => p.Name == "fc.weight").Parameter.Shape);
        Assert.Equal(new[] { "fc.weight", "fc.bias" }, model.NamedParameters().Where(p => p.Parameter.RequiresGrad).Select(p => p.Name));
        Assert.True(model.IsBackboneFrozen);
        Assert.True(model.Training);
        var bn1 = (BatchNorm)model.GetSubmodule("bn1");
        Assert.True(bn1.UseRunningStatsInTraining, "frozen BatchNorm must stay in inference mode while training");
        Assert.Equal(224, model.Preprocessing.InputSize);

        // The pretrained weights really loaded: layer1's first conv equals the file's.
        using var file = TransferKit.Serialization.TorchSerializer.LoadStateDict(FlowersWeights);
        Assert.Equal(file["layer1.0.conv1.weight"].ToArray<float>(), model.NamedParameters().Single(p => p.Name == "layer1.0.conv1.weight").Parameter.ToArray<float>());
    }

    [Fact]
    public void FromPretrainedWithoutNetworkNamesTheFileToObtain()
    {
        var options = new WeightsResolverOptions { AllowDownload = false, TorchHubDirectory = Path.Combine(_dir, "hub"), CacheDirectory = Path.Combine(_dir, "cache") };
        var e = Assert.Throws<PretrainedWeightsNotFoundException>(() => ModelBuilder.FromPretrained("resnet18", resolverOptions: options));
        Assert.Contains("resnet18-f37072fd.pth", e.Message);
        Assert.Contains(Path.Combine(_dir, "hub"), e.Message);
    }

    [Fact]
    public void UnfreezingFromAStageAndDiscriminativeLearningRates()
    {
        using var model = ModelBuilder.FromArchitecture("resnet18", numClasses: 3).FreezeBackbone().UnfreezeFrom("layer4").Build();
        Assert.All(model.NamedParameters(), p => Assert.Equal(p.Name.StartsWith("layer4.") || p.Name.StartsWith("fc."), p.Parameter.RequiresGrad));
        Assert.Equal(new[] { "conv1", "bn1", "layer1", "layer2", "layer3", "layer4" }, model.Stages());
        Assert.True(((BatchNorm)model.GetSubmodule("layer3.0.bn1")).UseRunningStatsInTraining);
        Assert.False(((BatchNorm)model.GetSubmodule("layer4.0.bn1")).UseRunningStatsInTraining);

        model.Unfreeze();
        var groups = model.DiscriminativeGroups(1e-5, 1e-3);
        Assert.Equal(new[] { "conv1", "bn1", "layer1", "layer2", "layer3", "layer4", "head" }, groups.Select(g => g.Name));
        var rates = groups.Select(g => g.RequestedLearningRate!.Value).ToArray();
        Assert.Equal(1e-5, rates[0], 12);
        Assert.Equal(1e-3, rates[^1], 12);
        Assert.True(rates.Zip(rates.Skip(1)).All(p => p.Second > p.First));
        Assert.Equal(model.ParameterCount(), groups.Sum(g => g.Parameters.Sum(p => p.Numel)));

        using var vgg = ModelBuilder.FromArchitecture("mobilenet_v2", 2).FreezeBackbone().UnfreezeLastStages(2).Build();
        Assert.Equal("features.18", vgg.Stages()[^1]);
        Assert.True(vgg.NamedParameters().Where(p => p.Name.StartsWith("features.17.")).All(p => p.Parameter.RequiresGrad));
        Assert.True(vgg.NamedParameters().Where(p => p.Name.StartsWith("features.16.")).All(p => !p.Parameter.RequiresGrad));
    }

    [Fact]
    public void MistakesAreCaughtBeforeTraining()
    {
        var builder = ModelBuilder.FromArchitecture("small_cnn", 3);
        var model = builder.Build();
        model.RequiresGrad_(false);
        Assert.Throws<InvalidOperationException>(() => builder.Build()); // a builder builds once
        Assert.Contains("no parameters to train", Assert.Throws<ArgumentException>(() => new SGD(model.TrainableParameters(), 0.1)).Message);
        model.Dispose();

        var e = Assert.Throws<InvalidOperationException>(() =>
            ModelBuilder.FromArchitecture("small_cnn", 3).WithHead(new Sequential(new Dropout(0.1), new Linear(64, 4)), new[] { "a", "b", "c" }).Build());
        Assert.Contains("produces 4 outputs but 3 labels", e.Message);

        using var twoClasses = ModelBuilder.FromArchitecture("small_cnn", 2).Build();
        var shapes = new SyntheticShapesDataset(new[] { ShapeKind.Circle, ShapeKind.Square, ShapeKind.Triangle }, 12, 16);
        var loader = new DataLoader(shapes, new DataLoaderOptions { BatchSize = 4 }, twoClasses.Preprocessing.EvalTransform());
        var mismatch = Assert.Throws<InvalidOperationException>(() => new Trainer(new TrainerOptions { Epochs = 1 }).Fit(twoClasses, loader));
        Assert.Contains("produces 2 outputs per sample but the training data has 3 classes", mismatch.Message);
    }

    [Fact]
    public void PackagesRoundTripAndPredictLikeTheModel()
    {
        Torch.ManualSeed(3);
        using var model = ModelBuilder.FromArchitecture("small_cnn", 3, new Preprocessing(32, 36, ImageNet.Mean, ImageNet.Std)).Build();
        model.ReplaceHead(new[] { "circle", "square", "triangle" });
        string path = Path.Combine(_dir, "shapes.tkmodel");
        model.Save(path);

        using var loaded = ModelBuilder.FromPackage(path).Build();
        Assert.Equal(model.Labels, loaded.Labels);
        Assert.Equal(model.Preprocessing.InputSize, loaded.Preprocessing.InputSize);
        var shapes = new SyntheticShapesDataset(new[] { ShapeKind.Circle, ShapeKind.Square, ShapeKind.Triangle }, 6, 40);
        using var before = model.ToPredictor();
        using var after = Predictor.Load(path);
        for (int k = 0; k < shapes.Count; k++)
        {
            using var sample = shapes.Get(k);
            var a = before.Predict(sample.Image);
            var b = after.Predict(sample.Image);
            Assert.Equal(a.Probabilities, b.Probabilities);
            Assert.Equal(3, a.TopK.Count);
            Assert.Equal(a.Probabilities.Max(), a.Confidence);
        }

        var plain = Path.Combine(_dir, "plain.pth");
        TransferKit.Serialization.TorchSerializer.SaveStateDict(plain, Array.Empty<KeyValuePair<string, Tensor>>());
        Assert.Contains("not a model package", Assert.ThrowsAny<IOException>(() => ModelPackage.Load(plain)).Message);
    }

    [PyTorchFact(NeedsSharedWeights = true)]
    public void APackageLoadsInPytorchAsAPlainStateDict()
    {
        using var model = ModelBuilder.FromPretrained("resnet18", 2, weightsFile: FlowersWeights).Build();
        string path = Path.Combine(_dir, "antsbees.tkmodel");
        model.Save(path);
        string script = Path.Combine(_dir, "check.py");
        File.WriteAllText(script, "import sys, torch, torchvision\n" +
            "sd = torch.load(sys.argv[1])\n" +
            "m = torchvision.models.resnet18(num_classes=2)\n" +
            "m.load_state_dict(sd, strict=True)\n" +
            "print('ok', sd['fc.weight'].shape[0])\n");
        var (code, output) = PythonReference.Run(new[] { script, path }, _dir, TimeSpan.FromMinutes(2));
        Assert.True(code == 0, output);
        Assert.Contains("ok 2", output);
    }

    [Fact]
    public void ACustomHeadPackageNeedsItsHeadFactory()
    {
        Module Head(long inFeatures, long classes) => new Sequential(new Dropout(0.2), new Linear(inFeatures, classes));
        using var model = ModelBuilder.FromArchitecture("small_cnn", 2).WithHead(Head(64, 3), new[] { "x", "y", "z" }).Build();
        string path = Path.Combine(_dir, "custom.tkmodel");
        model.Save(path);
        Assert.Contains("custom head", Assert.ThrowsAny<IOException>(() => ModelPackage.Load(path)).Message);
        using var loaded = ModelPackage.Load(path, Head);
        Assert.True(loaded.HasCustomHead);
        Assert.Equal(new[] { "x", "y", "z" }, loaded.Labels);
    }
}
