using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Tests.Models;


[Trait("Category", "Unit")]
public class SmallCnnTests
{
    [Fact]
    public void HasVggStyleKeysAHeadAtClassifier3AndAcceptsAnySizeFrom16()
    {
        using var model = (SmallCnn)ModelRegistry.Create("small_cnn", 3);
        Assert.Equal(new[]
        {
            "features.0.weight", "features.0.bias", "features.3.weight", "features.3.bias",
            "classifier.0.weight", "classifier.0.bias", "classifier.3.weight", "classifier.3.bias",
        }, model.NamedParameters().Select(p => p.Name));
        Assert.Equal("classifier.3", model.HeadPath);
        Assert.Equal(new[] { "classifier.3.weight", "classifier.3.bias" }, model.HeadParameters().Select(p => p.Name));
        model.Eval();
        using var scope = Torch.NewDisposeScope();
        Assert.Equal(new long[] { 2, 3 }, model.Forward(Torch.Randn(2, 3, 16, 16)).Shape);
        Assert.Equal(new long[] { 2, 3 }, model.Forward(Torch.Randn(2, 3, 48, 40)).Shape);
        Assert.Equal(new long[] { 2, 64 }, model.ForwardFeatures(Torch.Randn(2, 3, 32, 32)).Shape);
    }

    [Fact]
    public void UserArchitecturesCanBeRegisteredOnce()
    {
        string name = "test_cnn_" + Guid.NewGuid().ToString("N");
        ModelRegistry.Register(name, n => new SmallCnn(n, width: 4));
        Assert.True(ModelRegistry.Contains(name));
        using var model = ModelRegistry.Create(name, 2);
        Assert.Equal(new long[] { 8, 4, 3, 3 }, model.NamedParameters().First(p => p.Name == "features.3.weight").Parameter.Shape);
        Assert.Throws<ArgumentException>(() => ModelRegistry.Register(name, n => new SmallCnn(n)));
    }
}
