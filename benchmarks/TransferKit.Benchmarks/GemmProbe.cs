using System.Diagnostics;
using System.Globalization;
using TransferKit.Engine;

namespace Benchmarks;

/// <summary>
/// `TransferKit.Benchmarks gemm [--reps N] [--warmup N]`: times the GemmBenchmarks product with a
/// Stopwatch (no BenchmarkDotNet, starts in a second) and prints GFLOP/s plus the BLAS in use, one
/// `key: value` per line so that scripts can pick the figures out.
/// </summary>
public static class GemmProbe
{
    /// <summary>Runs the probe; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        int reps = Option(args, "--reps", 20), warmup = Option(args, "--warmup", 3);
        Torch.NumThreads = 2;
        Torch.ManualSeed(0);
        using var scope = Torch.NewDisposeScope();
        var x = Torch.Randn(GemmBenchmarks.M, GemmBenchmarks.K);
        var w = Torch.Randn(GemmBenchmarks.K, GemmBenchmarks.N);

        for (int k = 0; k < warmup; k++) x.MatMul(w).Dispose();
        var seconds = new double[reps];
        for (int k = 0; k < reps; k++)
        {
            long t0 = Stopwatch.GetTimestamp();
            x.MatMul(w).Dispose();
            seconds[k] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }
        Array.Sort(seconds);
        double median = reps % 2 == 1 ? seconds[reps / 2] : (seconds[reps / 2 - 1] + seconds[reps / 2]) / 2;

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"shape: x[{GemmBenchmarks.M},{GemmBenchmarks.K}] @ w[{GemmBenchmarks.K},{GemmBenchmarks.N}] float32");
        Console.WriteLine($"intra-op threads: {Torch.NumThreads}");
        Console.WriteLine($"sgemm_ provider: {BlasInfo.SgemmProvider()}");
        Console.WriteLine($"mapped BLAS files: {string.Join(", ", BlasInfo.MappedBlasLibraries())}");
        Console.WriteLine(string.Create(inv, $"reps: {reps} (after {warmup} warm-up), median ms: {median * 1e3:F2}, min ms: {seconds[0] * 1e3:F2}"));
        Console.WriteLine(string.Create(inv, $"GFLOP/s (median): {GemmBenchmarks.FlopsPerCall / median / 1e9:F2}"));
        Console.WriteLine(string.Create(inv, $"GFLOP/s (best): {GemmBenchmarks.FlopsPerCall / seconds[0] / 1e9:F2}"));
        return 0;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int v) && v > 0 ? v : fallback;
    }
}
