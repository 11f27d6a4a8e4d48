using System.Globalization;
using TransferKit.Data;
using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.Serialization;
using TransferKit.Training;
using TransferKit.Transfer;

/// <summary>
/// <c>ddp &lt;store-file&gt; &lt;rank&gt; &lt;world&gt; &lt;weights-out&gt; [--hang-after-steps K] [--timeout-s T]</c>:
/// one rank of a small data-parallel run (SmallCnn without dropout on 48 synthetic shapes, 2 epochs,
/// SGD, float32), meeting the other ranks through a FileStore; each rank loads its shard with batch
/// 16 / world. World 1 is the single-process reference on the combined batches (batch 16, no
/// distributed context; it also writes its initial weights to &lt;weights-out&gt;.initial.pth). Prints "rank R metrics train_loss val_loss val_accuracy" at the end and
/// writes the final state dict. With --hang-after-steps K it stops making progress after K optimizer
/// steps ("rank R hanging") until killed; any TorchException prints "rank R failed: message" and
/// exits with code 3.
/// <c>--epochs N</c> trains N epochs instead of 2; <c>--checkpoint PATH</c> sets
/// <see cref="TrainerOptions.CheckpointPath"/> (rank 0 writes it); <c>--resume PATH</c> continues the
/// run from a checkpoint with <see cref="Trainer.Resume"/> instead of <see cref="Trainer.Fit"/>. Prints
/// "rank R epoch E" after each epoch it trains and "rank R history N" (epochs in the result's history).
/// </summary>
internal static class DdpHost
{
    public static int Run(string[] args)
    {
        string store = args[0], weights = args[3];
        int rank = int.Parse(args[1], CultureInfo.InvariantCulture), world = int.Parse(args[2], CultureInfo.InvariantCulture);
        int hangAfter = Option(args, "--hang-after-steps") ?? int.MaxValue;
        int timeout = Option(args, "--timeout-s") ?? 60;
        int epochs = Option(args, "--epochs") ?? 2;
        string? checkpoint = Text(args, "--checkpoint"), resume = Text(args, "--resume");
        Torch.NumThreads = 1;
        Torch.ManualSeed(100 + (ulong)rank); // different initial weights per rank: rank 0's must reach every rank
        try
        {
            using var distributed = world == 1 ? null : DistributedContext.Create(new DistributedOptions
            {
                Rank = rank, WorldSize = world, StorePath = store, Timeout = TimeSpan.FromSeconds(timeout),
            });
            if (world == 1) Torch.ManualSeed(100);
            using var model = new SmallCnn(3, width: 8, dropout: 0);
            if (world == 1)
                using (var initial = model.StateDict()) TorchSerializer.SaveStateDict(weights + ".initial.pth", initial);
            var preprocessing = new Preprocessing(32, 32, new[] { 0.5, 0.5, 0.5 }, new[] { 0.25, 0.25, 0.25 });
            var shapes = new[] { ShapeKind.Circle, ShapeKind.Square, ShapeKind.Triangle };
            var shard = distributed is null ? null : DataShard.Of(distributed);
            var train = new DataLoader(new SyntheticShapesDataset(shapes, 48, 32, seed: 5),
                new DataLoaderOptions { BatchSize = 16 / world, Shuffle = true, Seed = 11, Shard = shard }, preprocessing.EvalTransform());
            var val = new DataLoader(new SyntheticShapesDataset(shapes, 24, 32, seed: 6),
                new DataLoaderOptions { BatchSize = 12 / world, Shard = shard }, preprocessing.EvalTransform());
            var trainer = new Trainer(new TrainerOptions
            {
                Epochs = epochs,
                LearningRate = 0.05,
                CpuStep = CpuStepMode.Float32,
                RestoreBestWeights = false,
                Distributed = distributed,
                CheckpointPath = checkpoint,
                Callbacks = new TrainerCallback[] { new HangAfter(hangAfter, rank) },
            });
            trainer.EpochCompleted += (_, e) => Console.WriteLine($"rank {rank} epoch {e.Epoch}");
            var result = resume is null ? trainer.Fit(model, train, val) : trainer.Resume(resume, model, train, val);
            var last = result.History.Epochs[^1];
            Console.WriteLine($"rank {rank} history {result.History.Epochs.Count}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"rank {rank} metrics {last.Train.Loss:R} {last.Validation!.Loss:R} {last.Validation.Accuracy:R} {last.Validation.Samples}"));
            using (var state = model.StateDict()) TorchSerializer.SaveStateDict(weights, state);
            return 0;
        }
        catch (TorchException e)
        {
            Console.WriteLine($"rank {rank} failed: {e.Message.ReplaceLineEndings(" ")}");
            return 3;
        }
    }

    private static int? Option(string[] args, string name) =>
        Text(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : null;

    private static string? Text(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at < 0 ? null : args[at + 1];
    }

    /// <summary>Stops making progress after <c>steps</c> optimizer steps, until the process is killed.</summary>
    private sealed class HangAfter(int steps, int rank) : TrainerCallback
    {
        private int _done;

        public override void OnAfterOptimizerStep(TrainerContext context)
        {
            if (++_done != steps) return;
            Console.WriteLine($"rank {rank} hanging");
            Thread.Sleep(Timeout.Infinite);
        }
    }
}
