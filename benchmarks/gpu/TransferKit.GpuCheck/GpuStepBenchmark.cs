using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.NoEmit;
using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Training;

namespace TransferKit.GpuCheck;

/// <summary>
/// One ResNet training step on the GPU, as benchmarks/gpu/pytorch_step.py times it in PyTorch eager:
/// batch 64 at 224x224, zero_grad, forward, cross-entropy, backward, SGD (lr 0.01, momentum 0.9)
/// step, then a device synchronisation so that the measured time is the GPU's. Configurations:
/// fp32; float16 autocast with a GradScaler (PyTorch's AMP recipe); bfloat16 autocast; and
/// channels_last with bfloat16 autocast. cuDNN's autotuner is on for both sides.
/// </summary>
[MedianColumn, MinColumn, MaxColumn]
public class GpuStepBenchmarks
{
    private Module? _model;
    private SGD? _optimizer;
    private GradScaler? _scaler;
    private Tensor? _x, _y;

    /// <summary>resnet18 or resnet50.</summary>
    [ParamsSource(nameof(Models))]
    public string Model { get; set; } = "resnet18";

    /// <summary>fp32, amp_fp16, bf16 or channels_last_bf16.</summary>
    [ParamsSource(nameof(Configs))]
    public string Config { get; set; } = "fp32";

    public static IEnumerable<string> Models => GpuStepBenchmark.Models;
    public static IEnumerable<string> Configs => GpuStepBenchmark.Configs;

    [GlobalSetup]
    public void Setup()
    {
        var device = GpuStepBenchmark.Device;
        if (device.Type == DeviceType.Cuda) Cuda.CudnnBenchmark = true;
        Torch.ManualSeed(0);
        _model = (Model == "resnet50" ? ResNet.ResNet50(1000) : ResNet.ResNet18(1000)).To(device);
        _model.Train();
        int batch = GpuStepBenchmark.Batch;
        var x = Torch.Randn(new long[] { batch, 3, 224, 224 }, ScalarType.Float32, device);
        if (Config == "channels_last_bf16")
        {
            _model.ToMemoryFormat(MemoryFormat.ChannelsLast);
            var nchw = x;
            x = nchw.Contiguous(MemoryFormat.ChannelsLast);
            nchw.Dispose();
        }
        _x = x.DetachFromDisposeScope();
        _y = Torch.RandInt(0, 1000, new long[] { batch }, ScalarType.Int64, device).DetachFromDisposeScope();
        _optimizer = new SGD(_model.Parameters(), 0.01, momentum: 0.9);
        if (Config == "amp_fp16") _scaler = new GradScaler();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _scaler?.Dispose();
        _optimizer?.Dispose();
        _model?.Dispose();
        _x?.Dispose();
        _y?.Dispose();
    }

    [Benchmark]
    public void TrainStep()
    {
        var device = GpuStepBenchmark.Device;
        using (var scope = Torch.NewDisposeScope())
        {
            _optimizer!.ZeroGrad();
            Tensor loss;
            using (Config switch
            {
                "amp_fp16" => Torch.Autocast(device, ScalarType.Float16),
                "bf16" or "channels_last_bf16" => Torch.Autocast(device, ScalarType.BFloat16),
                _ => (IDisposable?)null,
            })
            {
                loss = Functional.CrossEntropy(_model!.Forward(_x!), _y!);
            }
            if (_scaler is { } scaler)
            {
                scaler.Scale(loss).Backward();
                scaler.Step(_optimizer);
                scaler.Update();
            }
            else
            {
                loss.Backward();
                _optimizer.Step();
            }
        }
        if (device.Type == DeviceType.Cuda) Cuda.Synchronize(device);
    }
}

/// <summary>Runs <see cref="GpuStepBenchmarks"/> with BenchmarkDotNet in-process and writes the medians as JSON.</summary>
internal static class GpuStepBenchmark
{
    public static Device Device { get; private set; } = Device.Cuda;
    public static int Batch { get; private set; } = 64;
    public static string[] Models { get; private set; } = { "resnet18", "resnet50" };
    public static string[] Configs { get; private set; } = { "fp32", "amp_fp16", "bf16", "channels_last_bf16" };

    public static int Run(string[] args)
    {
        string outDir = Option(args, "--out") ?? ".";
        bool quick = args.Contains("--quick");
        if (Option(args, "--device") is { } d) Device = TransferKit.Engine.Device.Parse(d);
        if (Option(args, "--batch") is { } b) Batch = int.Parse(b, CultureInfo.InvariantCulture);
        if (Option(args, "--models") is { } m) Models = m.Split(',');
        if (Option(args, "--configs") is { } c) Configs = c.Split(',');
        Directory.CreateDirectory(outDir);

        var job = Job.Default
            .WithToolchain(InProcessNoEmitToolchain.Instance)
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(quick ? 1 : 5)
            .WithIterationCount(quick ? 3 : 20)
            .WithInvocationCount(1)
            .WithUnrollFactor(1);
        var config = ManualConfig.CreateMinimumViable()
            .AddJob(job)
            .WithArtifactsPath(Path.Combine(outDir, "bdn"))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.JoinSummary);
        var summary = BenchmarkRunner.Run<GpuStepBenchmarks>(config);

        var rows = new List<Dictionary<string, object>>();
        foreach (var report in summary.Reports)
        {
            var stats = report.ResultStatistics;
            if (stats is null) continue;
            rows.Add(new Dictionary<string, object>
            {
                ["model"] = report.BenchmarkCase.Parameters["Model"]!.ToString()!,
                ["config"] = report.BenchmarkCase.Parameters["Config"]!.ToString()!,
                ["median_ms"] = stats.Median / 1e6,
                ["min_ms"] = stats.Min / 1e6,
                ["iterations"] = stats.N,
            });
        }
        var result = new Dictionary<string, object>
        {
            ["framework"] = "TransferKit",
            ["libtorch"] = Torch.LibTorchVersion,
            ["device"] = Device.ToString(),
            ["batch"] = Batch,
            ["rows"] = rows,
        };
        string path = Path.Combine(outDir, "transferkit.json");
        File.WriteAllText(path, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"wrote {path} ({rows.Count} of {Models.Length * Configs.Length} cases)");
        return rows.Count == Models.Length * Configs.Length ? 0 : 1;
    }

    private static string? Option(string[] args, string name)
    {
        int k = Array.IndexOf(args, name);
        return k >= 0 && k + 1 < args.Length ? args[k + 1] : null;
    }
}
