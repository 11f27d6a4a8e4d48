// Spoken digits (Free Spoken Digit Dataset, CC BY-SA 4.0): log-mel spectrograms as images, three ways.
// Split by speaker (SpokenDigits.SplitBySpeaker: train on four voices, test on the fifth, a new voice), each
// 8 kHz clip resampled to 16 kHz and padded/truncated to one second, then a log-mel spectrogram
// (MelSpectrogram + AmplitudeToDB) computed once by AudioDataLoader; the spectrograms are normalised with the
// clip's own mean and std and repeated to 3 channels (1 -> 3) so that image backbones take them.
//  (a) small_cnn from scratch, with SpecAugment (frequency and time masking) and the recipe's schedule and speed perturbation (Recipe.cs);
//  (b) ML.NET's ImageNet ResNet (resnet18_mlnet, NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18)
//      fine-tuned on the spectrograms (every layer), with SpecAugment, the same number of epochs as (a);
//  (c) the same ResNet frozen: its features computed once (FeatureCache), a linear head trained on them.
//   dotnet run -c Release --project samples/SpokenDigits -- [spoken-digits folder] [test speaker] [epochs] [recipe] [left-out speaker]
// (a left-out speaker is used neither for training nor testing: to compare recipes on a training speaker, e.g.
//  `-- <folder> nicolas 10 cosine theo`, without looking at theo.)
//   (--wav2vec2 runs the wav2vec2 path instead: Wav2Vec2Path.cs)
using System.Diagnostics;
using System.Globalization;
using TransferKit.Audio;
using TransferKit.Data;
using TransferKit.Engine;
using TransferKit.NN;
using TransferKit.Reports;
using TransferKit.Training;
using TransferKit.Transfer;

if (Array.IndexOf(args, "--wav2vec2") is var w2v and >= 0) // the wav2vec2 path: Wav2Vec2Path.cs
{
    Wav2Vec2Path.Run(args.Where((_, i) => i != w2v).ToArray());
    return;
}
string root = args.Length > 0 ? args[0] : SharedPaths.Find("data", "spoken-digits");
string testSpeaker = args.Length > 1 ? args[1] : "theo";
int epochs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10;
var recipe = Recipe.Parse(args.Length > 3 ? args[3] : Recipe.Default);
string? leftOut = args.Length > 4 ? args[4] : null;
const int SampleRate = 16000, NMels = 64, HopLength = 160, NFft = 400;

var (trainClips, testClips) = SpokenDigits.SplitBySpeaker(root, testSpeaker);
if (leftOut is not null) trainClips = SpokenDigits.Load(root, s => s != testSpeaker && s != leftOut);
Console.WriteLine($"{trainClips.Count} training clips ({string.Join(", ", SpokenDigits.Speakers(root).Where(s => s != testSpeaker && s != leftOut))}), " +
                  $"{testClips.Count} test clips ({testSpeaker}); classes {string.Join(" ", trainClips.Classes)}; recipe {recipe.Name}");

// Log-mel spectrograms [N, 1, 64, 101], computed once (per speed factor for the training clips: every epoch
// would compute the same ones).
var clock = Stopwatch.StartNew();
using var mel = new MelSpectrogram(new MelOptions { SampleRate = SampleRate, NMels = NMels },
                                   new SpectrogramOptions { NFft = NFft, HopLength = HopLength });
var db = new AmplitudeToDB(topDb: 80);
using var speed = new SpeedPerturbation(SampleRate, recipe.SpeedFactors);
(Tensor Values, long[] Labels) Spectrograms(IAudioDataset clips, int speedIndex)
{
    using var loader = new AudioDataLoader(clips,
        new AudioLoaderOptions { BatchSize = 64, SampleRate = SampleRate, MaxLength = SampleRate },
        features: w => { using var m = mel.Apply(w); return db.Apply(m); }, waveformAugment: (w, _) => speed.Apply(w, speedIndex));
    var parts = new List<Tensor>();
    var labels = new List<long>();
    foreach (var batch in loader)
        using (batch)
        {
            parts.Add(batch.Inputs[ModelInputs.PixelValues].Contiguous().DetachFromDisposeScope());
            labels.AddRange(batch.Targets.ToArray<long>());
        }
    var all = Torch.Cat(parts).DetachFromDisposeScope();
    foreach (var p in parts) p.Dispose();
    return (all, labels.ToArray());
}
var testIndex = Array.IndexOf(recipe.SpeedFactors, 1.0);
var (testDb, testLabels) = Spectrograms(testClips, testIndex);
// Normalise each clip's spectrogram to zero mean and unit variance (removes the level and, in part, the
// microphone and voice colouring: it matters for a voice the model has not heard), then 1 -> 3 channels.
TensorImageDataset Images(Tensor spectrograms, long[] labels)
{
    using var scope = Torch.NewDisposeScope();
    var mean = spectrograms.Mean(3, keepDim: true).Mean(2, keepDim: true);
    var centred = spectrograms - mean;
    var std = (centred * centred).Mean(3, keepDim: true).Mean(2, keepDim: true).Sqrt() + 1e-5;
    var x = centred / std;
    var rgb = Torch.Cat(new[] { x, x, x }, 1);
    return new TensorImageDataset(scope.MoveToOuter(rgb), labels, trainClips.Classes);
}
var trainVersions = new List<TensorImageDataset>();
for (int i = 0; i < recipe.SpeedFactors.Length; i++)
{
    var (trainDb, trainLabels) = Spectrograms(trainClips, i);
    trainVersions.Add(Images(trainDb, trainLabels));
    trainDb.Dispose();
}
using var train = trainVersions[testIndex];   // speed 1.0: for (c) and the training figures
using var test = Images(testDb, testLabels);
testDb.Dispose();
Console.WriteLine($"Log-mel spectrograms {NMels} x {SampleRate / HopLength + 1} of {train.Count} x {trainVersions.Count} speeds + {test.Count} clips in {clock.Elapsed.TotalSeconds:F1} s");
double featureSeconds = clock.Elapsed.TotalSeconds;

// (a) and (b) train with SpecAugment: each epoch masks a band of up to FreqMask mel bins and a span of up to
// TimeMask frames of every training clip (the model must not rely on one voice's formants or on the timing).
const int FreqMask = 12, TimeMask = 20;
DataLoaderOptions Batches(bool shuffle) => new() { BatchSize = 32, Shuffle = shuffle, Seed = 1 };
SpecAugmented Augmented() => new(trainVersions.Select(v => new DataLoader(v, Batches(true))).ToArray(), FreqMask, TimeMask, seed: 1);
var rows = new List<(string Method, double Accuracy, double Seconds)>();
Trainer MakeTrainer(string tag, int n, double lr, params TrainerCallback[] callbacks) {
    var t = new Trainer(recipe.Options(n, new DataLoader(train, Batches(true)).Count, lr), callbacks);
    t.EpochCompleted += (_, e) => Console.WriteLine($"  {tag} epoch {e.Epoch}: train loss {e.Train.Loss:F4} acc {e.Train.Accuracy:P1} | test acc {e.Validation!.Accuracy:P1} ({e.Duration.TotalSeconds:F1} s)");
    return t;
}

// (a) small CNN from scratch
Torch.ManualSeed(0);
using var cnn = ModelBuilder.FromArchitecture("small_cnn", 10).ReplaceHead(trainClips.Classes).Build();
clock.Restart();
var cnnTrainer = MakeTrainer("(a)", epochs, 1e-3);
cnnTrainer.Fit(cnn, Augmented(), new DataLoader(test, Batches(false)));
double cnnAccuracy = cnnTrainer.Evaluate(cnn, new DataLoader(test, Batches(false))).Accuracy;
rows.Add(($"(a) small_cnn from scratch, {epochs} epochs", cnnAccuracy, clock.Elapsed.TotalSeconds));

// (b) ImageNet ResNet fine-tuned, every layer
Torch.ManualSeed(0);
using var resnet = ModelBuilder.FromPretrained("resnet18_mlnet", trainClips.Classes).Build();
clock.Restart();
var resnetTrainer = MakeTrainer("(b)", epochs, 1e-4, SampleReport.Create("spokendigits", $"Spoken digits: ImageNet ResNet fine-tuned on log-mel spectrograms, new speaker {testSpeaker}",
    new DataLoader(test, Batches(false)), renderer: new SpectrogramExampleRenderer())); // a pretrained network: a tenth of (a)'s rate
resnetTrainer.Fit(resnet, Augmented(), new DataLoader(test, Batches(false)));
double resnetAccuracy = resnetTrainer.Evaluate(resnet, new DataLoader(test, Batches(false))).Accuracy;
rows.Add(($"(b) resnet18_mlnet (ImageNet) fine-tuned, {epochs} epochs", resnetAccuracy, clock.Elapsed.TotalSeconds));

// (c) ImageNet ResNet frozen, features cached, linear head
Torch.ManualSeed(0);
using var frozen = ModelBuilder.FromPretrained("resnet18_mlnet", trainClips.Classes).FreezeBackbone().Build();
frozen.Eval();
clock.Restart();
using var trainFeatures = FeatureCache.Compute(frozen.ForwardFeatures, new DataLoader(train, Batches(false)));
using var testFeatures = FeatureCache.Compute(frozen.ForwardFeatures, new DataLoader(test, Batches(false)));
const int HeadEpochs = 30;
var headTrainer = new Trainer(new TrainerOptions { Epochs = HeadEpochs, RestoreBestWeights = false, OptimizerFactory = m => new AdamW(m.TrainableParameters(), 1e-3) });
headTrainer.Fit(frozen.Head, new DataLoader(trainFeatures, Batches(true)), new DataLoader(testFeatures, Batches(false)));
double headAccuracy = headTrainer.Evaluate(frozen.Head, new DataLoader(testFeatures, Batches(false))).Accuracy;
rows.Add(($"(c) resnet18_mlnet frozen, cached features + head, {HeadEpochs} epochs", headAccuracy, clock.Elapsed.TotalSeconds));

Console.WriteLine($"\nTest speaker '{testSpeaker}' (a voice not heard in training); spectrograms once: {featureSeconds:F1} s");
Console.WriteLine($"{"method",-62} {"test acc",9} {"time",8}");
foreach (var (method, accuracy, seconds) in rows) Console.WriteLine($"{method,-62} {accuracy,9:P1} {seconds,7:F0}s");

// A few test clips with their predicted label names
string[] names = { "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine" };
cnn.Eval();
resnet.Eval();
Console.WriteLine($"\n{"clip",-18} {"true",-6} {"(a) small_cnn",-14} {"(b) resnet",-14} {"(c) frozen",-14}");
using (Torch.NoGrad())
    for (int k = 0; k < test.Count; k += test.Count / 8)
    {
        using var scope = Torch.NewDisposeScope();
        using var sample = test.Get(k);
        var x = sample.Image.Unsqueeze(0);
        string Name(Tensor logits) => names[(int)logits.ArgMax(1).ToArray<long>()[0]];
        Console.WriteLine($"{Path.GetFileName(testClips.Files[k]),-18} {names[sample.Label],-6} {Name(cnn.Forward(x)),-14} {Name(resnet.Forward(x)),-14} {Name(frozen.Forward(x)),-14}");
    }
foreach (var version in trainVersions.Where(v => v != train)) version.Dispose();
