// MNIST to Fashion-MNIST: plain fine-tuning of a small MLP (Linear(784,100), ReLU, Linear(100,10)),
// cross-entropy, SGD lr 0.01, batch 100.
//   dotnet run -c Release --project samples/MnistToFashion -- <data folder with mnist/ and fashion-mnist/>
using TransferKit.Data;
using TransferKit.Data.Transforms;
using TransferKit.NN;
using TransferKit.Engine;
using TransferKit.Reports;
using TransferKit.Training;

string dataRoot = args.Length > 0 ? args[0] : Path.GetDirectoryName(SharedPaths.Find("data", "mnist"))!;
int epochs = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3;
Torch.ManualSeed(0);

var mnistTrain = new MnistDataset(Path.Combine(dataRoot, "mnist"), train: true);
var mnistTest = new MnistDataset(Path.Combine(dataRoot, "mnist"), train: false);
var fashionTrain = new MnistDataset(Path.Combine(dataRoot, "fashion-mnist"), train: true, MnistVariant.Fashion);
var fashionTest = new MnistDataset(Path.Combine(dataRoot, "fashion-mnist"), train: false, MnistVariant.Fashion);

// uint8 [28, 28, 1] -> float [784] in [0, 1]
var flatten = new Lambda((image, _) => image.To(ScalarType.Float32).Div(255).Flatten(), isDeterministic: true, "flatten");
DataLoader Loader(IImageDataset d, bool shuffle) => new(d, new DataLoaderOptions { BatchSize = 100, Shuffle = shuffle, Seed = 1 }, flatten);

using var mlp = new Sequential(new Linear(784, 100), new ReLU(), new Linear(100, 10));
TrainerOptions Options() => new()
{
    Epochs = epochs,
    OptimizerFactory = m => new SGD(m.TrainableParameters(), 0.01, momentum: 0.9),
    MonitorMetric = "val_accuracy",
};
var trainer = new Trainer(Options());
trainer.EpochCompleted += (_, e) => Console.WriteLine($"  epoch {e.Epoch}: train loss {e.Train.Loss:F4}, test accuracy {e.Validation!.Accuracy:P2} ({e.Duration.TotalSeconds:F1} s)");

Console.WriteLine($"Training the MLP on MNIST ({mnistTrain.Count} images)");
trainer.Fit(mlp, Loader(mnistTrain, true), Loader(mnistTest, false));
double mnistAccuracy = trainer.Evaluate(mlp, Loader(mnistTest, false)).Accuracy;
var fashionBefore = trainer.Evaluate(mlp, Loader(fashionTest, false));
Console.WriteLine($"MNIST test accuracy: {mnistAccuracy:P2}");
Console.WriteLine($"The same model on Fashion-MNIST (labels 0-9 mean something else): {fashionBefore.Accuracy:P2}");

PredictFew("MNIST model, MNIST images", mnistTest);

Console.WriteLine($"\nFine-tuning on Fashion-MNIST ({fashionTrain.Count} images)");
var fine = new Trainer(Options(), new[]
{
    SampleReport.Create("mnisttofashion", "MNIST MLP fine-tuned on Fashion-MNIST", Loader(fashionTest, false),
        renderer: new ImageExampleRenderer { ImageShape = (1, 28, 28) }, classNames: fashionTest.Classes),
});
fine.EpochCompleted += (_, e) => Console.WriteLine($"  epoch {e.Epoch}: train loss {e.Train.Loss:F4}, test accuracy {e.Validation!.Accuracy:P2} ({e.Duration.TotalSeconds:F1} s)");
fine.Fit(mlp, Loader(fashionTrain, true), Loader(fashionTest, false));
var fashionAfter = fine.Evaluate(mlp, Loader(fashionTest, false));
Console.WriteLine($"Fashion-MNIST test accuracy: before fine-tuning {fashionBefore.Accuracy:P2}, after {fashionAfter.Accuracy:P2}");
Console.WriteLine("Per-class recall after fine-tuning:");
for (int c = 0; c < 10; c++) Console.WriteLine($"  {fashionTest.Classes[c],-12} {fashionAfter.Recall[c]:P1}");
PredictFew("fine-tuned model, Fashion-MNIST images", fashionTest);

void PredictFew(string title, MnistDataset data)
{
    Console.WriteLine($"\nPredictions ({title}):");
    mlp.Eval();
    using var noGrad = Torch.NoGrad();
    for (int k = 0; k < 5; k++)
    {
        using var scope = Torch.NewDisposeScope();
        using var sample = data.Get(k * 997);
        var probabilities = mlp.Forward(flatten.Apply(sample.Image).Unsqueeze(0)).Softmax(1);
        var (p, index) = probabilities.Max(1);
        Console.WriteLine($"  image {k * 997,5}: predicted {data.Classes[(int)index.Item<long>()],-12} ({p.Item<float>():P1}), true {data.Classes[(int)sample.Label]}");
    }
}
