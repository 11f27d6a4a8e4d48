using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Tests.Models;


/// <summary>Registry, forward shapes, the backbone/head split and initialisation, without the PyTorch reference.</summary>
[Trait("Category", "Integration")]
public class ZooModelTests
{
    public static readonly string[] AllNames =
        { "resnet18", "resnet34", "resnet50", "vgg16", "vgg16_bn", "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0" };

    private static int InputSize(string name) => name.StartsWith("vgg", StringComparison.Ordinal) ? 32 : 64;

    [Fact]
    public void RegistryListsTheEightTorchvisionArchitecturesThenSmallCnnAndRejectsUnknownNames()
    {
        Assert.Equal(AllNames.Append("small_cnn"), ModelRegistry.Names.Take(9));
        Assert.True(ModelRegistry.Contains("mobilenet_v3_large"));
        Assert.False(ModelRegistry.Contains("ResNet18"));
        var e = Assert.Throws<KeyNotFoundException>(() => ModelRegistry.Create("resnet19"));
        Assert.Contains("resnet19", e.Message);
        Assert.Contains("efficientnet_b0", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ModelRegistry.Create("resnet18", 0));
    }

    [Theory]
    [InlineData("resnet18", "fc", 512)]
    [InlineData("resnet34", "fc", 512)]
    [InlineData("resnet50", "fc", 2048)]
    [InlineData("vgg16", "classifier.6", 4096)]
    [InlineData("vgg16_bn", "classifier.6", 4096)]
    [InlineData("mobilenet_v2", "classifier.1", 1280)]
    [InlineData("mobilenet_v3_large", "classifier.3", 1280)]
    [InlineData("efficientnet_b0", "classifier.1", 1280)]
    public void ForwardGivesLogitsPerClassAndTheHeadConsumesForwardFeatures(string name, string headPath, long headIn)
    {
        using var model = ModelRegistry.Create(name);
        Assert.Equal(name, model.Architecture);
        Assert.Equal(headPath, model.HeadPath);
        Assert.Equal(headIn, model.HeadInFeatures);
        var head = Assert.IsType<Linear>(model.Head);
        Assert.Same(head, model.GetSubmodule(headPath));
        Assert.Equal((headIn, 1000L), (head.InFeatures, head.OutFeatures));
        Assert.Equal(PretrainedCatalog.Get(name).NumParameters, model.ParameterCount());

        // Backbone and head partition the parameters.
        var all = model.NamedParameters().Select(p => p.Name).ToList();
        var backbone = model.BackboneParameters().Select(p => p.Name).ToList();
        Assert.Equal(new[] { headPath + ".weight", headPath + ".bias" }, model.HeadParameters().Select(p => p.Name));
        Assert.Equal(all.Except(new[] { headPath + ".weight", headPath + ".bias" }), backbone);

        model.Eval();
        using var scope = Torch.NewDisposeScope();
        int size = InputSize(name);
        var x = Torch.Randn(2, 3, size, size);
        var logits = model.Forward(x);
        Assert.Equal(new[] { 2L, 1000L }, logits.Shape);
        var features = model.ForwardFeatures(x);
        Assert.Equal(new[] { 2L, headIn }, features.Shape);
        Assert.Equal(logits.ToArray<float>(), model.Head.Forward(features).ToArray<float>());
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("mobilenet_v2")]
    [InlineData("mobilenet_v3_large")]
    [InlineData("efficientnet_b0")]
    public void ANewHeadTrainsAloneOnAFrozenBackbone(string name)
    {
        using var model = ModelRegistry.Create(name);
        model.ResetClassifier(3);
        var head = Assert.IsType<Linear>(model.Head);
        Assert.Equal((model.HeadInFeatures, 3L), (head.InFeatures, head.OutFeatures));
        foreach (var (_, p) in model.BackboneParameters()) p.RequiresGrad = false;
        Assert.Equal(model.HeadInFeatures * 3 + 3, model.ParameterCount(trainableOnly: true));

        using var scope = Torch.NewDisposeScope();
        var x = Torch.Randn(2, 3, 64, 64);
        var logits = model.Forward(x); // training mode: batch statistics, dropout, stochastic depth
        Assert.Equal(new[] { 2L, 3L }, logits.Shape);
        logits.Sum().Backward();
        Assert.NotNull(head.Weight.Grad);
        Assert.All(model.BackboneParameters(), p => Assert.Null(p.Parameter.Grad));
    }

    [Fact]
    public void GradientsReachTheFirstConvolutionInTrainingMode()
    {
        foreach (var name in new[] { "resnet50", "mobilenet_v3_large", "efficientnet_b0" })
        {
            using var model = ModelRegistry.Create(name, 4);
            using var scope = Torch.NewDisposeScope();
            model.Forward(Torch.Randn(2, 3, 64, 64)).Sum().Backward();
            var first = model.NamedParameters().First();
            Assert.True(first.Parameter.Grad is { } g && g.Abs().Sum().Item<float>() > 0, $"{name}: no gradient at {first.Name}");
        }
    }

    [Fact]
    public void ReplaceHeadReturnsTheOldHeadAndKeepsTheMode()
    {
        using var model = ModelRegistry.Create("vgg16", 5);
        model.Eval();
        var newHead = new Sequential(new Dropout(0.5), new Linear(4096, 2));
        using var old = model.ReplaceHead(newHead);
        Assert.Equal(5L, Assert.IsType<Linear>(old).OutFeatures);
        Assert.Same(newHead, model.GetSubmodule("classifier.6"));
        Assert.False(newHead.Training);
        Assert.Contains("classifier.6.1.weight", model.HeadParameters().Select(p => p.Name));
        using var scope = Torch.NewDisposeScope();
        Assert.Equal(new[] { 1L, 2L }, model.Forward(Torch.Randn(1, 3, 32, 32)).Shape);
    }

    [Fact]
    public void InitialisationFollowsTorchvisionSchemes()
    {
        // ResNet: convolutions N(0, 2 / fan_out), batch norm 1 and 0; zero_init_residual zeroes the last BN of each block.
        using (var resnet = new ResNet("resnet18", ResNetBlock.Basic, new[] { 2, 2, 2, 2 }, zeroInitResidual: true))
        {
            var conv = ((Conv2d)resnet.GetSubmodule("layer3.0.conv2")).Weight.ToArray<float>();
            Assert.InRange(Std(conv), 0.95 * Math.Sqrt(2.0 / (256 * 9)), 1.05 * Math.Sqrt(2.0 / (256 * 9)));
            Assert.All(((BatchNorm)resnet.GetSubmodule("layer1.0.bn2")).Weight!.ToArray<float>(), v => Assert.Equal(0f, v));
            Assert.All(((BatchNorm)resnet.GetSubmodule("layer1.0.bn1")).Weight!.ToArray<float>(), v => Assert.Equal(1f, v));
        }
        // MobileNetV3: linear N(0, 0.01²) with zero bias.
        using (var mobilenet = MobileNetV3.Large())
        {
            var fc = (Linear)mobilenet.GetSubmodule("classifier.0");
            Assert.InRange(Std(fc.Weight.ToArray<float>()), 0.0095, 0.0105);
            Assert.All(fc.Bias!.ToArray<float>(), v => Assert.Equal(0f, v));
        }
        // EfficientNet: linear U(±1/√out_features) with zero bias.
        using (var efficientnet = EfficientNet.B0(numClasses: 100))
        {
            var w = ((Linear)efficientnet.Head).Weight.ToArray<float>();
            Assert.InRange(w.Max(), 0.09, 0.1);
            Assert.InRange(w.Min(), -0.1, -0.09);
        }
    }

    private static double Std(float[] values)
    {
        double mean = values.Average(v => (double)v);
        return Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
    }

    [Fact]
    public void InvertedResidualChannelsFollowThePapersTables()
    {
        using var v2 = new MobileNetV2();
        // Block 2 of Table 2: t=6 on 16 channels → 96 hidden, projected to 24, stride 2.
        Assert.Equal(new long[] { 96, 1, 3, 3 }, ((Conv2d)v2.GetSubmodule("features.2.conv.1.0")).Weight.Shape);
        Assert.Equal(new long[] { 24, 96, 1, 1 }, ((Conv2d)v2.GetSubmodule("features.2.conv.2")).Weight.Shape);
        using var v3 = MobileNetV3.Large();
        // The 4th bneck (5×5, 72 expanded, SE) squeezes to _make_divisible(72 / 4, 8) = 24.
        Assert.Equal(new long[] { 24, 72, 1, 1 }, ((Conv2d)v3.GetSubmodule("features.4.block.2.fc1")).Weight.Shape);
        Assert.Equal(0.001, ((BatchNorm)v3.GetSubmodule("features.0.1")).Eps);
        using var b0 = EfficientNet.B0();
        // Stochastic depth grows linearly with the block index: block 15 of 16 drops with 0.2 · 15 / 16.
        Assert.Equal(0.2 * 15 / 16, ((StochasticDepth)b0.GetSubmodule("features.7.0.stochastic_depth")).P, 12);
        Assert.Equal(0.0, ((StochasticDepth)b0.GetSubmodule("features.1.0.stochastic_depth")).P);
    }
}

/// <summary>Forward passes leave no native tensor behind (reads the process-wide live-tensor count).</summary>
[Collection(SerialCollection.Name)]
[Trait("Category", "Integration")]
public class ZooMemoryTests
{
    [Theory]
    [InlineData("resnet50")]
    [InlineData("vgg16_bn")]
    [InlineData("mobilenet_v2")]
    [InlineData("mobilenet_v3_large")]
    [InlineData("efficientnet_b0")]
    public void ForwardFreesEveryIntermediate(string name)
    {
        using var model = ModelRegistry.Create(name, 10);
        int size = name.StartsWith("vgg", StringComparison.Ordinal) ? 32 : 64;
        using var x = Torch.Randn(2, 3, size, size).DetachFromDisposeScope();
        foreach (bool training in new[] { true, false })
        {
            model.Train(training);
            long before = SerialCollection.SettledLiveTensorCount();
            using (var logits = model.Forward(x)) Assert.Equal(new[] { 2L, 10L }, logits.Shape);
            using (var features = model.ForwardFeatures(x)) Assert.Equal(2L, features.Size(0));
            Assert.Equal(before, Torch.LiveTensorCount);
        }
    }
}
