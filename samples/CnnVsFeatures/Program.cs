// A CNN trained from scratch vs a linear head on frozen pretrained features ("emergency vs
// non-emergency vehicles" style): images listed in a CSV file (image name, 0/1 label).
// The sample writes such a CSV for the ants/bees images (ants = 0, bees = 1), then
//  (1) trains small_cnn from scratch at 64x64;
//  (2) extracts ResNet-18 features once (frozen backbone, FeatureCache) and trains a linear head on them.
//   dotnet run -c Release --project samples/CnnVsFeatures -- [hymenoptera_data] [weights.pth]
using TransferKit.Data;
using TransferKit.Models;
using TransferKit.Engine;
using TransferKit.Training;
using TransferKit.Transfer;

string data = args.Length > 0 ? args[0] : SharedPaths.Find("data", "hymenoptera_data");
// No weights file: ML.NET's ImageNet ResNet (resnet18_mlnet, NuGet) at 224; a .pth (e.g. shared/weights/resnet18_flowers5.pth) at 112.
string? weights = args.Length > 1 ? args[1] : null;
string work = Path.Combine(Path.GetTempPath(), "transferkit-cnn-vs-features");
Directory.CreateDirectory(work);

CsvImageDataset Csv(string split)
{
    string csv = Path.Combine(work, $"{split}.csv");
    var lines = new List<string> { "image_names,emergency_or_not" };
    foreach (var (folder, label) in new[] { ("ants", 0), ("bees", 1) })
        foreach (var file in Directory.GetFiles(Path.Combine(data, split, folder), "*.jpg").OrderBy(f => f, StringComparer.Ordinal))
            lines.Add($"\"{Path.GetRelativePath(Path.Combine(data, split), file)}\",{label}");
    File.WriteAllLines(csv, lines);
    return new CsvImageDataset(csv, Path.Combine(data, split),
        new CsvImageDatasetOptions { ImageColumn = "image_names", LabelColumn = "emergency_or_not", Classes = new[] { "ant", "bee" } });
}
var train = Csv("train");
var val = Csv("val");
Console.WriteLine($"CSV datasets: {train.Count} training and {val.Count} validation images, classes {string.Join(", ", train.Classes)}");
DataLoaderOptions Batches(bool shuffle) => new() { BatchSize = 32, Shuffle = shuffle, Seed = 3, NumWorkers = 2 };
var rows = new List<(string Method, double Train, double Val, double Seconds)>();

// (1) CNN from scratch
Torch.ManualSeed(0);
var small = new Preprocessing(64, 72, ImageNet.Mean, ImageNet.Std);
using var cnn = ModelBuilder.FromArchitecture("small_cnn", 2, small).ReplaceHead(train.Classes).Build();
var clock = System.Diagnostics.Stopwatch.StartNew();
var scratch = new Trainer(new TrainerOptions { Epochs = 15, OptimizerFactory = m => new AdamW(m.TrainableParameters(), 1e-3) },
        new[] { SampleReport.Create("cnnvsfeatures", "Images listed in a CSV: small_cnn from scratch, 64×64", new DataLoader(val, Batches(false), small.EvalTransform())) })
    .Fit(cnn, new DataLoader(train, Batches(true), small.TrainTransform()), new DataLoader(val, Batches(false), small.EvalTransform()));
rows.Add(("small_cnn from scratch, 15 epochs, 64x64", scratch.BestEpoch!.Train.Accuracy, scratch.BestEpoch.Validation!.Accuracy, clock.Elapsed.TotalSeconds));

// (2) frozen pretrained features + linear head
Torch.ManualSeed(0);
using var resnet = ModelBuilder.FromPretrained(weights is null ? "resnet18_mlnet" : "resnet18", train.Classes, weightsFile: weights).FreezeBackbone()
    .WithPreprocessing(new Preprocessing(weights is null ? 224 : 112, weights is null ? 256 : 128, ImageNet.Mean, ImageNet.Std)).Build();
clock.Restart();
var eval = resnet.Preprocessing.EvalTransform();
using var trainFeatures = FeatureCache.Compute(resnet.ForwardFeatures, new DataLoader(train, Batches(false), eval));
using var valFeatures = FeatureCache.Compute(resnet.ForwardFeatures, new DataLoader(val, Batches(false), eval));
var head = new Trainer(new TrainerOptions { Epochs = 30, OptimizerFactory = m => new AdamW(m.TrainableParameters(), 1e-3) })
    .Fit(resnet.Head, new DataLoader(trainFeatures, Batches(true) with { NumWorkers = 0 }), new DataLoader(valFeatures, Batches(false) with { NumWorkers = 0 }));
rows.Add(("frozen ResNet-18 features + linear head, 30 epochs", head.BestEpoch!.Train.Accuracy, head.BestEpoch.Validation!.Accuracy, clock.Elapsed.TotalSeconds));

Console.WriteLine($"\n{"method",-52} {"train acc",10} {"val acc",10} {"time",8}");
foreach (var (method, tr, va, s) in rows) Console.WriteLine($"{method,-52} {tr,10:P1} {va,10:P1} {s,7:F0}s");
