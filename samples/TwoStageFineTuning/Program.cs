// Two-stage fine-tuning in the style of Keras's transfer-learning guide:
//  stage 1: pretrained base frozen, new head = global average pooling (the backbone's) + dropout + dense;
//  stage 2: unfreeze the whole model and train with a very small learning rate while BatchNorm layers
//           stay in inference mode (BatchNormPolicy.AlwaysInferenceMode).
// Augmentation: random horizontal flip and random rotation; input rescaling by Normalize.
//   dotnet run -c Release --project samples/TwoStageFineTuning -- [hymenoptera_data] [weights.pth]
using TransferKit.Data;
using TransferKit.Data.Transforms;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Engine;
using TransferKit.Training;
using TransferKit.Transfer;

string data = args.Length > 0 ? args[0] : SharedPaths.Find("data", "hymenoptera_data");
// No weights file: ML.NET's ImageNet ResNet (resnet18_mlnet, NuGet) at 224; a .pth (e.g. shared/weights/resnet18_flowers5.pth) at 112.
string? weights = args.Length > 1 ? args[1] : null;
var train = new ImageFolderDataset(Path.Combine(data, "train"));
var val = new ImageFolderDataset(Path.Combine(data, "val"));

Torch.ManualSeed(0);
var preprocessing = new Preprocessing(weights is null ? 224 : 112, weights is null ? 256 : 128, ImageNet.Mean, ImageNet.Std);
using var model = ModelBuilder.FromPretrained(weights is null ? "resnet18_mlnet" : "resnet18", weightsFile: weights)
    .WithHead(new Sequential(new Dropout(0.2), new Linear(512, train.Classes.Count)), train.Classes)
    .WithPreprocessing(preprocessing)
    .WithBatchNormPolicy(BatchNormPolicy.AlwaysInferenceMode)
    .FreezeBackbone()
    .Build();

var augment = new Compose(new HwcToChw(), new Resize(preprocessing.ResizeSize), new CenterCrop(preprocessing.InputSize),
    new RandomHorizontalFlip(), new RandomRotation(10), new ToTensor(), new Normalize(preprocessing.Mean, preprocessing.Std));
var trainLoader = new DataLoader(train, new DataLoaderOptions { BatchSize = 32, Shuffle = true, Seed = 1, NumWorkers = 2 }, augment);
var valLoader = new DataLoader(val, new DataLoaderOptions { BatchSize = 32, NumWorkers = 2 }, preprocessing.EvalTransform());

void Log(string stage, EpochResult e) => Console.WriteLine(
    $"  {stage} epoch {e.Epoch}: train loss {e.Train.Loss:F4} acc {e.Train.Accuracy:P1} | val loss {e.Validation!.Loss:F4} acc {e.Validation.Accuracy:P1} ({e.Duration.TotalSeconds:F1} s)");

Console.WriteLine($"Stage 1: head only ({model.ParameterCount(trainableOnly: true):N0} trainable parameters)");
var stage1 = new Trainer(new TrainerOptions { Epochs = 8, OptimizerFactory = m => new Adam(m.TrainableParameters(), 1e-3) });
stage1.EpochCompleted += (_, e) => Log("head", e);
var first = stage1.Fit(model, trainLoader, valLoader);

model.Unfreeze();
Console.WriteLine($"Stage 2: whole model, learning rate 1e-5, BatchNorm in inference mode ({model.ParameterCount(trainableOnly: true):N0} trainable parameters)");
var stage2 = new Trainer(new TrainerOptions { Epochs = 3, OptimizerFactory = m => new Adam(m.TrainableParameters(), 1e-5) },
    new[] { SampleReport.Create("twostagefinetuning", "Two-stage fine-tuning, stage 2: whole model at 1e-5, BatchNorm in inference mode", valLoader) });
stage2.EpochCompleted += (_, e) => Log("full", e);
var second = stage2.Fit(model, trainLoader, valLoader);
Console.WriteLine($"Best val accuracy: stage 1 {first.BestEpoch!.Validation!.Accuracy:P1}, stage 2 {second.BestEpoch!.Validation!.Accuracy:P1}");
