using System.Text.Json;
using TransferKit.Engine;
using TransferKit.NN;
using TransferKit.Tests.Fixtures;
using TransferKit.Training;

namespace TransferKit.Tests.Training;

/// <summary>
/// <see cref="TransformerRecipe"/> follows PyTorch over 12 steps of the Hugging Face recipe: AdamW with
/// weight-decay exclusions (and layer-wise LR decay), clipping to norm 1, linear warm-up and decay
/// (Fixtures/transformer_recipe_reference.py).
/// </summary>
[Trait("Category", "Parity")]
public class TransformerRecipeParityTests
{
    /// <summary>The fixture's model: embeddings, encoder.layer.0/1 (dense + LayerNorm), classifier.</summary>
    internal static Sequential TinyEncoder()
    {
        static Sequential Block() => new(("dense", new Linear(4, 4)), ("LayerNorm", new LayerNorm(4)));
        return new Sequential(
            ("embeddings", new Sequential(("word", new Linear(3, 4)), ("LayerNorm", new LayerNorm(4)))),
            ("encoder", new Sequential(("layer", new Sequential(Block(), Block())))),
            ("classifier", new Linear(4, 2)));
    }

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => v.GetSingle()).ToArray();

    [PyTorchTheory]
    [InlineData("plain")]
    [InlineData("layer_decay")]
    public void RecipeFollowsPytorchLearningRatesAndParametersStepByStep(string run)
    {
        var root = JsonDocument.Parse(File.ReadAllText(Path.Combine(PythonReference.Fixture("transformer_recipe_reference.py"), "recipe.json"))).RootElement;
        var recipe = run == "plain"
            ? new TransformerRecipe { LearningRate = 1e-2, WeightDecay = 0.1, WarmupSteps = 3 }
            : new TransformerRecipe { LearningRate = 2e-2, WeightDecay = 0.05, WarmupRatio = 0.25, LayerDecay = 0.8, NumLayers = 2 };
        var expected = root.GetProperty("runs").GetProperty(run);
        using var model = TinyEncoder();
        var parameters = model.NamedParameters().ToArray();
        using (Torch.NoGrad())
            foreach (var (name, p) in parameters)
            {
                using var value = Torch.FromArray(Floats(root.GetProperty("initial").GetProperty(name)), p.Shape);
                p.Copy_(value);
            }
        const int steps = 12;
        using var optimizer = recipe.CreateOptimizer(model);
        var scheduler = recipe.CreateScheduler(optimizer, steps);
        Assert.Equal(expected.GetProperty("group_names").EnumerateArray().Select(n => n.GetString()), optimizer.ParamGroups.Select(g => g.Name));
        var lrs = expected.GetProperty("lrs").EnumerateArray().ToArray();
        var grads = root.GetProperty("grads").EnumerateArray().ToArray();
        var trajectory = expected.GetProperty("params").EnumerateArray().ToArray();
        AssertRates(lrs[0], optimizer, run, 0);
        for (int step = 0; step < steps; step++)
        {
            foreach (var (name, p) in parameters)
            {
                // Feed PyTorch's gradient through autograd: d(sum(p * g))/dp = g.
                using var scope = Torch.NewDisposeScope();
                (p * Torch.FromArray(Floats(grads[step].GetProperty(name)), p.Shape)).Sum().Backward();
            }
            Torch.ClipGradNorm_(parameters.Select(p => p.Parameter).ToArray(), recipe.MaxGradientNorm!.Value);
            optimizer.Step();
            optimizer.ZeroGrad();
            scheduler.Step();
            AssertRates(lrs[step + 1], optimizer, run, step + 1);
            foreach (var (name, p) in parameters)
            {
                var want = Floats(trajectory[step].GetProperty(name));
                var got = p.ToArray<float>();
                for (int i = 0; i < got.Length; i++)
                    Assert.True(Math.Abs(got[i] - want[i]) <= 1e-6,
                        $"{run}, step {step + 1}, {name}[{i}]: PyTorch {want[i]:R}, TransferKit {got[i]:R}");
            }
        }
    }

    private static void AssertRates(JsonElement expected, Optimizer optimizer, string run, int step)
    {
        var want = expected.EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(want.Length, optimizer.ParamGroups.Count);
        for (int g = 0; g < want.Length; g++)
            Assert.True(Math.Abs(optimizer.ParamGroups[g].LearningRate - want[g]) <= 1e-12 * Math.Max(1, want[g]),
                $"{run}, step {step}, group {optimizer.ParamGroups[g].Name}: PyTorch {want[g]:R}, TransferKit {optimizer.ParamGroups[g].LearningRate:R}");
    }
}
