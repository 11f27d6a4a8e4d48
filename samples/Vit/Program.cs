// Vision Transformer fine-tuning on ants vs bees, the Hugging Face way (the image-classification
// example that fine-tunes google/vit-base-patch16-224-in21k): Hugging Face's preprocessing (resize to
// the model's size without a crop, mean = std = 0.5), RandomResizedCrop + flip for training, AdamW with
// weight decay off for biases and LayerNorms, linear warm-up then linear decay per step, gradient
// clipping to norm 1, and layer-wise LR decay when starting from pretrained weights.
//
// No ViT weights can be downloaded on this machine. With a weights argument the sample fine-tunes them:
// a Hugging Face ViT folder (config.json + pytorch_model.bin or model.safetensors) or a weights file in
// Hugging Face's or torchvision's layout (vit_b_16-c867db91.pth), the code path real weights take.
// Without one it trains the small vit_tiny FROM SCRATCH and says so. Either way it writes the trained
// model as a Hugging Face folder (which a later run can take as its weights) and reloads it from there.
//   dotnet run -c Release --project samples/Vit -- [hymenoptera_data|-] [weights folder or file|-] [epochs] [output folder]
using System.Globalization;
using TransferKit.Data;
using TransferKit.Engine;
using TransferKit.Inference;
using TransferKit.Models;
using TransferKit.Training;
using TransferKit.Transfer;

string data = args.Length > 0 && args[0] != "-" ? args[0] : SharedPaths.Find("data", "hymenoptera_data");
string? weights = args.Length > 1 && args[1] != "-" ? args[1] : null;
bool pretrained = weights is not null;
int epochs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : pretrained ? 3 : 40;
string output = args.Length > 3 ? args[3] : Path.Combine("vit-output", "antsbees-hf");

var train = new ImageFolderDataset(Path.Combine(data, "train"));
var val = new ImageFolderDataset(Path.Combine(data, "val"));
Console.WriteLine($"{train.Count} training and {val.Count} validation images, classes {string.Join(", ", train.Classes)}");

Torch.ManualSeed(0);
TransferModel model;
TransformerRecipe recipe;
if (pretrained)
{
    model = VitCheckpoint.Load(weights!, train.Classes).Build();
    int layers = model.GetSubmodule("encoder.layers").NamedChildren().Count();
    Console.WriteLine($"Fine-tuning the ViT weights in {weights} ({model.Architecture}, {model.ParameterCount():N0} parameters; " +
                      "the file's head when its config.json names these classes, else a new one).");
    recipe = new TransformerRecipe { LearningRate = 5e-5, WeightDecay = 0.01, WarmupRatio = 0.1, LayerDecay = 0.75, NumLayers = layers };
}
else
{
    Console.WriteLine("NO PRETRAINED WEIGHTS: none are obtainable here, so this run trains vit_tiny (32x32 px, 8 px patches, 2 layers,");
    Console.WriteLine($"64 wide) FROM SCRATCH on {train.Count} images; expect far less than fine-tuning a pretrained ViT would give. Pass a");
    Console.WriteLine("Hugging Face ViT folder or a vit_b_16 .pth as the second argument to fine-tune real weights with this same code.");
    model = ModelBuilder.FromArchitecture(VisionTransformer.TinyName, train.Classes.Count, Preprocessing.HuggingFaceVit(VitConfig.Tiny.ImageSize))
        .ReplaceHead(train.Classes).Build();
    recipe = new TransformerRecipe { LearningRate = 1e-3, WeightDecay = 0.05, WarmupRatio = 0.1 };
}
Console.WriteLine($"Input {model.Preprocessing.InputSize}x{model.Preprocessing.InputSize}, {(model.Preprocessing.CenterCrop ? "resize + centre crop" : "resized without a crop")}, mean {string.Join("/", model.Preprocessing.Mean)}");

int batchSize = pretrained ? 16 : 32;
DataLoaderOptions Batches(bool shuffle) => new() { BatchSize = batchSize, Shuffle = shuffle, Seed = 1, NumWorkers = 2 };
var trainLoader = new DataLoader(train, Batches(true), model.Preprocessing.TrainTransform());
var valLoader = new DataLoader(val, Batches(false), model.Preprocessing.EvalTransform());
var trainer = new Trainer(recipe.TrainerOptions(model, epochs, trainLoader.Count));
trainer.EpochCompleted += (_, e) => Console.WriteLine(
    $"  epoch {e.Epoch,2}: lr at start {e.LearningRates[^1]:E2} | train loss {e.Train.Loss:F4} acc {e.Train.Accuracy:P1} | val loss {e.Validation!.Loss:F4} acc {e.Validation.Accuracy:P1} ({e.Duration.TotalSeconds:F1} s)");
var clock = System.Diagnostics.Stopwatch.StartNew();
var result = trainer.Fit(model, trainLoader, valLoader);
Console.WriteLine($"{(pretrained ? "Fine-tuned" : "Trained from scratch")}: best val accuracy {result.BestEpoch!.Validation!.Accuracy:P1} " +
                  $"(epoch {result.BestEpoch.Epoch} of {epochs}, weights restored) in {clock.Elapsed.TotalSeconds:F0} s");

// Save as a Hugging Face folder, load it back through the weights-file path, and predict.
VitCheckpoint.SaveHuggingFace(model, output);
using var reloaded = VitCheckpoint.Load(output).Build();
using var predictor = reloaded.ToPredictor(topK: 2);
var predictions = predictor.PredictBatch(val.Samples.Select(s => s.Path), batchSize: 32);
double accuracy = predictions.Zip(val.Samples).Count(p => p.First.Index == p.Second.Label) / (double)val.Count;
Console.WriteLine($"Saved to {Path.GetFullPath(output)} (Hugging Face layout); reloaded from there: val accuracy {accuracy:P1}");
for (int k = 0; k < val.Count; k += val.Count / 6)
    Console.WriteLine($"  {Path.GetFileName(val.Samples[k].Path),-40} true {val.Classes[(int)val.Samples[k].Label],-5} predicted {predictions[k]}");
model.Dispose();
