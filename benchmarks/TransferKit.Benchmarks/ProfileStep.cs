using System.Diagnostics;
using System.Globalization;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Engine;
using TransferKit.Training;

namespace Benchmarks;

/// <summary>
/// <c>TransferKit.Benchmarks profile-step [BATCH] [REPS] [--zero-in-place] [--channels-last] [--bf16]</c>: the phases of the ResNet-18
/// training step of the workloads (zero_grad, forward + cross-entropy, backward, SGD step, freeing the
/// step's tensors), each timed with a Stopwatch, medians over REPS steps after 2 warm-up steps.
/// benchmarks/pytorch/profile_step.py measures the same phases in PyTorch. TransferKit's
/// <c>ZeroGrad</c> drops the gradients (PyTorch's <c>set_to_none=True</c>), so backward allocates them
/// again; <c>--zero-in-place</c> instead zeroes them in place, as PyTorch 1.13's default
/// <c>zero_grad()</c> does, to measure what that allocation costs. <c>--channels-last</c> lays the model
/// and the input out as channels_last; <c>--bf16</c> runs the forward pass and the loss under bf16
/// autocast (the same flags as the PyTorch script).
/// </summary>
public static class ProfileStep
{
    /// <summary>Runs the profile; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        int batch = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? int.Parse(args[0], CultureInfo.InvariantCulture) : 4;
        int reps = args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal) ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        bool zeroInPlace = args.Contains("--zero-in-place");
        bool channelsLast = args.Contains("--channels-last");
        bool bf16 = args.Contains("--bf16");
        Torch.NumThreads = 2;
        Torch.ManualSeed(0);
        using var model = ResNet.ResNet18(1000);
        model.Train();
        using var input = Torch.Randn(batch, 3, 224, 224);
        using var x = channelsLast ? input.Contiguous(MemoryFormat.ChannelsLast) : input.Alias();
        if (channelsLast) model.ToMemoryFormat(MemoryFormat.ChannelsLast);
        using var y = Torch.RandInt(0, 1000, new long[] { batch });
        using var optimizer = new SGD(model.Parameters(), 1e-3, momentum: 0.9);
        string[] phases = ["zero_grad", "forward+loss", "backward", "optimizer step", "free step tensors", "whole step"];
        var times = phases.ToDictionary(p => p, _ => new List<double>());
        for (int k = 0; k < reps + 2; k++)
        {
            long t0 = Stopwatch.GetTimestamp();
            if (zeroInPlace)
            {
                foreach (var p in model.Parameters())
                    using (var g = p.Grad)
                        g?.Zero_();
            }
            else
            {
                optimizer.ZeroGrad();
            }
            long t1 = Stopwatch.GetTimestamp();
            var scope = Torch.NewDisposeScope();
            Tensor loss;
            using (bf16 ? Torch.Autocast() : (IDisposable?)null)
                loss = Functional.CrossEntropy(model.Forward(x), y);
            long t2 = Stopwatch.GetTimestamp();
            loss.Backward();
            long t3 = Stopwatch.GetTimestamp();
            optimizer.Step();
            long t4 = Stopwatch.GetTimestamp();
            scope.Dispose();
            long t5 = Stopwatch.GetTimestamp();
            if (k < 2) continue;
            long[] marks = [t0, t1, t2, t3, t4, t5];
            for (int p = 0; p < 5; p++) times[phases[p]].Add(Stopwatch.GetElapsedTime(marks[p], marks[p + 1]).TotalMilliseconds);
            times["whole step"].Add(Stopwatch.GetElapsedTime(t0, t5).TotalMilliseconds);
        }
        Console.WriteLine($"ResNet-18 step, batch {batch}, {reps} steps, gradients {(zeroInPlace ? "zeroed in place" : "dropped (ZeroGrad)")}, channels_last {channelsLast}, bf16 autocast {bf16}, load {File.ReadAllText("/proc/loadavg").Trim()}");
        foreach (var p in phases)
        {
            var v = times[p].Order().ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p,-20} median {v[v.Length / 2],8:F2} ms  (min {v[0]:F2}, max {v[^1]:F2})"));
        }
        return 0;
    }
}
