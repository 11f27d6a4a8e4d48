using TransferKit.Data;
using TransferKit.Inference;
using TransferKit.Tests.Data;
using TransferKit.Tests.Fixtures;
using TransferKit.Transfer;

namespace TransferKit.Tests.Transfer;

[Trait("Category", "Integration")]
public class PredictorTests
{
    private static string[] Images() => Directory.GetFiles(Path.Combine(TestEnvironment.Hymenoptera, "val", "bees"), "*.jpg")
        .OrderBy(f => f, StringComparer.Ordinal).Take(6).ToArray();

    [SharedDataFact("hymenoptera_data")]
    public void EightThreadsPredictExactlyWhatOneThreadDoes()
    {
        using var model = ModelBuilder.FromArchitecture("resnet18", 5).Build(); // any weights: the threads must agree with one thread
        using var predictor = model.ToPredictor(topK: 3);
        var images = Images();
        var sequential = images.Select(predictor.Predict).ToArray();
        var parallel = new Prediction[8][];
        Threads.Run(Enumerable.Range(0, 8).Select(t => (Action)(() => parallel[t] = images.Select(predictor.Predict).ToArray())).ToArray());
        foreach (var run in parallel)
            for (int k = 0; k < images.Length; k++)
            {
                Assert.Equal(sequential[k].Index, run[k].Index);
                Assert.Equal(sequential[k].Probabilities, run[k].Probabilities);
            }
        Assert.All(sequential, p => Assert.Equal(5, p.Probabilities.Count));
        // Bounds, not Assert.Equal(x, y, digits): rounding both sides fails values that straddle a rounding boundary.
        Assert.All(sequential, p => Assert.InRange(p.Probabilities.Sum(), 1 - 5e-7, 1 + 5e-7));
        Assert.All(sequential, p => Assert.Equal(3, p.TopK.Count));

        var batch = predictor.PredictBatch(images, batchSize: 4);
        for (int k = 0; k < images.Length; k++)
        {
            Assert.Equal(sequential[k].Index, batch[k].Index);
            Approx.Equal(sequential[k].Probabilities.Select(p => (float)p).ToArray(), batch[k].Probabilities.Select(p => (float)p).ToArray(), 1e-5);
        }
        using var stream = File.OpenRead(images[0]);
        Assert.Equal(sequential[0].Probabilities, predictor.Predict(stream, images[0]).Probabilities);
    }

    [SharedDataFact("hymenoptera_data")]
    public void ABadImageGivesAClearErrorNamingIt()
    {
        using var model = ModelBuilder.FromArchitecture("small_cnn", 2, new Preprocessing(32, 32, TransferKit.Models.ImageNet.Mean, TransferKit.Models.ImageNet.Std)).Build();
        using var predictor = model.ToPredictor();
        string gif = Path.Combine(TestEnvironment.Hymenoptera, "train", "ants", "imageNotFound.gif");
        var e = Assert.Throws<ImageDecodeException>(() => predictor.Predict(gif));
        Assert.Contains("imageNotFound.gif", e.Message);
        string truncated = Path.Combine(Path.GetTempPath(), $"tk-truncated-{Guid.NewGuid():N}.jpg");
        File.WriteAllBytes(truncated, File.ReadAllBytes(Images()[0])[..2000]);
        try
        {
            Assert.Contains(Path.GetFileName(truncated), Assert.Throws<ImageDecodeException>(() => predictor.Predict(truncated)).Message);
        }
        finally
        {
            File.Delete(truncated);
        }
    }
}
