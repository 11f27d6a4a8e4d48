using TransferKit.Data.Transforms;
using TransferKit.Data;
using TransferKit.Training;
using TransferKit.Engine;

namespace TransferKit.Tests.Data;


[Collection(SerialCollection.Name)]
[Trait("Category", "Unit")]
public class DataLoaderTests
{
    /// <summary>Sample i is a 2x2 image filled with i; label i % 3. Optionally fails at one index.</summary>
    private sealed class CountingDataset(int count, int failAt = -1) : IImageDataset
    {
        public int Count => count;
        public IReadOnlyList<string> Classes { get; } = new[] { "a", "b", "c" };

        public ImageSample Get(int index)
        {
            if (index == failAt) throw new ImageDecodeException($"/data/broken-{index}.jpg: corrupt JPEG data", $"/data/broken-{index}.jpg", DataErrorKind.Corrupt, ImageFormat.Jpeg);
            Thread.SpinWait(2000); // some work, so workers interleave
            return new ImageSample(Torch.Full(new long[] { 2, 2 }, index), index % 3);
        }
    }

    private static List<(float[] Images, long[] Labels)> Drain(IEnumerable<Batch> batches)
    {
        var result = new List<(float[], long[])>();
        foreach (var b in batches)
            using (b)
                result.Add((b.PixelValues.ToArray<float>(), b.Targets.ToArray<long>()));
        return result;
    }

    private static Tensor AddNoise(Tensor image, Random random) => image + random.NextDouble();

    [Fact]
    public void BatchesCollateImagesAndLabelsAndHonourDropLast()
    {
        var loader = new DataLoader(new CountingDataset(10), new DataLoaderOptions { BatchSize = 4 });
        Assert.Equal(3, loader.Count);
        var batches = Drain(loader);
        Assert.Equal(new[] { 4, 4, 2 }, batches.Select(b => b.Labels.Length));
        Assert.Equal(new long[] { 0, 1, 2, 0 }, batches[0].Labels);
        Assert.Equal(Enumerable.Repeat(5f, 4), batches[1].Images.Skip(4).Take(4));

        using var first = new DataLoader(new CountingDataset(10), new DataLoaderOptions { BatchSize = 4 }).First();
        Assert.Equal(new long[] { 4, 2, 2 }, first.PixelValues.Shape);
        Assert.Equal(ScalarType.Int64, first.Targets.Dtype);

        var dropLast = new DataLoader(new CountingDataset(10), new DataLoaderOptions { BatchSize = 4, DropLast = true });
        Assert.Equal(2, dropLast.Count);
        Assert.Equal(2, Drain(dropLast).Count);
    }

    [Fact]
    public void ShufflingIsReproduciblePerSeedAndEpoch()
    {
        var options = new DataLoaderOptions { BatchSize = 5, Shuffle = true, Seed = 7 };
        var a = new DataLoader(new CountingDataset(20), options);
        var b = new DataLoader(new CountingDataset(20), options);
        var epoch1 = Drain(a);
        Assert.Equal(epoch1.SelectMany(x => x.Images), Drain(b).SelectMany(x => x.Images));
        var epoch2 = Drain(a);
        Assert.NotEqual(epoch1.SelectMany(x => x.Images), epoch2.SelectMany(x => x.Images));
        a.SetEpoch(1);
        Assert.Equal(epoch1.SelectMany(x => x.Images), Drain(a).SelectMany(x => x.Images));
        var order = epoch1.SelectMany(x => x.Images.Where((_, k) => k % 4 == 0)).Select(v => (int)v).ToArray();
        Assert.Equal(Enumerable.Range(0, 20), order.OrderBy(v => v));
        Assert.NotEqual(Enumerable.Range(0, 20), order);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void WorkersProduceExactlyTheBatchesOfTheSingleThreadedLoader(int workers)
    {
        var baseline = Drain(new DataLoader(new CountingDataset(37), new DataLoaderOptions { BatchSize = 4, Shuffle = true, Seed = 3 }, new Lambda(AddNoise, isDeterministic: false)));
        var parallel = Drain(new DataLoader(new CountingDataset(37), new DataLoaderOptions { BatchSize = 4, Shuffle = true, Seed = 3, NumWorkers = workers }, new Lambda(AddNoise, isDeterministic: false)));
        Assert.Equal(baseline.Count, parallel.Count);
        for (int k = 0; k < baseline.Count; k++)
        {
            Assert.Equal(baseline[k].Labels, parallel[k].Labels);
            Assert.Equal(baseline[k].Images, parallel[k].Images);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void AFailingSampleReachesTheCallerWithItsFileNameAndNothingLeaks(int workers)
    {
        long before = SerialCollection.SettledLiveTensorCount();
        var loader = new DataLoader(new CountingDataset(40, failAt: 21), new DataLoaderOptions { BatchSize = 4, NumWorkers = workers });
        var e = Assert.Throws<ImageDecodeException>(() => Drain(loader));
        Assert.Contains("/data/broken-21.jpg", e.Message);
        Assert.Equal(before, Torch.LiveTensorCount);
    }

    /// <summary>Records the intra-op thread count its samples are prepared with.</summary>
    private sealed class ThreadCountDataset(int failAt = -1) : IImageDataset
    {
        public List<int> Seen { get; } = new();
        public int Count => 10;
        public IReadOnlyList<string> Classes { get; } = new[] { "x" };

        public ImageSample Get(int index)
        {
            Seen.Add(Torch.NumThreads);
            if (index == failAt) throw new InvalidOperationException("broken sample");
            return new ImageSample(Torch.Zeros(2, 2), 0);
        }
    }

    [Fact]
    public void WithoutWorkersSamplesArePreparedOnOneIntraOpThreadAndTheCountIsRestored()
    {
        int threads = Torch.NumThreads;
        var dataset = new ThreadCountDataset();
        foreach (var batch in new DataLoader(dataset, new DataLoaderOptions { BatchSize = 3 }))
            using (batch)
                Assert.Equal(threads, Torch.NumThreads); // the consumer's code runs with its own setting
        Assert.Equal(10, dataset.Seen.Count);
        Assert.All(dataset.Seen, n => Assert.Equal(1, n));
        Assert.Equal(threads, Torch.NumThreads);

        var failing = new DataLoader(new ThreadCountDataset(failAt: 4), new DataLoaderOptions { BatchSize = 3 });
        Assert.Throws<InvalidOperationException>(() => Drain(failing));
        Assert.Equal(threads, Torch.NumThreads);
    }

    [Fact]
    public void StoppingEarlyOrCancellingFreesThePrefetchedBatches()
    {
        long before = SerialCollection.SettledLiveTensorCount();
        var loader = new DataLoader(new CountingDataset(100), new DataLoaderOptions { BatchSize = 2, NumWorkers = 2, PrefetchFactor = 4 });
        foreach (var batch in loader)
        {
            batch.Dispose();
            break;
        }
        Assert.Equal(before, Torch.LiveTensorCount);

        using var cts = new CancellationTokenSource();
        int seen = 0;
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var batch in loader.Batches(cts.Token))
            {
                batch.Dispose();
                if (++seen == 3) cts.Cancel();
            }
        });
        Assert.Equal(before, Torch.LiveTensorCount);
    }

    [Fact]
    public void ImagesOfDifferentSizesWithoutAResizingTransformAreExplained()
    {
        var images = new RaggedDataset();
        var e = Assert.Throws<InvalidOperationException>(() => Drain(new DataLoader(images, new DataLoaderOptions { BatchSize = 2 })));
        Assert.Contains("different shapes", e.Message);
        Assert.Contains("[2, 2]", e.Message);
        Assert.Contains("[3, 3]", e.Message);
    }

    private sealed class RaggedDataset : IImageDataset
    {
        public int Count => 2;
        public IReadOnlyList<string> Classes { get; } = new[] { "x" };
        public ImageSample Get(int index) => new(Torch.Zeros(2 + index, 2 + index), 0);
    }

    [Fact]
    public void TensorDatasetAndSplits()
    {
        var labels = Enumerable.Range(0, 100).Select(i => (long)(i < 80 ? 0 : 1)).ToArray();
        using var dataset = new TensorImageDataset(Torch.Arange(100).Reshape(100, 1), labels, new[] { "common", "rare" });
        using (var sample = dataset.Get(42)) Assert.Equal(42L, sample.Image.Item<long>());

        var (train, val) = DatasetSplit.Stratified(dataset, 0.25, seed: 1);
        Assert.Equal(20, val.Indices.Count(i => dataset.GetLabel(i) == 0));
        Assert.Equal(5, val.Indices.Count(i => dataset.GetLabel(i) == 1));
        Assert.Equal(Enumerable.Range(0, 100), train.Indices.Concat(val.Indices).OrderBy(i => i));

        var (rtrain, rval) = DatasetSplit.Random(dataset, 0.3, seed: 1);
        Assert.Equal(30, rval.Count);
        Assert.Empty(rtrain.Indices.Intersect(rval.Indices));
        Assert.Equal(rval.Indices, DatasetSplit.Random(dataset, 0.3, seed: 1).Validation.Indices);
        Assert.Throws<ArgumentException>(() => new TensorImageDataset(Torch.Zeros(3, 1), new long[] { 0, 5, 0 }, new[] { "a" }));
    }
}
