// Test host: runs a small, deterministic FineTune with a resume checkpoint, so that a test can
// kill it (SIGKILL) mid-run and resume it in another process.
//
//   dotnet TransferKit.TestHost.dll finetune <checkpoint> <final-weights> [--resume] [--hang-in-epoch N]
//
//   dotnet TransferKit.TestHost.dll ddp <store-file> <rank> <world> <weights-out> [--hang-after-steps K] [--timeout-s T]
//       [--epochs N] [--checkpoint PATH] [--resume PATH]
//   (one rank of a small data-parallel run: see DdpHost.cs)
//
// Prints "epoch N" after each epoch and "done" at the end; writes the final state dict to
// <final-weights>. --hang-in-epoch N stops making progress after the second batch of epoch N (it
// sleeps until killed), so that a test kills the run in the middle of an epoch, always at the same point.
using TransferKit.Data;
using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.Serialization;
using TransferKit.Training;
using TransferKit.Transfer;

if (args.Length >= 5 && args[0] == "ddp")
    return DdpHost.Run(args[1..]);
if (args.Length < 3 || args[0] != "finetune")
{
    Console.Error.WriteLine("usage: finetune <checkpoint> <final-weights> [--resume] [--hang-in-epoch N]");
    return 2;
}
string checkpoint = args[1], weights = args[2];
bool resume = args.Contains("--resume");
int hangIn = int.MaxValue;
int at = Array.IndexOf(args, "--hang-in-epoch");
if (at >= 0) hangIn = int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture);

Torch.UseDeterministicAlgorithms(true);
Torch.NumThreads = 1;
Torch.ManualSeed(7);
using var model = ModelBuilder.FromArchitecture("small_cnn", 3, new Preprocessing(32, 32, new[] { 0.5, 0.5, 0.5 }, new[] { 0.25, 0.25, 0.25 })).Build();
var shapes = new SyntheticShapesDataset(new[] { ShapeKind.Circle, ShapeKind.Square, ShapeKind.Triangle }, 48, 32, seed: 5);
var loader = new DataLoader(shapes, new DataLoaderOptions { BatchSize = 8, Shuffle = true, Seed = 11 }, model.Preprocessing.EvalTransform());
var options = new FineTuneOptions
{
    FreezeEpochs = 2,
    Epochs = 4,
    BaseLearningRate = 1e-2,
    Trainer = new TrainerOptions
    {
        MonitorMetric = "train_loss",
        RestoreBestWeights = false,
        CheckpointPath = checkpoint,
        Callbacks = new TrainerCallback[] { new Report(hangIn) },
    },
};
var result = resume
    ? FineTuning.Resume(checkpoint, model, loader, options: options)
    : FineTuning.FineTune(model, loader, options: options);
using (var state = model.StateDict()) TorchSerializer.SaveStateDict(weights, state);
Console.WriteLine($"done: {result.Training.History.Epochs.Count} epochs, unfroze at {result.UnfrozeAtEpoch}");
return 0;

/// <summary>Prints each finished epoch; hangs after the second batch of epoch <c>hangIn</c>.</summary>
internal sealed class Report(int hangIn) : TrainerCallback
{
    public override void OnBatchEnd(TrainerContext context)
    {
        if (context.Epoch != hangIn || context.BatchesDone != 2) return;
        Console.WriteLine($"hanging in epoch {context.Epoch}");
        Thread.Sleep(Timeout.Infinite);
    }

    public override void OnEpochEnd(TrainerContext context) => Console.WriteLine($"epoch {context.Epoch}");
}
