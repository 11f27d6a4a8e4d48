using TransferKit.Inference;
using TransferKit.Text;

namespace TransferKit.Tests.Text;

[Trait("Category", "Unit")]
public sealed class TextPredictorTests
{
    private static readonly BertTokenizer Tokenizer = new(new Vocabulary(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "good", "bad", "food", "service", "!", "##s"]));
    private static readonly string[] Texts = ["good food!", "bad service", "goods", "", "bad bad bad food food service good !", "unknown words here"];

    [Fact]
    public void BatchPredictionsEqualSinglePredictionsWhateverThePadding()
    {
        using var model = new MeanEmbeddingClassifier(Tokenizer.Vocabulary.Count, 8, 3);
        var predictor = new TextPredictor(model, Tokenizer, ["neg", "neutral", "pos"], maxLength: 16, topK: 2);
        Assert.False(model.Training);
        var batch = predictor.PredictBatch(Texts, batchSize: 4);
        Assert.Equal(Texts.Length, batch.Count);
        for (int k = 0; k < Texts.Length; k++)
        {
            var single = predictor.Predict(Texts[k]);
            Assert.Equal(single.Label, batch[k].Label);
            for (int c = 0; c < 3; c++) Assert.True(Math.Abs(single.Probabilities[c] - batch[k].Probabilities[c]) < 1e-6, $"text {k}, class {c}");
            Assert.True(Math.Abs(single.Probabilities.Sum() - 1) < 1e-6); // float32 softmax
            Assert.Equal(single.Probabilities.Max(), single.Confidence);
            Assert.Equal(single.Label, predictor.Labels[single.Index]);
            Assert.Equal(2, single.TopK.Count);
        }
    }

    [Fact]
    public void PredictionsFromSeveralThreadsEqualThoseFromOne()
    {
        using var model = new MeanEmbeddingClassifier(Tokenizer.Vocabulary.Count, 8, 2);
        var predictor = new TextPredictor(model, Tokenizer, ["neg", "pos"]);
        var expected = Texts.Select(t => predictor.Predict(t).Probabilities[1]).ToArray();
        var results = new double[8][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => results[i] = Texts.Select(t => predictor.Predict(t).Probabilities[1]).ToArray());
        foreach (var result in results)
            for (int k = 0; k < expected.Length; k++) Assert.True(Math.Abs(expected[k] - result[k]) < 1e-6);
    }

    [Fact]
    public void AModelWhoseOutputsDoNotMatchTheLabelsIsReported()
    {
        using var model = new MeanEmbeddingClassifier(Tokenizer.Vocabulary.Count, 4, 3);
        var predictor = new TextPredictor(model, Tokenizer, ["neg", "pos"]);
        Assert.Contains("not the logits [N, 2]", Assert.Throws<InvalidOperationException>(() => predictor.Predict("good")).Message);
        Assert.Throws<ArgumentException>(() => new TextPredictor(model, Tokenizer, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TextPredictor(model, Tokenizer, ["a"], maxLength: 2));
    }
}
