// The wav2vec2 path of the spoken-digits sample (issue 12, item 5): Wav2Vec2ForSequenceClassification on raw
// 16 kHz waveforms, split by speaker as the spectrogram models. No wav2vec2 weights can be downloaded here, so
// without --wav2vec2-weights it trains a TINY wav2vec2 from RANDOM INIT for one epoch on a subset: this shows the
// code path (waveform batches with lengths → frame masks → masked mean pooling → training) works; its accuracy
// says nothing about wav2vec2. With a Hugging Face folder (config.json + pytorch_model.bin / model.safetensors,
// e.g. facebook/wav2vec2-base) it fine-tunes that model with the feature encoder frozen, as Hugging Face's recipe.
//   dotnet run -c Release --project samples/SpokenDigits -- --wav2vec2 [folder] [test speaker] [epochs]
//   dotnet run -c Release --project samples/SpokenDigits -- --wav2vec2 --wav2vec2-weights DIR [folder] [speaker] [epochs]
using System.Diagnostics;
using System.Globalization;
using TransferKit.Audio;
using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Training;

internal static class Wav2Vec2Path
{
    /// <summary>A small wav2vec2 (3 convolutions of 64 channels, 2 layers of 64): about 0.2 M parameters.</summary>
    private static readonly Wav2Vec2Config Tiny = new()
    {
        ConvDim = [64, 64, 64], ConvKernel = [10, 8, 4], ConvStride = [5, 4, 4], HiddenSize = 64, NumHiddenLayers = 2,
        NumAttentionHeads = 4, IntermediateSize = 128, NumConvPosEmbeddings = 16, NumConvPosEmbeddingGroups = 4,
        ClassifierProjSize = 32, NumLabels = 10, LayerDrop = 0, HiddenDropout = 0.1, ActivationDropout = 0, AttentionDropout = 0.1,
    };

    /// <summary>Runs the path; <paramref name="args"/> are the sample's arguments without <c>--wav2vec2</c>.</summary>
    public static void Run(string[] args)
    {
        var list = args.ToList();
        string? weights = null;
        int at = list.IndexOf("--wav2vec2-weights");
        if (at >= 0)
        {
            if (at + 1 >= list.Count) throw new ArgumentException("--wav2vec2-weights needs a model folder.");
            weights = list[at + 1];
            list.RemoveRange(at, 2);
        }
        string root = list.Count > 0 ? list[0] : SharedPaths.Find("data", "spoken-digits");
        string testSpeaker = list.Count > 1 ? list[1] : "theo";
        int epochs = list.Count > 2 ? int.Parse(list[2], CultureInfo.InvariantCulture) : 1;

        var (train, test) = SpokenDigits.SplitBySpeaker(root, testSpeaker);
        if (weights is null)
        {
            // random init, code path only: a quarter of the clips, so that it runs in a minute or two on two cores
            train = EveryNth(train, 4);
            test = EveryNth(test, 2);
        }
        Torch.ManualSeed(0);
        using var model = weights is null
            ? new Wav2Vec2ForSequenceClassification(Tiny)
            : Wav2Vec2Pretrained.LoadForSequenceClassification(weights, SpokenDigits.Classes.Count);
        if (weights is not null) model.FreezeFeatureEncoder();
        string label = weights is null ? "tiny wav2vec2, RANDOM INIT (code path only)" : $"wav2vec2 from {weights}, feature encoder frozen";
        Console.WriteLine($"{label}: {model.ParameterCount(trainableOnly: true):N0} trainable parameters; " +
                          $"{train.Count} training clips, {test.Count} test clips ({testSpeaker})");

        // Waveform batches: 16 kHz, one second, each clip normalised to zero mean and unit variance (wav2vec2's
        // feature extractor), with the clips' lengths, so the padding is masked out of attention and pooling.
        var options = new AudioLoaderOptions { BatchSize = 16, SampleRate = 16000, MaxLength = 16000, Normalize = true };
        using var trainLoader = new AudioDataLoader(train, options with { Shuffle = true });
        using var testLoader = new AudioDataLoader(test, options);
        var trainer = new Trainer(new TrainerOptions
        {
            Epochs = epochs, RestoreBestWeights = false,
            OptimizerFactory = m => new AdamW(m.TrainableParameters(), weights is null ? 1e-3 : 3e-5),
        });
        trainer.EpochCompleted += (_, e) => Console.WriteLine(
            $"  wav2vec2 epoch {e.Epoch}: train loss {e.Train.Loss:F4} acc {e.Train.Accuracy:P1} | test acc {e.Validation!.Accuracy:P1} ({e.Duration.TotalSeconds:F1} s)");
        var clock = Stopwatch.StartNew();
        trainer.Fit(model, trainLoader, testLoader);
        double accuracy = trainer.Evaluate(model, testLoader).Accuracy;
        Console.WriteLine($"{label}, {epochs} epoch(s): test accuracy {accuracy:P1} on speaker '{testSpeaker}', {clock.Elapsed.TotalSeconds:F0} s");
    }

    private static AudioFileDataset EveryNth(AudioFileDataset data, int n)
    {
        var keep = Enumerable.Range(0, data.Count).Where(i => i % n == 0).ToList();
        return new AudioFileDataset(keep.Select(i => data.Files[i]).ToList(), keep.Select(data.GetLabel).ToList(), data.Classes);
    }
}
