using System.Text.Json;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Serialization;
using TransferKit.Tests.Fixtures;
using TransferKit.Training;
using Xunit.Abstractions;
using TransferKit.Engine;

namespace TransferKit.Tests.Training;


/// <summary>
/// Twenty SGD steps (lr 0.01, momentum 0.9) in training mode give PyTorch's losses
/// (Fixtures/training_reference.py): same initial weights (PyTorch's .pth loaded into the C# model),
/// same batches (a .pth written by PyTorch), same dropout masks (the generator seeded identically
/// once before the first step). Serial: the masks come from the process-wide generator.
/// </summary>
[Collection(SerialCollection.Name)]
[Trait("Category", "Parity")]
public class TrainingParityTests(ITestOutputHelper output)
{
    private const double LossTolerance = 1e-4;
    private const double WeightTolerance = 1e-4;

    [PyTorchTheory]
    [InlineData("small_cnn", 32)]
    [InlineData("resnet18", 64)]
    public void TwentySGDStepsGivePytorchsLosses(string name, int size)
    {
        string dir = PythonReference.Fixture("training_reference.py", name, size.ToString(), Torch.NumThreads.ToString());
        using var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "result.json")));
        var root = settings.RootElement;

        using var model = ModelRegistry.Create(name, 10);
        using (var init = TorchSerializer.LoadStateDict(Path.Combine(dir, "init.pth"))) model.LoadStateDict(init);
        using var batches = TorchSerializer.LoadStateDict(Path.Combine(dir, "batches.pth"));
        using var result = TorchSerializer.LoadStateDict(Path.Combine(dir, "result.pth"));
        var inputs = batches["inputs"];
        var targets = batches["targets"];
        var expected = result["losses"].ToArray<float>();

        model.Train();
        using var optimizer = new SGD(model.Parameters(), learningRate: root.GetProperty("lr").GetDouble(), momentum: root.GetProperty("momentum").GetDouble());
        var losses = new float[expected.Length];
        Torch.ManualSeed(root.GetProperty("train_seed").GetUInt64());
        for (int step = 0; step < losses.Length; step++)
        {
            using var scope = Torch.NewDisposeScope();
            optimizer.ZeroGrad();
            var loss = Functional.CrossEntropy(model.Forward(inputs[step]), targets[step]);
            loss.Backward();
            optimizer.Step();
            losses[step] = loss.Item<float>();
        }

        var differences = expected.Zip(losses, (e, a) => Math.Abs((double)e - a)).ToArray();
        output.WriteLine($"{name}: PyTorch losses   {string.Join(" ", expected.Select(v => v.ToString("F5")))}");
        output.WriteLine($"{name}: TransferKit      {string.Join(" ", losses.Select(v => v.ToString("F5")))}");
        output.WriteLine($"{name}: max |loss difference| {differences.Max():g3}");
        for (int step = 0; step < losses.Length; step++)
            Assert.True(differences[step] <= LossTolerance,
                $"step {step + 1}: loss {losses[step]}, PyTorch {expected[step]} (|difference| {differences[step]:g3} > {LossTolerance:g3})");

        // The weights after the last step too (norm-relative, per tensor), buffers included.
        double worst = 0;
        using var mine = new StateDict(model.StateDict());
        foreach (var (key, tensor) in mine)
        {
            double d = TensorDiff.NormRelative(result["final." + key], tensor);
            Assert.True(d <= WeightTolerance, $"{key} after {losses.Length} steps: norm-relative difference {d:g3} exceeds {WeightTolerance:g3}");
            worst = Math.Max(worst, d);
        }
        output.WriteLine($"{name}: final state dict max norm-relative difference {worst:g3}");
    }
}
