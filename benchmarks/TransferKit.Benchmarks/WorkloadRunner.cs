using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TransferKit.Data;
using TransferKit.Engine;
using TransferKit.Training;
using TransferKit.Transfer;

namespace Benchmarks;

/// <summary>
/// <c>TransferKit.Benchmarks workloads [--only a,b,...] [--json PATH] [--data DIR] [--weights PATH] [--audio DIR]</c>:
/// times the end-to-end workloads with a Stopwatch (untimed warm-up repetitions, then timed ones;
/// median, min and max, every repetition kept) and prints one line per figure; with
/// <c>--json</c> it also writes them for <c>benchmarks/summarize_workloads.py</c>. The PyTorch side
/// is <c>benchmarks/pytorch/workloads_bench.py</c>, which uses the same names, repetition counts and
/// JSON layout; <c>benchmarks/workloads-compare.sh</c> runs both back to back.
/// </summary>
public static class WorkloadRunner
{
    /// <summary>Workload groups in run order (what <c>--only</c> selects).</summary>
    public static readonly string[] Groups = ["mlp", "trainer", "resnet_b4", "resnet_b32", "resnet_b32_fast", "frozen", "state_dict", "data", "feature_cache", "bert_b32", "audio_b32"];

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Runs the selected workloads; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        var only = Option(args, "--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? Groups;
        var unknown = only.Except(Groups).ToArray();
        if (unknown.Length > 0)
        {
            Console.Error.WriteLine($"unknown workload group(s) {string.Join(", ", unknown)}; known: {string.Join(", ", Groups)}");
            return 2;
        }
        string data = Option(args, "--data") ?? TrainingWorkloadsPaths.Hymenoptera();
        string weights = Option(args, "--weights") ?? TrainingWorkloadsPaths.Weights();
        string? json = Option(args, "--json");
        string? audio = Option(args, "--audio");

        Torch.NumThreads = 2;
        var results = new Dictionary<string, Figure>();
        var env = new Dictionary<string, object?>
        {
            ["side"] = "transferkit",
            ["libtorch"] = Torch.LibTorchVersion,
            ["dotnet"] = Environment.Version.ToString(),
            ["intra_op_threads"] = Torch.NumThreads,
            ["OMP_WAIT_POLICY"] = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"),
            ["sgemm_provider"] = BlasInfo.SgemmProvider(),
            ["loadavg_start"] = LoadAverage(),
            ["utc_start"] = DateTime.UtcNow.ToString("u", Inv),
        };
        Console.WriteLine($"TransferKit workloads, {Torch.NumThreads} intra-op threads, OMP_WAIT_POLICY={env["OMP_WAIT_POLICY"] ?? "(unset)"}, load {LoadAverage()}");

        void Add(string name, Figure f)
        {
            results[name] = f;
            Console.WriteLine(string.Create(Inv, $"{name,-34} {f.Median,12:F3} {f.Unit,-6} (min {f.Min:F3}, max {f.Max:F3}, n {f.Values.Length}) load {LoadAverage()}"));
        }

        foreach (var group in Groups.Where(only.Contains))
        {
            switch (group)
            {
                case "mlp":
                    Add("mlp_step", MlpStep());
                    break;
                case "trainer":
                    Add("mlp_trainer_step", PerStep(TrainingWorkloads.MlpTrainerEpoch));
                    break;
                case "resnet_b4":
                    using (var w = TrainingWorkloads.ResNet18TrainStep(4)) Add("resnet18_train_b4", Time(w.Run, 3, 10).Scaled(1e3, "ms"));
                    break;
                case "resnet_b32":
                    using (var w = TrainingWorkloads.ResNet18TrainStep(32)) Add("resnet18_train_b32", Time(w.Run, 1, 5).Scaled(1e3, "ms"));
                    break;
                case "resnet_b32_fast":
                    using (var w = TrainingWorkloads.ResNet18DefaultTrainStep(32, out var mode))
                    {
                        env["default_cpu_step"] = mode.ToString();
                        Add("resnet18_train_b32_fast", Time(w.Run, 1, 5).Scaled(1e3, "ms"));
                    }
                    break;
                case "frozen":
                    using (var w = TrainingWorkloads.FrozenBackboneStep(32, BatchNormPolicy.FrozenInInferenceMode))
                        Add("resnet18_frozen_b32_bneval", Time(w.Run, 1, 5).Scaled(1e3, "ms"));
                    using (var w = TrainingWorkloads.FrozenBackboneStep(32, BatchNormPolicy.FollowTrainingMode))
                        Add("resnet18_frozen_b32_bntrain", Time(w.Run, 1, 5).Scaled(1e3, "ms"));
                    break;
                case "state_dict":
                    StateDictLoad(weights, Add);
                    break;
                case "data":
                    DataPipeline(Path.Combine(data, "train"), Add);
                    break;
                case "feature_cache":
                    FeatureCacheEpochs(Path.Combine(data, "train"), weights, Add);
                    break;
                case "bert_b32":
                    using (var w = BertWorkloads.MiniLmTrainStep(32, 64)) Add("minilm_train_b32_t64", Time(w.Run, 1, 5).Scaled(1e3, "ms"));
                    break;
                case "audio_b32":
                    using (var w = AudioWorkloads.LogMelBatch(audio ?? TrainingWorkloadsPaths.SpokenDigits()))
                    {
                        // The loader always builds its resampling filter once; it is timed a second time under the name of
                        // PyTorch's cached-kernel variant (transforms.Resample), so that both PyTorch figures have a same-round partner.
                        Add("audio_b32_ms", Time(w.Run, 3, 15).Scaled(1e3, "ms"));
                        Add("audio_b32_cached_resample_ms", Time(w.Run, 0, 15).Scaled(1e3, "ms"));
                    }
                    break;
            }
        }

        env["loadavg_end"] = LoadAverage();
        if (json is not null)
        {
            var doc = new Dictionary<string, object?>
            {
                ["env"] = env,
                ["results"] = results.ToDictionary(r => r.Key, r => (object)new Dictionary<string, object>
                {
                    ["unit"] = r.Value.Unit,
                    ["median"] = r.Value.Median,
                    ["min"] = r.Value.Min,
                    ["max"] = r.Value.Max,
                    ["values"] = r.Value.Values,
                }),
            };
            File.WriteAllText(json, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
        }
        return 0;
    }

    // Steps per repetition calibrated so one repetition takes about 0.5 s; 1 warm-up and 7 timed repetitions.
    private static Figure MlpStep() => PerStep(TrainingWorkloads.MlpSteps);

    /// <summary>Times a workload of N small steps, N chosen so that one repetition takes about half a second; µs per step.</summary>
    private static Figure PerStep(Func<int, Workload> workload)
    {
        int steps;
        using (var probe = workload(50))
        {
            probe.Run();
            long t0 = Stopwatch.GetTimestamp();
            int runs = 0;
            while (Stopwatch.GetElapsedTime(t0).TotalSeconds < 0.5)
            {
                probe.Run();
                runs++;
            }
            steps = Math.Max(50, (int)(0.5 * runs * 50 / Stopwatch.GetElapsedTime(t0).TotalSeconds));
        }
        using var w = workload(steps);
        return Time(w.Run, 1, 7).Scaled(1e6 / steps, "us");
    }

    private static void StateDictLoad(string path, Action<string, Figure> add)
    {
        using (var w = TrainingWorkloads.LoadStateDict(path, 5)) add("state_dict_load", Time(w.Run, 2, 15).Scaled(1e3, "ms"));
        // The two halves separately: reading the file into tensors, and copying them into the model.
        using var model = TransferKit.Models.ResNet.ResNet18(5);
        var read = new List<double>();
        var apply = new List<double>();
        for (int k = 0; k < 17; k++)
        {
            long t0 = Stopwatch.GetTimestamp();
            using var stateDict = TransferKit.Serialization.TorchSerializer.LoadStateDict(path);
            long t1 = Stopwatch.GetTimestamp();
            model.LoadStateDict(stateDict);
            long t2 = Stopwatch.GetTimestamp();
            if (k < 2) continue;
            read.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
            apply.Add(Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
        }
        add("state_dict_read", new Figure([.. read], "ms"));
        add("state_dict_apply", new Figure([.. apply], "ms"));
        // One call that reads matching records straight into the parameters (no intermediate tensors).
        add("state_dict_load_into", Time(() => TransferKit.Serialization.TorchSerializer.LoadStateDictInto(model, path), 2, 15).Scaled(1e3, "ms"));
    }

    // One untimed pass (page cache, JIT), then 3 timed passes per worker count; images/s = images / median pass time.
    private static void DataPipeline(string root, Action<string, Figure> add)
    {
        var dataset = new ImageFolderDataset(root);
        var transform = TrainingWorkloads.TrainTransform();
        foreach (int workers in new[] { 0, 2 })
        {
            var loader = TrainingWorkloads.Loader(dataset, workers, transform);
            long count = 0;
            var pass = Time(() => count = TrainingWorkloads.OnePass(loader), 1, 3);
            if (count != dataset.Count) throw new InvalidOperationException($"a pass gave {count} images, not {dataset.Count}");
            add($"data_w{workers}_images_per_s", new Figure(pass.Values.Select(s => dataset.Count / s).ToArray(), "img/s"));
        }
    }

    // Frozen resnet18 (the shared flower weights, new fc Linear(512, 2)) on the ants/bees train set
    // with the evaluation transform: features computed once (2 loader workers) then the head trained
    // on them for 6 epochs (no workers: the samples are in memory), against one epoch of the Trainer
    // running the whole frozen model (2 loader workers). SGD lr 1e-3, momentum 0.9; no weight snapshots.
    private static void FeatureCacheEpochs(string root, string weights, Action<string, Figure> add)
    {
        var dataset = new ImageFolderDataset(root);
        Torch.ManualSeed(0);
        using var model = ModelBuilder.FromPretrained("resnet18", dataset.Classes, weightsFile: weights).FreezeBackbone()
            .WithPreprocessing(Preprocessing.ImageNet()).Build();
        var eval = model.Preprocessing.EvalTransform();
        TrainerOptions Options(int epochs) => new()
        {
            Epochs = epochs,
            RestoreBestWeights = false,
            OptimizerFactory = m => new SGD(m.TrainableParameters(), 1e-3, momentum: 0.9),
        };

        // Untimed: one batch through the backbone, so that every timed figure below runs a warm model.
        using (var scope = Torch.NewDisposeScope())
        using (Torch.NoGrad())
            model.ForwardFeatures(Torch.Randn(32, 3, 224, 224));

        long t0 = Stopwatch.GetTimestamp();
        using var features = FeatureCache.Compute(model.ForwardFeatures, TrainingWorkloads.Loader(dataset, 2, eval, shuffle: false));
        double compute = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        var headEpochs = EpochSeconds(new Trainer(Options(6)), model.Head, TrainingWorkloads.Loader(features, 0, null));
        add("featcache_compute_s", new Figure([compute], "s"));
        add("featcache_epoch1_s", new Figure([compute + headEpochs[0]], "s"));
        add("featcache_later_epoch_ms", new Figure(headEpochs[1..].Select(s => s * 1e3).ToArray(), "ms"));
        var recompute = EpochSeconds(new Trainer(Options(1)), model, TrainingWorkloads.Loader(dataset, 2, eval));
        add("featcache_recompute_epoch_s", new Figure(recompute, "s"));
    }

    private static double[] EpochSeconds(Trainer trainer, TransferKit.NN.Module model, DataLoader loader)
    {
        var seconds = new List<double>();
        trainer.EpochCompleted += (_, e) => seconds.Add(e.Duration.TotalSeconds);
        trainer.Fit(model, loader);
        return [.. seconds];
    }

    /// <summary>Runs <paramref name="action"/> <paramref name="warmup"/> times untimed, then <paramref name="reps"/> times timed (seconds).</summary>
    public static Figure Time(Action action, int warmup, int reps)
    {
        for (int k = 0; k < warmup; k++) action();
        var seconds = new double[reps];
        for (int k = 0; k < reps; k++)
        {
            long t0 = Stopwatch.GetTimestamp();
            action();
            seconds[k] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }
        return new Figure(seconds, "s");
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}

/// <summary>The shared data and weights the workloads use, found by walking up from the working directory or the program's folder.</summary>
public static class TrainingWorkloadsPaths
{
    /// <summary>shared/data/hymenoptera_data.</summary>
    public static string Hymenoptera() => Shared("data", "hymenoptera_data");

    /// <summary>shared/data/spoken-digits (8 kHz WAV clips).</summary>
    public static string SpokenDigits() => Shared("data", "spoken-digits");

    /// <summary>shared/weights/resnet18_flowers5.pth, or $TK_BENCH_WEIGHTS.</summary>
    public static string Weights() => Environment.GetEnvironmentVariable("TK_BENCH_WEIGHTS") ?? Shared("weights", "resnet18_flowers5.pth");

    private static string Shared(string folder, string name)
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared", folder, name);
                if (File.Exists(candidate) || Directory.Exists(candidate)) return candidate;
            }
        throw new FileNotFoundException($"Cannot find shared/{folder}/{name}; pass --data / --weights.");
    }
}

/// <summary>Repeated measurements of one figure, in <see cref="Unit"/>.</summary>
/// <param name="Values">One value per timed repetition, in run order.</param>
/// <param name="Unit">Unit of the values.</param>
public sealed record Figure(double[] Values, string Unit)
{
    /// <summary>Median of the values.</summary>
    public double Median
    {
        get
        {
            var sorted = Values.Order().ToArray();
            int n = sorted.Length;
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        }
    }

    /// <summary>Smallest value.</summary>
    public double Min => Values.Min();

    /// <summary>Largest value.</summary>
    public double Max => Values.Max();

    /// <summary>The values multiplied by <paramref name="factor"/>, in <paramref name="unit"/>.</summary>
    public Figure Scaled(double factor, string unit) => new(Values.Select(v => v * factor).ToArray(), unit);
}
