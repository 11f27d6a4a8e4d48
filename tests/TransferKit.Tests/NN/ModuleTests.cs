using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Tests.NN;


[Collection(SerialCollection.Name)]
[Trait("Category", "Unit")]
public class ModuleTests
{
    /// <summary>A miniature of torchvision's naming: conv + bn + a Sequential block + fc.</summary>
    private sealed class TinyNet : Module
    {
        public TinyNet(int classes = 3)
        {
            RegisterModule("conv1", new Conv2d(3, 4, 3, padding: 1, bias: false));
            RegisterModule("bn1", new BatchNorm2d(4));
            RegisterModule("layer1", new Sequential(new Conv2d(4, 4, 3, padding: 1), new ReLU()));
            RegisterModule("pool", new AdaptiveAvgPool2d(1));
            RegisterModule("fc", new Linear(4, classes));
        }

        public override Tensor Forward(Tensor input)
        {
            using var scope = Torch.NewDisposeScope();
            var x = GetSubmodule("conv1").Forward(input);
            x = GetSubmodule("bn1").Forward(x).Relu();
            x = GetSubmodule("layer1").Forward(x);
            x = GetSubmodule("pool").Forward(x).Flatten(1);
            return scope.MoveToOuter(GetSubmodule("fc").Forward(x));
        }
    }

    [Fact]
    public void NamesAndStateDictKeysFollowPytorch()
    {
        using var net = new TinyNet();
        Assert.Equal(new[] { "conv1.weight", "bn1.weight", "bn1.bias", "layer1.0.weight", "layer1.0.bias", "fc.weight", "fc.bias" },
            net.NamedParameters().Select(p => p.Name));
        Assert.Equal(new[] { "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked" }, net.NamedBuffers().Select(b => b.Name));
        var sd = net.StateDict();
        try
        {
            Assert.Equal(new[]
            {
                "conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked",
                "layer1.0.weight", "layer1.0.bias", "fc.weight", "fc.bias",
            }, sd.Keys);
            Assert.Equal(ScalarType.Int64, sd["bn1.num_batches_tracked"].Dtype);
            Assert.Empty(sd["bn1.num_batches_tracked"].Shape);
            Assert.False(sd["fc.weight"].RequiresGrad);
        }
        finally
        {
            foreach (var t in sd.Values) t.Dispose();
        }
        Assert.Equal(new[] { "", "conv1", "bn1", "layer1", "layer1.0", "layer1.1", "pool", "fc" }, net.NamedModules().Select(m => m.Name));
        Assert.Equal(4 * 3 * 9 + 4 + 4 + 4 * 4 * 9 + 4 + 4 * 3 + 3, net.ParameterCount());
    }

    [Fact]
    public void LoadStateDictRoundTripsBetweenTwoInstances()
    {
        using var a = new TinyNet();
        using var b = new TinyNet();
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Randn(2, 3, 5, 5);
        a.Eval();
        b.Eval();
        var sd = a.StateDict();
        var report = b.LoadStateDict(sd);
        foreach (var t in sd.Values) t.Dispose();
        Assert.True(report.IsExactMatch);
        Assert.Equal(10, report.LoadedKeys.Count);
        Assert.Equal(a.Forward(x).ToArray<float>(), b.Forward(x).ToArray<float>());
    }

    [Fact]
    public void StrictLoadWithADifferentHeadReportsExactlyTheMismatchedKeysAndLoadsNothing()
    {
        using var source = new TinyNet(classes: 10);
        using var target = new TinyNet(classes: 2);
        var sd = source.StateDict();
        using var extra = Torch.Zeros(1);
        sd["extra.weight"] = extra.Alias();
        sd.Remove("bn1.running_var", out var removed);
        removed!.Dispose();
        float[] before = target.GetSubmodule("conv1").NamedParameters().Single().Parameter.ToArray<float>();

        var e = Assert.Throws<StateDictMismatchException>(() => target.LoadStateDict(sd));
        Assert.Equal(new[] { "bn1.running_var" }, e.Report.MissingKeys);
        Assert.Equal(new[] { "extra.weight" }, e.Report.UnexpectedKeys);
        Assert.Equal(new[] { "fc.weight", "fc.bias" }, e.Report.ShapeMismatches.Select(m => m.Key));
        Assert.Equal(new long[] { 2, 4 }, e.Report.ShapeMismatches[0].ModuleShape);
        Assert.Equal(new long[] { 10, 4 }, e.Report.ShapeMismatches[0].LoadedShape);
        Assert.Contains("fc.weight: module has [2, 4], loaded [10, 4]", e.Message);
        Assert.Equal(before, target.GetSubmodule("conv1").NamedParameters().Single().Parameter.ToArray<float>());

        var report = target.LoadStateDict(sd, strict: false);
        Assert.False(report.IsExactMatch);
        Assert.Contains("conv1.weight", report.LoadedKeys);
        Assert.DoesNotContain("fc.weight", report.LoadedKeys);
        Assert.Equal(sd["conv1.weight"].ToArray<float>(), target.GetSubmodule("conv1").NamedParameters().Single().Parameter.ToArray<float>());
        foreach (var t in sd.Values) t.Dispose();
    }

    [Fact]
    public void LoadingNeverChangesRequiresGrad()
    {
        using var frozen = new TinyNet();
        frozen.RequiresGrad_(false);
        using var source = new TinyNet();
        var sd = source.StateDict();
        frozen.LoadStateDict(sd);
        foreach (var t in sd.Values) t.Dispose();
        Assert.All(frozen.Parameters(), p => Assert.False(p.RequiresGrad));

        using var trainable = new TinyNet();
        var sd2 = source.StateDict();
        trainable.LoadStateDict(sd2);
        foreach (var t in sd2.Values) t.Dispose();
        Assert.All(trainable.Parameters(), p => Assert.True(p.RequiresGrad));
    }

    [Fact]
    public void FreezingASubtreeLeavesTheRestTrainable()
    {
        using var net = new TinyNet();
        net.GetSubmodule("layer1").RequiresGrad_(false);
        Assert.Equal(new[] { "conv1.weight", "bn1.weight", "bn1.bias", "fc.weight", "fc.bias" },
            net.NamedParameters().Where(p => p.Parameter.RequiresGrad).Select(p => p.Name));
        Assert.Equal(4 * 4 * 9 + 4, net.ParameterCount() - net.ParameterCount(trainableOnly: true));
    }

    [Fact]
    public void TrainAndEvalRecurseAndApplyVisitsChildrenFirst()
    {
        using var net = new TinyNet();
        Assert.All(net.NamedModules(), m => Assert.True(m.Module.Training));
        net.Eval();
        Assert.All(net.NamedModules(), m => Assert.False(m.Module.Training));
        var order = new List<string>();
        net.Apply(m => order.Add(m.TypeName));
        Assert.Equal(new[] { "Conv2d", "BatchNorm2d", "Conv2d", "ReLU", "Sequential", "AdaptiveAvgPool2d", "Linear", "TinyNet" }, order);
    }

    [Fact]
    public void ReplacingAChildSwapsTheHeadKeys()
    {
        using var net = new TinyNet(classes: 10);
        using var old = net.ReplaceChild("fc", new Linear(4, 2));
        Assert.Equal(new long[] { 2, 4 }, net.NamedParameters().Single(p => p.Name == "fc.weight").Parameter.Shape);
        Assert.Throws<KeyNotFoundException>(() => net.ReplaceChild("head", new Linear(4, 2)));
        Assert.Throws<KeyNotFoundException>(() => net.GetSubmodule("layer1.7"));
    }

    [Fact]
    public void ConvertingDtypeKeepsTrainabilityAndIntegerBuffers()
    {
        using var net = new TinyNet();
        net.GetSubmodule("conv1").RequiresGrad_(false);
        net.To(ScalarType.Float64);
        Assert.All(net.Parameters(), p => Assert.Equal(ScalarType.Float64, p.Dtype));
        Assert.False(net.NamedParameters().Single(p => p.Name == "conv1.weight").Parameter.RequiresGrad);
        Assert.True(net.NamedParameters().Single(p => p.Name == "fc.weight").Parameter.RequiresGrad);
        Assert.Equal(ScalarType.Int64, net.NamedBuffers().Single(b => b.Name == "bn1.num_batches_tracked").Buffer.Dtype);
        using var y = net.Forward(Torch.Randn(new long[] { 1, 3, 4, 4 }, ScalarType.Float64));
        Assert.Equal(ScalarType.Float64, y.Dtype);
    }

    [Fact]
    public void ToStringPrintsTheModuleTree()
    {
        using var net = new TinyNet();
        string text = net.ToString();
        Assert.StartsWith("TinyNet()", text);
        Assert.Contains("  (fc): Linear(in_features=4, out_features=3, bias=True)", text);
        Assert.Contains("    (0): Conv2d(4, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))", text);
    }

    [Fact]
    public void ModuleDisposeFreesItsTensors()
    {
        long before = SerialCollection.SettledLiveTensorCount();
        var net = new TinyNet();
        Assert.True(Torch.LiveTensorCount > before);
        net.Dispose();
        Assert.Equal(before, Torch.LiveTensorCount);
    }
}
