using TransferKit.Data;
using TransferKit.Data.Transforms;
using TransferKit.Inference;
using TransferKit.Tests.Data;
using TransferKit.Transfer;

namespace TransferKit.Tests.Transfer;

/// <summary>One image in, one <see cref="Prediction"/> out (Predict); a batch in, a list out (PredictBatch); every form agrees.</summary>
[Trait("Category", "Unit")]
public sealed class PredictorShapeTests
{
    private static TransferModel Model()
    {
        return ModelBuilder.FromArchitecture("small_cnn", 3, new Preprocessing(16, 18, new[] { 0.5, 0.5, 0.5 }, new[] { 0.25, 0.25, 0.25 })).Build();
    }

    [Fact]
    public void EveryInputFormGivesTheSamePredictions()
    {
        using var model = Model();
        using var predictor = model.ToPredictor(topK: 2);
        using var scope = Torch.NewDisposeScope();
        var random = new Random(5);
        var pngs = Enumerable.Range(0, 3).Select(k => ImageFolderFixture.Png(k % 2 == 0, random)).ToArray();
        var decoded = pngs.Select(p => ImageDecoder.Decode(p, "test.png", ImageDecodeOptions.Default with { Mode = ImageReadMode.Rgb })).ToArray();

        Prediction[] single = decoded.Select(predictor.Predict).ToArray();
        var fromBytes = predictor.PredictBatch(Torch.Stack(decoded));
        var preprocessed = decoded.Select(d => model.Preprocessing.EvalTransform().Apply(d)).ToArray();
        var fromFloats = predictor.PredictBatch(Torch.Stack(preprocessed));
        Assert.Equal(3, fromBytes.Count);
        for (int k = 0; k < 3; k++)
        {
            Same(single[k], fromBytes[k]);
            Same(single[k], fromFloats[k]);
            Same(single[k], predictor.Predict(preprocessed[k]));
            using var stream = new MemoryStream(pngs[k]);
            Same(single[k], predictor.Predict(stream));
            Assert.Equal(2, single[k].TopK.Count);
        }
    }

    /// <summary>
    /// The same prediction up to float rounding: separate forward passes (another batch size, or a
    /// thread count another test changed meanwhile) may sum in another order.
    /// </summary>
    private static void Same(Prediction expected, Prediction actual)
    {
        Approx.Equal(expected.Probabilities.Select(p => (float)p).ToArray(), actual.Probabilities.Select(p => (float)p).ToArray(), 1e-6);
    }

    [Fact]
    public void ABatchGivenToPredictOrAnImageToPredictBatchSaysWhichToUse()
    {
        using var model = Model();
        using var predictor = model.ToPredictor();
        using var scope = Torch.NewDisposeScope();
        var batch = Torch.Zeros(2, 3, 16, 16);
        Assert.Contains("use PredictBatch", Assert.Throws<ArgumentException>(() => predictor.Predict(batch)).Message);
        Assert.Contains("use Predict", Assert.Throws<ArgumentException>(() => predictor.PredictBatch(batch.Select(0, 0))).Message);
    }
}
