// Data-parallel training on libtorch's distributed engine (c10d, Gloo): stage 1 of the ShapesTransfer
// sample (the small CNN trained from scratch on 3,000 circles, squares and triangles, 20 epochs, AdamW
// 3e-3 with a cosine schedule, global batch 32) trained by N processes, each on its share of every batch.
//
//   dotnet run -c Release --project samples/ShapesDdp -- --nproc 2     # launches 2 ranks of itself on 127.0.0.1
//   dotnet run -c Release --project samples/ShapesDdp -- --nproc 1     # the same training in one process
//   ... -- --nproc 2 --seed 3                                          # another initialisation and data order
//
// Each rank can also be started by hand (or by a cluster's launcher) the way torchrun does it, with
// RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT (and LOCAL_RANK) set: `dotnet ShapesDdp.dll` then joins that run.
// 1 and N processes train the same model on the same batches with the same optimizer steps: the global
// batch is 32 whatever N (each rank takes 32 / N samples of it, the gradients are averaged), the data
// order is the same (the shard of rank r holds samples r, r + N, ... of the one shuffled order) and there
// is no dropout (its random masks would differ between 1 and N processes). Rank 0 prints the test
// accuracy of the last epoch and of the best one.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using TransferKit.Data;
using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.Training;
using TransferKit.Transfer;

if (Environment.GetEnvironmentVariable("WORLD_SIZE") is null)
    return Launch(Option(args, "--nproc") ?? 2, args);
int seed = Option(args, "--seed") ?? 1;

using var distributed = DistributedContext.FromEnvironment();
// Each rank gets its share of the cores; TRANSFERKIT_NUM_THREADS (read when TransferKit loads) overrides it.
if (Environment.GetEnvironmentVariable("TRANSFERKIT_NUM_THREADS") is null) Torch.NumThreads = Math.Max(1, Environment.ProcessorCount / distributed.WorldSize);
Torch.ManualSeed((ulong)seed); // every rank builds the same model; rank 0's weights are broadcast anyway

const int ImageSize = 32, GlobalBatch = 32, Epochs = 20;
var preprocessing = new Preprocessing(ImageSize, ImageSize, new[] { 0.5, 0.5, 0.5 }, new[] { 0.25, 0.25, 0.25 });
ShapeKind[] shapes = { ShapeKind.Circle, ShapeKind.Square, ShapeKind.Triangle };
var shard = DataShard.Of(distributed);
var train = new DataLoader(new SyntheticShapesDataset(shapes, count: 3000, ImageSize, seed: 1),
    new DataLoaderOptions { BatchSize = GlobalBatch / distributed.WorldSize, Shuffle = true, Seed = (ulong)seed, Shard = shard }, preprocessing.EvalTransform());
var test = new DataLoader(new SyntheticShapesDataset(shapes, count: 450, ImageSize, seed: 2),
    new DataLoaderOptions { BatchSize = 64, Shard = shard }, preprocessing.EvalTransform());

using var model = new SmallCnn(shapes.Length, dropout: 0);
var trainer = new Trainer(new TrainerOptions
{
    Epochs = Epochs,
    OptimizerFactory = m => new AdamW(m.TrainableParameters(), 3e-3),
    SchedulerFactory = o => new CosineAnnealingLR(o, Epochs),
    Distributed = distributed,
});
trainer.EpochCompleted += (_, e) =>
{
    if (distributed.IsMain)
        Console.WriteLine($"epoch {e.Epoch}: train loss {e.Train.Loss:F4} acc {e.Train.Accuracy:P1} | test loss {e.Validation!.Loss:F4} acc {e.Validation.Accuracy:P1} ({e.Duration.TotalSeconds:F1} s)");
};
var clock = Stopwatch.StartNew();
var result = trainer.Fit(model, train, test);
var (best, last) = (result.BestEpoch!, result.History.Epochs[^1]);
if (distributed.IsMain)
    Console.WriteLine($"{distributed.WorldSize} process(es), seed {seed}: test accuracy {last.Validation!.Accuracy:P1} after epoch {last.Epoch}, " +
        $"best {best.Validation!.Accuracy:P1} (epoch {best.Epoch}) on {best.Validation.Samples} images, {clock.Elapsed.TotalSeconds:F1} s");
return 0;

static int? Option(string[] args, string name)
{
    int at = Array.IndexOf(args, name);
    return at < 0 ? null : int.Parse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture);
}

// Starts `count` ranks of this program with torchrun's variables on a free loopback port and the same
// arguments, forwards their output and returns the first non-zero exit code.
static int Launch(int count, string[] args)
{
    int port;
    using (var probe = new TcpListener(IPAddress.Loopback, 0))
    {
        probe.Start();
        port = ((IPEndPoint)probe.LocalEndpoint).Port;
    }
    var ranks = Enumerable.Range(0, count).Select(rank =>
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") info.ArgumentList.Add(System.Reflection.Assembly.GetEntryAssembly()!.Location); // `dotnet ShapesDdp.dll`
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["RANK"] = rank.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["LOCAL_RANK"] = info.Environment["RANK"];
        info.Environment["WORLD_SIZE"] = count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["MASTER_ADDR"] = "127.0.0.1";
        info.Environment["MASTER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Process.Start(info)!;
    }).ToList();
    foreach (var p in ranks) p.WaitForExit();
    return ranks.Select(p => p.ExitCode).FirstOrDefault(c => c != 0);
}
