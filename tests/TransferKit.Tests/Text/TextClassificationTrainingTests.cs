using TransferKit.Inference;
using TransferKit.Tests.Data;
using TransferKit.Text;
using TransferKit.Training;

namespace TransferKit.Tests.Text;

/// <summary>
/// The whole text path on real data: Yelp sentences read from the shared file, split (seeded), tokenized
/// with MiniLM's vocabulary, batched by TextDataLoader, trained by the Trainer, predicted by TextPredictor.
/// </summary>
[Trait("Category", "Integration")]
[Collection(SerialCollection.Name)]
public sealed class TextClassificationTrainingTests
{
    [SharedDataFact("sentiment")]
    public void ASmallTextClassifierTrainedOnYelpSentencesBeatsChanceOnHeldOutSentences()
    {
        Torch.ManualSeed(2015);
        var yelp = TextClassificationDataset.Load(Path.Combine(TestEnvironment.Sentiment, "yelp_labelled.txt"));
        var (train, heldOut) = yelp.Split(0.2, seed: 1);
        var tokenizer = new BertTokenizer(TextTestSupport.MiniLmVocabulary);
        var loader = new TextDataLoader(train, tokenizer, new TextLoaderOptions { BatchSize = 16, Shuffle = true, Seed = 5, MaxLength = 64 });
        using var model = new MeanEmbeddingClassifier(tokenizer.Vocabulary.Count, 32, yelp.Classes.Count);

        var result = new Trainer(new TrainerOptions
        {
            Epochs = 8,
            OptimizerFactory = m => new Adam(m.TrainableParameters(), learningRate: 0.01),
            MonitorMetric = "train_loss",
            RestoreBestWeights = false,
        }).Fit(model, loader);

        var predictions = new TextPredictor(model, tokenizer, yelp.Classes, maxLength: 64).PredictBatch(heldOut.Texts);
        double accuracy = predictions.Where((p, k) => p.Index == heldOut.Labels[k]).Count() / (double)heldOut.Count;
        Assert.True(accuracy >= 0.75, $"held-out accuracy {accuracy:F3} (200 sentences, chance 0.5); train loss by epoch: " +
                                      string.Join(", ", result.History.Epochs.Select(e => e.Train.Loss.ToString("F3"))));
        Assert.True(result.History.Epochs[^1].Train.Loss < result.History.Epochs[0].Train.Loss);
    }
}
