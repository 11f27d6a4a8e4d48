using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Transfer;

namespace TransferKit.Tests.Transfer;

/// <summary>Builder steps are checked when called and applied by Build in call order (see ModelBuilder's remarks).</summary>
[Trait("Category", "Unit")]
public sealed class ModelBuilderOrderTests
{
    private static bool[] Trainable(TransferModel model, string prefix) =>
        model.NamedParameters().Where(p => p.Name.StartsWith(prefix, StringComparison.Ordinal)).Select(p => p.Parameter.RequiresGrad).Distinct().ToArray();

    [Fact]
    public void ALaterFreezingStepOverridesAnEarlierOne()
    {
        using var all = ModelBuilder.FromArchitecture("small_cnn", 3).FreezeBackbone().Unfreeze().Build();
        Assert.All(all.Parameters(), p => Assert.True(p.RequiresGrad));

        using var headOnly = ModelBuilder.FromArchitecture("small_cnn", 3).Unfreeze().FreezeBackbone().Build();
        Assert.Equal(new[] { false }, Trainable(headOnly, "features."));
        Assert.Equal(new[] { true }, Trainable(headOnly, "classifier.3."));
    }

    [Fact]
    public void ANewHeadIsTrainableWhicheverSideOfTheFreezeItComes()
    {
        foreach (bool headFirst in new[] { true, false })
        {
            var builder = ModelBuilder.FromArchitecture("small_cnn", 3);
            builder = headFirst ? builder.ReplaceHead(new[] { "x", "y" }).FreezeBackbone() : builder.FreezeBackbone().ReplaceHead(new[] { "x", "y" });
            using var model = builder.Build();
            Assert.Equal(new[] { "x", "y" }, model.Labels);
            Assert.Equal(new[] { false }, Trainable(model, "features."));
            Assert.Equal(new[] { true }, Trainable(model, "classifier.3."));
            Assert.Equal(2, ((Linear)model.Head).OutFeatures);
        }
    }

    [Fact]
    public void UnfreezeFromAfterFreezeBackboneTrainsFromThatModuleOn()
    {
        using var model = ModelBuilder.FromArchitecture("small_cnn", 3).FreezeBackbone().UnfreezeFrom("classifier.0").Build();
        Assert.Equal(new[] { false }, Trainable(model, "features."));
        Assert.Equal(new[] { true }, Trainable(model, "classifier."));
        using var reversed = ModelBuilder.FromArchitecture("small_cnn", 3).UnfreezeFrom("classifier.0").FreezeBackbone().Build();
        Assert.Equal(new[] { false }, Trainable(reversed, "classifier.0."));
    }

    [Fact]
    public void StepsAreCheckedWhenCalledAndTheBuilderBuildsOnce()
    {
        var builder = ModelBuilder.FromArchitecture("small_cnn", 3);
        Assert.Throws<KeyNotFoundException>(() => builder.UnfreezeFrom("layer9"));
        Assert.Throws<ArgumentException>(() => builder.ReplaceHead(new[] { "a", "a" }));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.UnfreezeLastStages(0));
        Assert.Throws<ArgumentException>(() => builder.WithPreprocessing(new Preprocessing(0, 0, ImageNet.Mean, ImageNet.Std)));
        using var model = builder.Build();
        Assert.Equal(3, model.Labels.Count);
        Assert.Throws<InvalidOperationException>(() => builder.FreezeBackbone());
        Assert.Throws<InvalidOperationException>(() => builder.Build());
    }

    [Fact]
    public async Task FromPretrainedAsyncStopsACancelledDownloadWithOperationCanceled()
    {
        string dir = Directory.CreateTempSubdirectory("tk-async-weights-").FullName;
        try
        {
            var options = new WeightsResolverOptions { TorchHubDirectory = Path.Combine(dir, "hub"), CacheDirectory = Path.Combine(dir, "cache") };
            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();
            var task = ModelBuilder.FromPretrainedAsync("resnet18", 2, resolverOptions: options, cancellationToken: cancelled.Token);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
            Assert.Empty(Directory.Exists(Path.Combine(dir, "cache")) ? Directory.GetFiles(Path.Combine(dir, "cache")) : Array.Empty<string>());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AnUnknownWeightsTagListsTheCatalogued()
    {
        var e = Assert.Throws<KeyNotFoundException>(() => ModelBuilder.FromPretrained("resnet50", 2, weightsTag: "IMAGENET9K"));
        Assert.Contains("IMAGENET1K_V1", e.Message);
        Assert.Contains("IMAGENET1K_V2", e.Message);
    }
}
