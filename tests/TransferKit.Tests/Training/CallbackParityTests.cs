using System.Text.Json;
using TransferKit.Data;
using TransferKit.Tests.Fixtures;
using TransferKit.Training;

namespace TransferKit.Tests.Training;

/// <summary>ReduceLROnPlateau and the BCE-with-logits loss against PyTorch itself (Fixtures/callbacks_reference.py).</summary>
[Trait("Category", "Parity")]
public class CallbackParityTests
{
    private static JsonElement Load() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(PythonReference.Fixture("callbacks_reference.py"), "callbacks.json"))).RootElement;

    public static TheoryData<string> PlateauConfigurations() => new() { "min_rel", "min_abs_floor", "max_rel", "max_abs" };

    [PyTorchTheory]
    [MemberData(nameof(PlateauConfigurations))]
    public void ReduceLROnPlateauFollowsPyTorchStepForStep(string name)
    {
        var run = Load().GetProperty("plateau").GetProperty(name);
        var c = run.GetProperty("config");
        var metric = run.GetProperty("metric").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var expected = run.GetProperty("lrs").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        var parameters = Enumerable.Range(0, 2).Select(_ => Torch.Zeros(new long[] { 1 }, ScalarType.Float32, requiresGrad: true)).ToArray();
        try
        {
            using var optimizer = new SGD(parameters.Select((p, k) => new ParamGroup(new[] { p }, learningRate: 0.1 * (k + 1))), learningRate: 0.1);
            var minLr = c.GetProperty("min_lr");
            var plateau = new ReduceLROnPlateau(optimizer,
                mode: c.GetProperty("mode").GetString() == "min" ? PlateauMode.Min : PlateauMode.Max,
                factor: c.GetProperty("factor").GetDouble(),
                patience: c.GetProperty("patience").GetInt32(),
                threshold: c.GetProperty("threshold").GetDouble(),
                thresholdMode: c.GetProperty("threshold_mode").GetString() == "rel" ? ThresholdMode.Relative : ThresholdMode.Absolute,
                cooldown: c.GetProperty("cooldown").GetInt32(),
                minLr: minLr.ValueKind == JsonValueKind.Number ? minLr.GetDouble() : 0,
                minLrs: minLr.ValueKind == JsonValueKind.Array ? minLr.EnumerateArray().Select(v => v.GetDouble()).ToArray() : null);
            for (int s = 0; s < expected.Length; s++)
            {
                if (s > 0) plateau.Step(metric[s - 1]);
                for (int g = 0; g < 2; g++)
                    Assert.True(Math.Abs(optimizer.ParamGroups[g].LearningRate - expected[s][g]) <= 1e-12 * Math.Max(1, expected[s][g]),
                        $"{name}, step {s}, group {g}: PyTorch {expected[s][g]:R}, TransferKit {optimizer.ParamGroups[g].LearningRate:R}");
            }
        }
        finally
        {
            foreach (var p in parameters) p.Dispose();
        }
    }

    [PyTorchFact]
    public void BinaryCrossEntropyWithLogitsLossMatchesPyTorchOnMultiHotTargets()
    {
        var bce = Load().GetProperty("bce");
        float[] Floats(string key) => bce.GetProperty(key).EnumerateArray().Select(v => v.GetSingle()).ToArray();
        using var logits = Torch.FromArray(Floats("logits"), 6, 4);
        using var batch = new Batch(Torch.Zeros(new long[] { 6, 1 }).DetachFromDisposeScope(), Torch.FromArray(Floats("targets"), 6, 4).DetachFromDisposeScope());
        using (var plain = new BinaryCrossEntropyWithLogitsLoss())
        using (var loss = plain.Compute(logits, batch, TrainingPhase.Train))
            Assert.Equal(bce.GetProperty("loss").GetDouble(), loss.Item<float>(), 5);
        using (var weighted = new BinaryCrossEntropyWithLogitsLoss(Floats("pos_weight")))
        using (var loss = weighted.Compute(logits, batch, TrainingPhase.Train))
            Assert.Equal(bce.GetProperty("loss_pos_weight").GetDouble(), loss.Item<float>(), 5);
    }
}
