using TransferKit.Engine;
using TransferKit.Training;

namespace TransferKit.Tests.Training;

/// <summary>The recipe's settings, groups, depth function and trainer wiring (no PyTorch needed).</summary>
[Trait("Category", "Unit")]
public class TransformerRecipeTests
{
    [Fact]
    public void ValidateListsEveryBadSetting()
    {
        var bad = new TransformerRecipe { LearningRate = 0, WeightDecay = -1, WarmupRatio = 2, MaxGradientNorm = 0, LayerDecay = 1.5 };
        var e = Assert.Throws<ArgumentException>(bad.Validate);
        foreach (var word in new[] { "LearningRate", "WeightDecay", "WarmupRatio", "MaxGradientNorm", "LayerDecay", "NumLayers" })
            Assert.Contains(word, e.Message);
    }

    [Fact]
    public void BiasesAndLayerNormParametersAreExemptFromWeightDecay()
    {
        using var model = TransformerRecipeParityTests.TinyEncoder();
        var noDecay = TransformerRecipe.NoDecayNames(model);
        Assert.Equal(new[]
        {
            "embeddings.word.bias", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias",
            "encoder.layer.0.dense.bias", "encoder.layer.0.LayerNorm.weight", "encoder.layer.0.LayerNorm.bias",
            "encoder.layer.1.dense.bias", "encoder.layer.1.LayerNorm.weight", "encoder.layer.1.LayerNorm.bias", "classifier.bias",
        }.OrderBy(n => n), noDecay.OrderBy(n => n));
        using var optimizer = new TransformerRecipe { WeightDecay = 0.01 }.CreateOptimizer(model);
        Assert.Equal(new[] { 0.01, 0.0 }, optimizer.ParamGroups.Select(g => g.WeightDecay));
        Assert.Equal(4, optimizer.ParamGroups[0].Parameters.Count);   // the four Linear weights
    }

    [Fact]
    public void FrozenParametersAreLeftOutOfTheGroups()
    {
        using var model = TransformerRecipeParityTests.TinyEncoder();
        model.GetSubmodule("embeddings").RequiresGrad_(false);
        using var optimizer = new TransformerRecipe { LayerDecay = 0.5, NumLayers = 2 }.CreateOptimizer(model);
        Assert.DoesNotContain(optimizer.ParamGroups, g => g.Name!.EndsWith("depth0", StringComparison.Ordinal));
        Assert.Equal(new[] { 0.25 * 5e-5, 0.25 * 5e-5, 0.5 * 5e-5, 0.5 * 5e-5, 5e-5, 5e-5 }, optimizer.ParamGroups.Select(g => g.LearningRate), new ToleranceComparer(1e-18));
    }

    [Theory]
    [InlineData("embeddings.word_embeddings.weight", 0)]
    [InlineData("bert.embeddings.LayerNorm.gamma", 0)]
    [InlineData("bert.encoder.layer.0.attention.self.query.weight", 1)]
    [InlineData("encoder.layer.11.output.dense.bias", 12)]
    [InlineData("bert.pooler.dense.weight", 13)]
    [InlineData("classifier.weight", 13)]
    [InlineData("vit.embeddings.cls_token", 0)]
    [InlineData("vit.embeddings.patch_embeddings.projection.weight", 0)]
    [InlineData("vit.encoder.layer.3.layernorm_before.weight", 4)]
    [InlineData("vit.layernorm.bias", 13)]
    [InlineData("class_token", 0)]
    [InlineData("conv_proj.weight", 0)]
    [InlineData("encoder.pos_embedding", 0)]
    [InlineData("encoder.layers.encoder_layer_5.self_attention.in_proj_weight", 6)]
    [InlineData("encoder.ln.weight", 13)]
    [InlineData("heads.head.bias", 13)]
    public void LayerDepthReadsBertAndBothVitLayouts(string name, int depth) =>
        Assert.Equal(depth, TransformerLayerDepth.ForEncoder(12)(name));

    [Fact]
    public void LayerDepthRejectsALayerBeyondTheDeclaredCount() =>
        Assert.Throws<ArgumentException>(() => TransformerLayerDepth.Of("encoder.layer.6.output.dense.weight", 6));

    [Fact]
    public void ScheduleWarmsUpLinearlyThenDecaysToZero()
    {
        using var p = Torch.Zeros(new long[] { 1 }, ScalarType.Float32, requiresGrad: true);
        using var optimizer = new AdamW(new[] { p }, learningRate: 1.0);
        var schedule = new TransformerRecipe { WarmupRatio = 0.1 }.CreateScheduler(optimizer, 100);
        Assert.Equal(10, schedule.WarmupSteps);
        Assert.Equal(0.0, optimizer.ParamGroups[0].LearningRate);
        var expected = new Dictionary<int, double> { [5] = 0.5, [10] = 1.0, [55] = 0.5, [100] = 0.0 };
        for (int step = 1; step <= 100; step++)
        {
            schedule.Step();
            if (expected.TryGetValue(step, out var want)) Assert.True(Math.Abs(optimizer.ParamGroups[0].LearningRate - want) < 1e-12, $"step {step}");
        }
    }

    [Fact]
    public void TrainerOptionsStepTheScheduleEveryOptimizerStepAndClip()
    {
        using var model = TransformerRecipeParityTests.TinyEncoder();
        var recipe = new TransformerRecipe { WarmupRatio = 0.5 };
        var options = recipe.TrainerOptions(model, epochs: 3, batchesPerEpoch: 10, new TrainerOptions { GradientAccumulationSteps = 4, TopK = 2 });
        Assert.True(options.StepSchedulerPerBatch);
        Assert.Equal(1.0, options.MaxGradientNorm);
        Assert.Equal(3, options.Epochs);
        Assert.Equal(2, options.TopK);
        using var optimizer = options.OptimizerFactory!(model);
        Assert.IsType<AdamW>(optimizer);
        var schedule = Assert.IsType<LinearWarmupDecayLR>(options.SchedulerFactory!(optimizer));
        Assert.Equal(9, schedule.TotalSteps);   // 3 epochs × ⌈10 / 4⌉ optimizer steps
        Assert.Equal(5, schedule.WarmupSteps);  // ⌈0.5 × 9⌉
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
