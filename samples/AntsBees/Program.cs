// Ants vs bees with ResNet-18 (the PyTorch transfer-learning tutorial), two ways, then the one-line path:
//  (a) fine-tune every layer: SGD lr 1e-3, momentum 0.9, StepLR(7, 0.1), keep the best validation weights;
//  (b) fixed feature extractor: freeze everything but a new fc Linear(512, 2); the frozen backbone's
//      features are computed once (FeatureCache) and the head trains on them;
//  (c) TransferKit's one line, ImageClassifier.FineTune(architecture, folder, 3): classes from the folders,
//      transforms from the preprocessing, one epoch of the new head on the frozen backbone, then 3 epochs of
//      every layer with discriminative rates (fastai's fine_tune(3)).
// By default the backbone is ML.NET's ImageNet ResNet (resnet18_mlnet, from the NuGet package
// Microsoft.ML.DnnImageFeaturizer.ResNet18 this project references) at 224x224; pass a .pth file (e.g.
// shared/weights/resnet18_flowers5.pth, PyTorch's ResNet-18 trained on 5 flower classes, with size 112) to use it.
//   dotnet run -c Release --project samples/AntsBees -- [hymenoptera_data] [weights.pth] [epochs] [input size]
using TransferKit.Data;
using TransferKit.Inference;
using TransferKit.Models;
using TransferKit.Engine;
using TransferKit.Training;
using TransferKit.Transfer;

string data = args.Length > 0 ? args[0] : SharedPaths.Find("data", "hymenoptera_data");
string? weights = args.Length > 1 ? args[1] : null;
string architecture = weights is null ? "resnet18_mlnet" : "resnet18";
int epochs = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10;
int inputSize = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 224;
var preprocessing = new Preprocessing(inputSize, inputSize * 8 / 7, ImageNet.Mean, ImageNet.Std);

var train = new ImageFolderDataset(Path.Combine(data, "train"));
var val = new ImageFolderDataset(Path.Combine(data, "val"));
Console.WriteLine($"{train.Count} training and {val.Count} validation images, classes {string.Join(", ", train.Classes)}; skipped: {string.Join(", ", train.Warnings)}");
Console.WriteLine($"Backbone weights: {weights ?? architecture} at {inputSize}x{inputSize}");
DataLoaderOptions Batches(bool shuffle) => new() { BatchSize = 32, Shuffle = shuffle, Seed = 1, NumWorkers = 2 };

// (a) fine-tune all layers
Torch.ManualSeed(0);
using var finetuned = ModelBuilder.FromPretrained(architecture, train.Classes, weightsFile: weights).WithPreprocessing(preprocessing).Build();
var trainer = new Trainer(new TrainerOptions
{
    Epochs = epochs,
    OptimizerFactory = m => new SGD(m.TrainableParameters(), 1e-3, momentum: 0.9),
    SchedulerFactory = o => new StepLR(o, stepSize: 7, gamma: 0.1),
}, new[] { SampleReport.Create("antsbees", $"Ants vs bees: {architecture} fine-tuned, every layer", new DataLoader(val, Batches(false), finetuned.Preprocessing.EvalTransform()),
    new Dictionary<string, string> { ["data"] = $"{data}: {train.Count} training, {val.Count} validation images", ["input size"] = $"{inputSize}×{inputSize}", ["batch size"] = "32" }) });
trainer.EpochCompleted += (_, e) => Console.WriteLine($"  (a) epoch {e.Epoch}: train loss {e.Train.Loss:F4} acc {e.Train.Accuracy:P1} | val loss {e.Validation!.Loss:F4} acc {e.Validation.Accuracy:P1} ({e.Duration.TotalSeconds:F1} s)");
var clock = System.Diagnostics.Stopwatch.StartNew();
var fineResult = trainer.Fit(finetuned,
    new DataLoader(train, Batches(true), finetuned.Preprocessing.TrainTransform()),
    new DataLoader(val, Batches(false), finetuned.Preprocessing.EvalTransform()));
Console.WriteLine($"(a) fine-tuning: best val accuracy {fineResult.BestEpoch!.Validation!.Accuracy:P1} (epoch {fineResult.BestEpoch.Epoch}) in {clock.Elapsed.TotalSeconds:F0} s");

// (b) fixed feature extractor with cached features
Torch.ManualSeed(0);
using var extractor = ModelBuilder.FromPretrained(architecture, train.Classes, weightsFile: weights).FreezeBackbone().WithPreprocessing(preprocessing).Build();
clock.Restart();
var eval = extractor.Preprocessing.EvalTransform();
using var trainFeatures = FeatureCache.Compute(extractor.ForwardFeatures, new DataLoader(train, Batches(false), eval));
using var valFeatures = FeatureCache.Compute(extractor.ForwardFeatures, new DataLoader(val, Batches(false), eval));
Console.WriteLine($"(b) features of {trainFeatures.Count + valFeatures.Count} images computed once in {clock.Elapsed.TotalSeconds:F1} s");
var headTrainer = new Trainer(new TrainerOptions
{
    Epochs = 25,
    OptimizerFactory = m => new SGD(m.TrainableParameters(), 1e-3, momentum: 0.9),
    SchedulerFactory = o => new StepLR(o, stepSize: 7, gamma: 0.1),
});
var headResult = headTrainer.Fit(extractor.Head, new DataLoader(trainFeatures, Batches(true) with { NumWorkers = 0 }), new DataLoader(valFeatures, Batches(false) with { NumWorkers = 0 }));
Console.WriteLine($"(b) fixed feature extractor: best val accuracy {headResult.BestEpoch!.Validation!.Accuracy:P1} (epoch {headResult.BestEpoch.Epoch}), 25 epochs in {clock.Elapsed.TotalSeconds:F1} s including the features");

// (c) the one-line path
Torch.ManualSeed(0);
clock.Restart();
using var oneLine = ImageClassifier.FineTune(architecture, data, 3,
    new ImageClassifierOptions { WeightsFile = weights, Preprocessing = preprocessing, Loader = Batches(false), Seed = 1 });
using var p3 = oneLine.ToPredictor(topK: 2);
var oneLinePredictions = p3.PredictBatch(val.Samples.Select(s => s.Path), batchSize: 32);
double oneLineAccuracy = oneLinePredictions.Zip(val.Samples).Count(p => p.First.Index == p.Second.Label) / (double)val.Count;
Console.WriteLine($"(c) ImageClassifier.FineTune (1 head epoch + 3): val accuracy {oneLineAccuracy:P1} in {clock.Elapsed.TotalSeconds:F0} s");

// A few validation predictions from the first two models
using var p1 = finetuned.ToPredictor(topK: 2);
using var p2 = extractor.ToPredictor(topK: 2);
Console.WriteLine($"\n{"image",-40} {"true",-6} {"(a) fine-tuned",-18} {"(b) feature extractor",-18}");
for (int k = 0; k < val.Count; k += val.Count / 8)
{
    var (path, label) = val.Samples[k];
    Console.WriteLine($"{Path.GetFileName(path),-40} {val.Classes[(int)label],-6} {p1.Predict(path).ToString(),-18} {p2.Predict(path)}");
}
