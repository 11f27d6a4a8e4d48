using System.Diagnostics;
using System.Globalization;
using TransferKit.Data;
using TransferKit.Data.Transforms;
using TransferKit.Engine;

namespace Benchmarks;

/// <summary>
/// <c>TransferKit.Benchmarks profile-data [--threads N] [DIR]</c>: where one pass of the data-pipeline
/// workload spends its time, on one thread: reading the files, decoding, each transform of
/// <see cref="TrainingWorkloads.TrainTransform"/> (HWC to CHW, RandomResizedCrop, RandomHorizontalFlip,
/// ToTensor, Normalize) and collating batches of 32. Each stage runs over every image with its
/// inputs prepared beforehand (3 passes after 1 warm-up pass, median); the last line is the whole
/// pipeline (DataLoader with 0 workers) for comparison with the sum. "decode crop region only" decodes,
/// instead of whole images, the regions RandomResizedCrop draws (not counted in the sum), and the last
/// line is the whole pipeline with the loader given the transform object, which decodes only those regions. Intra-op threads: 1 by default,
/// as in a DataLoader worker.
/// </summary>
public static class ProfileData
{
    private static double LastMedian;

    /// <summary>Runs the profile; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        int threads = 1;
        int i = Array.IndexOf(args, "--threads");
        if (i >= 0) threads = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
        string root = args.Length > 0 && !args[^1].StartsWith("--", StringComparison.Ordinal) && (i < 0 || args.Length - 1 != i + 1)
            ? args[^1] : Path.Combine(TrainingWorkloadsPaths.Hymenoptera(), "train");
        Torch.NumThreads = threads;
        var dataset = new ImageFolderDataset(root);
        int n = dataset.Count;
        var paths = dataset.Samples.Select(s => s.Path).ToArray();
        Console.WriteLine($"{n} images, {threads} intra-op thread(s), load {File.ReadAllText("/proc/loadavg").Trim()}");

        double total = 0;
        void Stage(string name, Action<int> perImage, int count)
        {
            for (int k = 0; k < count; k++) perImage(k);
            var s = new double[3];
            for (int r = 0; r < s.Length; r++)
            {
                long t0 = Stopwatch.GetTimestamp();
                for (int k = 0; k < count; k++) perImage(k);
                s[r] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            }
            Array.Sort(s);
            total += s[1];
            LastMedian = s[1];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-34} {s[1] * 1e3,9:F1} ms per pass  {s[1] / n * 1e6,8:F0} us per image"));
        }

        var bytes = new byte[n][];
        Stage("read file bytes", k => bytes[k] = File.ReadAllBytes(paths[k]), n);
        var decoded = new Tensor[n];
        Stage("decode JPEG (libjpeg-turbo)", k => { decoded[k]?.Dispose(); decoded[k] = ImageDecoder.Decode(bytes[k], paths[k]); }, n);
        var chw = new Tensor[n];
        Stage("HwcToChw", k => { chw[k]?.Dispose(); chw[k] = ImageFunctional.FromHwc(decoded[k]); }, n);
        var crop = new RandomResizedCrop(224);
        var cropped = new Tensor[n];
        Stage("RandomResizedCrop(224)", k => { cropped[k]?.Dispose(); cropped[k] = crop.Apply(chw[k], new Random(k)); }, n);
        var flip = new RandomHorizontalFlip();
        var flipped = new Tensor[n];
        Stage("RandomHorizontalFlip", k => { flipped[k]?.Dispose(); flipped[k] = flip.Apply(cropped[k], new Random(k)); }, n);
        var toTensor = new ToTensor();
        var floats = new Tensor[n];
        Stage("ToTensor", k => { floats[k]?.Dispose(); floats[k] = toTensor.Apply(flipped[k], new Random(k)); }, n);
        var normalize = Normalize.ImageNet();
        var normalized = new Tensor[n];
        Stage("Normalize", k => { normalized[k]?.Dispose(); normalized[k] = normalize.Apply(floats[k], new Random(k)); }, n);
        var batches = normalized.Chunk(32).ToArray();
        Stage("collate (Stack of 32)", b => Torch.Stack(batches[b]).Dispose(), batches.Length);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"sum of the stages",-34} {total * 1e3,9:F1} ms per pass  ({n / total:F0} images/s)"));

        var regions = new (int Top, int Left, int Height, int Width)[n];
        for (int k = 0; k < n; k++)
        {
            var info = ImageDecoder.ReadInfo(bytes[k], paths[k]);
            regions[k] = crop.SampleRegion(info.Height, info.Width, new Random(k));
        }
        var regionImages = new Tensor[n];
        Stage("decode crop region only (JPEG)", k =>
        {
            regionImages[k]?.Dispose();
            var (top, left, h, w) = regions[k];
            regionImages[k] = ImageDecoder.DecodeRegion(bytes[k], top, left, h, w, paths[k]);
        }, n);
        total -= LastMedian; // an alternative to the full decode, not an extra stage
        foreach (var t in regionImages) t.Dispose();

        // The two whole passes alternate (5 rounds after a warm-up of each) so that a change in the
        // machine's load hits both alike; medians.
        var slow = TrainingWorkloads.WholeImageLoader(dataset, 0, TrainingWorkloads.TrainTransform());
        var fast = TrainingWorkloads.Loader(dataset, 0, TrainingWorkloads.TrainTransform());
        TrainingWorkloads.OnePass(slow);
        TrainingWorkloads.OnePass(fast);
        var slowTimes = new double[5];
        var fastTimes = new double[5];
        for (int r = 0; r < 5; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            TrainingWorkloads.OnePass(slow);
            slowTimes[r] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            t0 = Stopwatch.GetTimestamp();
            TrainingWorkloads.OnePass(fast);
            fastTimes[r] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }
        Array.Sort(slowTimes);
        Array.Sort(fastTimes);
        double slowPass = slowTimes[2], fastPass = fastTimes[2];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"whole pass, DataLoader 0 workers",-34} {slowPass * 1e3,9:F1} ms per pass  ({n / slowPass:F0} images/s)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"whole pass, region decoding",-34} {fastPass * 1e3,9:F1} ms per pass  ({n / fastPass:F0} images/s, x{slowPass / fastPass:F2})"));
        foreach (var t in decoded.Concat(chw).Concat(cropped).Concat(flipped).Concat(floats).Concat(normalized)) t.Dispose();
        return 0;
    }
}
