using TransferKit.Tests.Fixtures;
using TransferKit.Models;
using TransferKit.NN;

namespace TransferKit.Tests.Models;

using Torch = TransferKit.Torch.Torch;

/// <summary>
/// Numerical parity with torchvision: the same seed gives the same initial weights, and torchvision's
/// state dict loaded into the C# model gives the same evaluation-mode logits and head input.
/// Serial: the default random generator is process-wide, and other tests draw from it.
/// </summary>
[Collection(SerialCollection.Name)]
public class ZooParityTests
{
    private const int NumClasses = 10;

    private static int InputSize(string name) => name.StartsWith("vgg", StringComparison.Ordinal) ? 32 : 64;

    [PyTorchTheory]
    [InlineData("resnet18")]
    [InlineData("resnet34")]
    [InlineData("resnet50")]
    [InlineData("vgg16")]
    [InlineData("vgg16_bn")]
    [InlineData("mobilenet_v2")]
    [InlineData("mobilenet_v3_large")]
    [InlineData("efficientnet_b0")]
    public void Seeded_initialisation_and_eval_logits_match_torchvision(string name)
    {
        var fixture = ParityFixture.Of(name, NumClasses, InputSize(name), Torch.NumThreads);
        Torch.ManualSeed(0);
        using var model = ModelRegistry.Create(name, NumClasses);

        // 1. Same seed, same initial parameters, bit for bit: torchvision's constructor draws from the
        //    same generator in the same order (PyTorch's default init per layer, then the model's own
        //    loop). Batch-norm buffers differ on purpose (the fixture calibrated them), parameters do not.
        var parameters = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var e in fixture.StateDict.Where(e => parameters.ContainsKey(e.Name)))
        {
            var mine = parameters[e.Name];
            Assert.Equal(e.Shape, mine.Shape);
            if (e.IsSeeded)
            {
                // Not written to the fixture (too large): compare its sum and first values.
                var values = mine.ToArray<float>();
                Assert.Equal(e.Sum!.Value, values.Sum(v => (double)v), 6);
                Assert.Equal(e.Head!, values.Take(8).Select(v => (double)v).ToArray());
            }
            else
            {
                AssertClose(fixture.Floats(e), mine.ToArray<float>(), 0, e.Name);
            }
        }

        // 2. torchvision's state dict (seeded entries are already in place) loads by name...
        var loaded = fixture.StateDict.Where(e => !e.IsSeeded).ToDictionary(e => e.Name, fixture.Load);
        try
        {
            var report = model.LoadStateDict(loaded, strict: false);
            Assert.Empty(report.UnexpectedKeys);
            Assert.Empty(report.ShapeMismatches);
            Assert.Equal(fixture.StateDict.Where(e => e.IsSeeded).Select(e => e.Name), report.MissingKeys);
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }

        // 3. ...and gives torchvision's logits and head input in evaluation mode. The reference ran with
        //    this process's intra-op thread count, so both sum in the same order.
        model.Eval();
        using var scope = Torch.NewDisposeScope();
        using var input = fixture.Load(fixture.Input);
        var logits = model.Forward(input);
        Assert.Equal(fixture.Logits.Shape, logits.Shape);
        AssertClose(fixture.Floats(fixture.Logits), logits.ToArray<float>(), 1e-4, "logits");
        var features = model.ForwardFeatures(input);
        Assert.Equal(new[] { 2L, model.HeadInFeatures }, features.Shape);
        AssertClose(fixture.Floats(fixture.Features), features.ToArray<float>(), 1e-4, "head input");
    }

    private static void AssertClose(float[] expected, float[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        int at = 0;
        for (int k = 0; k < expected.Length; k++)
        {
            double d = Math.Abs(expected[k] - actual[k]);
            if (d > worst) (worst, at) = (d, k);
        }
        Assert.True(worst <= tolerance, $"{what}: max |difference| {worst:g3} at {at} (expected {expected[at]}, got {actual[at]}) exceeds {tolerance:g3}");
    }
}
