// TransferKit's main sample: a model trained by us, then transferred to new classes.
//  1. generate images of circles, squares and triangles (no download);
//  2. train a small CNN (2 conv layers with pooling, 2 fully connected layers, dropout) from scratch;
//  3. save it as a model package;
//  4. load it with ModelBuilder.FromPackage, freeze the conv layers, replace the last layer;
//  5. train on stars and pentagons; report test loss and accuracy of both stages;
//  6. predict seen shapes and an unseen one (a hexagon); write the transferred model package.
// Each stage writes an HTML training report (TransferKit.Reports) next to the model packages; stage 2's
// also shows a learning-rate range test (LearningRateFinder) run before it trains.
using Spectre.Console;
using TransferKit.Data;
using TransferKit.Inference;
using TransferKit.Reports;
using TransferKit.Engine;
using TransferKit.Training;
using TransferKit.Transfer;

string outputDir = args.Length > 0 ? args[0] : Path.Combine(Environment.CurrentDirectory, "shapes-output");
Directory.CreateDirectory(outputDir);
Torch.ManualSeed(1);

const int ImageSize = 32;
var preprocessing = new Preprocessing(ImageSize, ImageSize, new[] { 0.5, 0.5, 0.5 }, new[] { 0.25, 0.25, 0.25 });
var transform = preprocessing.EvalTransform();
DataLoader Loader(IImageDataset data, bool shuffle) =>
    new(data, new DataLoaderOptions { BatchSize = 32, Shuffle = shuffle, Seed = 7, NumWorkers = 2 }, transform);

AnsiConsole.MarkupLine($"[bold]TransferKit shapes sample[/] — libtorch {Torch.LibTorchVersion}, {Torch.NumThreads} threads, output in [blue]{outputDir}[/]");

// ---- stage 1: circles, squares, triangles from scratch ----
ShapeKind[] seen = { ShapeKind.Circle, ShapeKind.Square, ShapeKind.Triangle };
var baseTrain = new SyntheticShapesDataset(seen, count: 3000, ImageSize, seed: 1);
var baseTest = new SyntheticShapesDataset(seen, count: 450, ImageSize, seed: 2);

using var baseModel = ModelBuilder.FromArchitecture("small_cnn", seen.Length, preprocessing).Build();
baseModel.ReplaceHead(baseTrain.Classes);
var baseTrainer = new Trainer(new TrainerOptions { Epochs = 20, OptimizerFactory = m => new AdamW(m.TrainableParameters(), 3e-3), SchedulerFactory = o => new CosineAnnealingLR(o, 20) },
    new[] { ReportCallback("shapes-base", "Stage 1: circles, squares, triangles from scratch", Loader(baseTest, false)) });
var baseResult = Train("Stage 1: circles, squares, triangles (from scratch)", baseTrainer, baseModel, Loader(baseTrain, true), Loader(baseTest, false));
string basePath = Path.Combine(outputDir, "shapes-base.tkmodel");
baseModel.Save(basePath);
Report("stage 1", baseResult.BestEpoch!.Validation!, baseTest.Classes);

// ---- stage 2: transfer to stars and pentagons ----
ShapeKind[] fresh = { ShapeKind.Star, ShapeKind.Pentagon };
var newTrain = new SyntheticShapesDataset(fresh, count: 400, ImageSize, seed: 3);
var newTest = new SyntheticShapesDataset(fresh, count: 400, ImageSize, seed: 4);

using var transferred = ModelBuilder.FromPackage(basePath)
    .FreezeBackbone().UnfreezeFrom("classifier.0")   // conv layers frozen; both fully connected layers train
    .ReplaceHead(newTrain.Classes)
    .Build();
AnsiConsole.MarkupLine($"Transferred model: {transferred.ParameterCount(trainableOnly: true):N0} of {transferred.ParameterCount():N0} parameters trainable");
var transferReport = ReportCallback("shapes", "Stage 2: stars and pentagons, conv layers frozen", Loader(newTest, false));
var transferTrainer = new Trainer(new TrainerOptions { Epochs = 6, OptimizerFactory = m => new AdamW(m.TrainableParameters(), 2e-3) }, new[] { transferReport });
// The learning-rate range test for the report (it restores the weights; the generator's state is kept so training is unchanged).
using (var rng = Torch.GetRngState())
{
    var lrFind = LearningRateFinder.Run(transferred, Loader(newTrain, true), m => new AdamW(m.TrainableParameters(), 1e-7), startLr: 1e-5, endLr: 1, steps: 100).AddTo(transferReport);
    Torch.SetRngState(rng);
    AnsiConsole.MarkupLine($"Learning-rate finder: steepest descent at {lrFind.Suggested:G2}, minimum / 10 = {lrFind.LowestLossRate() / 10:G2} (the sample trains at 2e-3)");
}
var transferResult = Train("Stage 2: stars and pentagons (conv layers frozen)", transferTrainer, transferred, Loader(newTrain, true), Loader(newTest, false));
Report("stage 2", transferResult.BestEpoch!.Validation!, newTest.Classes);

string transferredPath = Path.Combine(outputDir, "shapes-transfer.tkmodel");
transferred.Save(transferredPath);

// ---- predictions for seen and unseen shapes ----
using var predictor = Predictor.Load(transferredPath, topK: 2);
var table = new Table().AddColumns("shape drawn", "predicted", "confidence", "note");
var examples = new SyntheticShapesDataset(new[] { ShapeKind.Star, ShapeKind.Pentagon, ShapeKind.Hexagon }, 6, ImageSize, seed: 5);
for (int k = 0; k < examples.Count; k++)
{
    using var sample = examples.Get(k);
    var prediction = predictor.Predict(sample.Image);
    string drawn = examples.Classes[(int)sample.Label];
    string note = drawn == "hexagon" ? "[yellow]unseen class: the model can only answer star or pentagon[/]" : prediction.Label == drawn ? "[green]correct[/]" : "[red]wrong[/]";
    table.AddRow(drawn, prediction.Label, $"{prediction.Confidence:P1}", note);
}
AnsiConsole.Write(table);
AnsiConsole.MarkupLine($"Saved [blue]{basePath}[/] and [blue]{transferredPath}[/] (PyTorch loads both with torch.load as state dicts).");

// The HTML report of a stage: curves, confusion matrix, a batch, the test images with the highest losses.
HtmlReportCallback ReportCallback(string name, string title, DataLoader test) =>
    SampleReport.Create(name, "TransferKit shapes sample — " + title, test,
        new Dictionary<string, string> { ["data"] = $"synthetic shapes, {ImageSize}×{ImageSize}, batch size 32", ["test images"] = test.Dataset.Count.ToString() },
        folder: outputDir);

static TrainingResult Train(string title, Trainer trainer, TransferModel model, DataLoader train, DataLoader test)
{
    AnsiConsole.MarkupLine($"\n[bold]{title}[/]: {train.Dataset.Count} training and {test.Dataset.Count} test images");
    TrainingResult? result = null;
    AnsiConsole.Progress()
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
        .Start(ctx =>
        {
            var task = ctx.AddTask("training", maxValue: 1.0);
            trainer.EpochCompleted += (_, e) =>
            {
                task.Description = $"epoch {e.Epoch}: train loss {e.Train.Loss:F3}, test acc {e.Validation!.Accuracy:P1}";
                AnsiConsole.MarkupLine($"  epoch {e.Epoch}  train loss {e.Train.Loss:F4}  acc {e.Train.Accuracy:P1}  |  test loss {e.Validation.Loss:F4}  acc {e.Validation.Accuracy:P1}  ({e.Duration.TotalSeconds:F1} s)");
            };
            var progress = new Progress<TrainingProgress>(p =>
            {
                if (p.Phase == TrainingPhase.Train && p.BatchCount is int n) task.Value = ((p.Epoch - 1) + p.Batch / (double)n) / p.Epochs;
            });
            result = trainer.Fit(model, train, test, progress);
            task.Value = 1.0;
        });
    return result!;
}

static void Report(string stage, PhaseMetrics test, IReadOnlyList<string> classes)
{
    AnsiConsole.MarkupLine($"[bold]{stage} test:[/] loss {test.Loss:F4}, accuracy {test.Accuracy:P1} on {test.Samples} images");
    AnsiConsole.WriteLine(test.Confusion!.ToString(classes));
}
