using System.Diagnostics;
using TransferKit.Models;
using TransferKit.Engine;

namespace Benchmarks;

/// <summary>
/// `inference [reps]`: resnet18 evaluation-mode forward passes at batch 64, 224x224, without
/// gradients; prints the median images/s. benchmarks/inference-compare.sh runs it beside
/// benchmarks/pytorch/inference_bench.py.
/// </summary>
internal static class InferenceProbe
{
    public static int Run(string[] args)
    {
        int reps = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 5;
        Torch.ManualSeed(0);
        using var model = ModelRegistry.Create("resnet18", 1000);
        model.Eval();
        using var input = Torch.Randn(64, 3, 224, 224);
        var seconds = new List<double>();
        using (Torch.NoGrad())
        {
            for (int k = 0; k < reps + 1; k++)
            {
                var clock = Stopwatch.StartNew();
                using (var scope = Torch.NewDisposeScope()) model.Forward(input);
                if (k > 0) seconds.Add(clock.Elapsed.TotalSeconds); // the first pass warms up
            }
        }
        seconds.Sort();
        double median = seconds[seconds.Count / 2];
        Console.WriteLine($"TransferKit resnet18 inference batch 64: {64 / median:F1} img/s (median of {reps}, {Torch.NumThreads} threads; runs {string.Join(", ", seconds.Select(s => (64 / s).ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))})");
        return 0;
    }
}
