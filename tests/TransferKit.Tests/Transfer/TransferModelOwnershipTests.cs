using System.Reflection;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Transfer;

namespace TransferKit.Tests.Transfer;

/// <summary>A <see cref="TransferModel"/> is the one owner of its network: replacing the head keeps parameters, keys and forward in step.</summary>
[Trait("Category", "Unit")]
public sealed class TransferModelOwnershipTests
{
    [Fact]
    public void ReplacingTheHeadLeavesNoDisposedParameterAndKeepsTorchvisionKeys()
    {
        using var model = ModelBuilder.FromArchitecture("resnet18", 3).Build();
        var oldHead = model.Head;
        model.ReplaceHead(5);

        Assert.NotSame(oldHead, model.Head);
        Assert.All(model.Parameters(), p => Assert.False(p.IsDisposed));
        Assert.Contains(((Linear)model.Head).Weight, model.Parameters());
        Assert.Equal(new long[] { 5, 512 }, model.NamedParameters().Single(p => p.Name == "fc.weight").Parameter.Shape);
        Assert.Equal(5, model.Labels.Count);

        using var torchvision = ModelRegistry.Create("resnet18", 5);
        using var mine = model.StateDict();
        using var theirs = torchvision.StateDict();
        Assert.Equal(theirs.Keys, mine.Keys);

        using var scope = Torch.NewDisposeScope();
        model.Eval();
        Assert.Equal(new long[] { 2, 5 }, model.Forward(Torch.Zeros(2, 3, 32, 32)).Shape);
    }

    [Fact]
    public void ANestedHeadIsReplacedEverywhereAtOnce()
    {
        using var model = ModelBuilder.FromArchitecture("mobilenet_v2", 4).Build();
        model.ReplaceHead(new[] { "a", "b" });
        var head = (Linear)model.GetSubmodule(model.HeadPath);
        Assert.Same(model.Head, head);
        Assert.Equal(2, head.OutFeatures);
        Assert.Equal(model.Parameters().Count(), model.NamedParameters().Select(p => p.Name).Distinct().Count());
        Assert.All(model.Parameters(), p => Assert.False(p.IsDisposed));
    }

    [Fact]
    public void TheNetworkIsNotExposedSoItsHeadCannotChangeBehindTheModel()
    {
        var publicMembers = typeof(TransferModel).GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static);
        Assert.DoesNotContain(publicMembers.OfType<PropertyInfo>(), p => typeof(ClassifierModel).IsAssignableFrom(p.PropertyType));
        Assert.DoesNotContain(publicMembers.OfType<MethodInfo>(), m => typeof(ClassifierModel).IsAssignableFrom(m.ReturnType));
    }

    [Fact]
    public void ReplacingATopLevelModuleChangesTheNetworkToo()
    {
        using var model = ModelBuilder.FromArchitecture("small_cnn", 3).Build();
        var pool = new AdaptiveAvgPool2d(2);
        using var old = model.ReplaceChild("avgpool", pool);
        Assert.Same(pool, model.GetSubmodule("avgpool"));
        using var scope = Torch.NewDisposeScope();
        model.Eval();
        // avgpool to 2x2 gives the first Linear 64 * 4 inputs instead of 64 * 16: the network really uses the new module.
        Assert.Throws<TorchException>(() => model.Forward(Torch.Zeros(1, 3, 32, 32)));
        Assert.Contains("ReplaceHead", Assert.Throws<InvalidOperationException>(() => model.ReplaceChild("classifier", new Sequential(new Identity()))).Message);
    }

    [Fact]
    public void ReplacingAChildThroughAModuleReferenceKeepsTheModelAndNetworkInStep()
    {
        using var model = ModelBuilder.FromArchitecture("small_cnn", 3).Build();
        TransferKit.NN.Module asModule = model;
        var pool = new AdaptiveAvgPool2d(2);
        using var old = asModule.ReplaceChild("avgpool", pool);
        Assert.Same(pool, model.GetSubmodule("avgpool"));
        Assert.DoesNotContain(model.NamedModules(), m => ReferenceEquals(m.Module, old));
        using var scope = Torch.NewDisposeScope();
        model.Eval();
        Assert.Throws<TorchException>(() => model.Forward(Torch.Zeros(1, 3, 32, 32))); // the network runs the new pool too
        Assert.Throws<InvalidOperationException>(() => asModule.ReplaceChild("classifier", new Sequential(new Identity())));
    }
}
