using System.Diagnostics;
using System.Globalization;
using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;

namespace Benchmarks;

/// <summary>
/// <c>TransferKit.Benchmarks allreduce STORE RANK WORLD MODEL [BATCH] [REPS]</c>: one rank of a
/// data-parallel step split into its phases, to bound what overlapping the gradient all-reduce with
/// the backward pass (c10d's Reducer) could gain. Each rank (1 intra-op thread) times forward +
/// cross-entropy + backward of MODEL (<c>resnet18</c> at 224x224 or <c>small_cnn</c> at 32x32) on
/// BATCH samples, then, after a barrier so that no rank waits for a slower one, the trainer's
/// <see cref="DistributedContext.AllReduceMean"/> of all gradients. Medians over REPS steps after one
/// warm-up. Overlap can hide at most the all-reduce time, so <c>all-reduce / (compute + all-reduce)</c>
/// is the largest share of the step it could save. benchmarks/allreduce-overlap.sh starts the ranks.
/// </summary>
public static class AllReduceProbe
{
    /// <summary>Runs one rank; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        if (args.Length < 4)
        {
            Console.Error.WriteLine("usage: allreduce STORE RANK WORLD resnet18|small_cnn [BATCH] [REPS]");
            return 2;
        }
        int rank = int.Parse(args[1], CultureInfo.InvariantCulture), world = int.Parse(args[2], CultureInfo.InvariantCulture);
        bool resnet = args[3] == "resnet18";
        int batch = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 16;
        int reps = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 10;
        Torch.NumThreads = 1;
        Torch.ManualSeed(0);
        using var distributed = DistributedContext.Create(new DistributedOptions { Rank = rank, WorldSize = world, StorePath = args[0] });
        using Module model = resnet ? ResNet.ResNet18(1000) : new SmallCnn(3, dropout: 0);
        model.Train();
        int size = resnet ? 224 : 32;
        using var x = Torch.Randn(batch, 3, size, size);
        using var y = Torch.RandInt(0, resnet ? 1000 : 3, new long[] { batch });
        var parameters = model.Parameters().ToArray();
        var compute = new List<double>();
        var allReduce = new List<double>();
        for (int k = 0; k <= reps; k++)
        {
            model.ZeroGrad();
            using var scope = Torch.NewDisposeScope();
            long t0 = Stopwatch.GetTimestamp();
            Functional.CrossEntropy(model.Forward(x), y).Backward();
            long t1 = Stopwatch.GetTimestamp();
            var grads = parameters.Select(p => p.Grad!).ToArray();
            distributed.Barrier();
            long t2 = Stopwatch.GetTimestamp();
            distributed.AllReduceMean(grads);
            long t3 = Stopwatch.GetTimestamp();
            if (k == 0) continue;
            compute.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
            allReduce.Add(Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds);
        }
        double c = Median(compute), a = Median(allReduce);
        double megabytes = parameters.Sum(p => p.Numel) * 4 / 1e6;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rank {rank}/{world} {args[3]} batch {batch}, {megabytes:F2} MB of gradients: forward+backward median {c:F1} ms, all-reduce median {a:F2} ms, " +
            $"all-reduce share of the step {a / (c + a):P1} (load {File.ReadAllText("/proc/loadavg").Trim()})"));
        return 0;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
