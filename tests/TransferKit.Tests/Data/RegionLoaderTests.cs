using TransferKit.Data;
using TransferKit.Data.Transforms;
using TransferKit.Training;
using TransferKit.Transfer;

namespace TransferKit.Tests.Data;

/// <summary>
/// A <see cref="DataLoader"/> given an <see cref="IImageTransform"/> that starts with a crop decodes
/// only the crop of JPEGs, with batches identical to the <c>Get</c> + <c>Apply</c> path.
/// </summary>
[Collection(SerialCollection.Name)]
[Trait("Category", "Parity")]
public class RegionLoaderTests
{
    private static string Train => Path.Combine(TestEnvironment.Hymenoptera, "train");

    private static List<(byte[] Inputs, long[] Labels)> Drain(DataLoader loader)
    {
        var result = new List<(byte[], long[])>();
        foreach (var b in loader)
            using (b)
            {
                using var bytes = b.PixelValues.Contiguous();
                var floats = bytes.ToArray<float>();
                result.Add((floats.SelectMany(BitConverter.GetBytes).ToArray(), b.Targets.ToArray<long>()));
            }
        return result;
    }

    private static void AssertSameBatches(IImageDataset dataset, IImageTransform transform, int workers, int seed = 1)
    {
        var options = new DataLoaderOptions { BatchSize = 16, Shuffle = true, Seed = (ulong)seed, NumWorkers = workers };
        var fast = new DataLoader(dataset, options, transform);
        var slow = new DataLoader(dataset, options, transform, decodeRegions: false);
        Assert.True(fast.DecodesRegions, $"{transform} should decode regions");
        Assert.False(slow.DecodesRegions);
        var a = Drain(fast);
        var b = Drain(slow);
        Assert.Equal(b.Count, a.Count);
        for (int k = 0; k < a.Count; k++)
        {
            Assert.Equal(b[k].Labels, a[k].Labels);
            Assert.True(b[k].Inputs.AsSpan().SequenceEqual(a[k].Inputs), $"batch {k} differs ({transform}, {workers} workers)");
        }
    }

    [SharedDataTheory("hymenoptera_data")]
    [InlineData(0)]
    [InlineData(2)]
    public void RandomResizedCropPipelineGivesTheSameBatchesAsDecodingWholeImages(int workers)
    {
        var dataset = new ImageFolderDataset(Train);
        AssertSameBatches(dataset, new Compose(new HwcToChw(), new RandomResizedCrop(224), new RandomHorizontalFlip(), new ToTensor(), Normalize.ImageNet()), workers);
    }

    [SharedDataFact("hymenoptera_data")]
    public void PresetTrainTransformCenterCropAndSubsetsAlsoDecodeRegions()
    {
        var dataset = new ImageFolderDataset(Train);
        var subset = new Subset(dataset, Enumerable.Range(0, dataset.Count).Where(i => i % 3 == 0));
        AssertSameBatches(subset, Preprocessing.ImageNet().TrainTransform(), 0, seed: 7);
        // CenterCrop first (images already about the right size), nested Compose, GrayscaleToRgb before the crop.
        AssertSameBatches(subset, new Compose(new Compose(new HwcToChw(), new GrayscaleToRgb()), new CenterCrop(200, 300), new ToTensor()), 0);
    }

    [PyTorchFact(SharedData = new[] { "hymenoptera_data" })]
    public void GrayCmykPngAndTinyImagesGiveTheSameBatchesInBothModes()
    {
        using var dir = TestEnvironment.NewTempDir();
        var rng = new Random(3);
        string a = Directory.CreateDirectory(dir.File("a")).FullName, b = Directory.CreateDirectory(dir.File("b")).FullName;
        // Real JPEGs, a PNG, and the generated gray / CMYK / 4:2:0 / tiny JPEGs of the decoder tests.
        foreach (var f in Directory.GetFiles(Path.Combine(Train, "ants")).Order(StringComparer.Ordinal).Take(6)) File.Copy(f, Path.Combine(a, Path.GetFileName(f)));
        foreach (var f in Directory.GetFiles(Path.Combine(Train, "bees")).Order(StringComparer.Ordinal).Take(6)) File.Copy(f, Path.Combine(b, Path.GetFileName(f)));
        var pixels = new byte[90 * 120 * 3];
        rng.NextBytes(pixels);
        File.WriteAllBytes(Path.Combine(a, "noise.png"), PngWriter.Encode(pixels, 90, 120, 3, out _));
        TestEnvironment.RunPython("""
import os, sys
import numpy as np
from PIL import Image
out = sys.argv[1]
rng = np.random.default_rng(2)
im = Image.fromarray(rng.integers(0, 256, (97, 131, 3), dtype=np.uint8), 'RGB')
im.convert('L').save(os.path.join(out, 'a', 'gray.jpg'))
im.convert('CMYK').save(os.path.join(out, 'b', 'cmyk.jpg'))
im.save(os.path.join(out, 'b', 'sub420.jpg'), subsampling=2)
im.save(os.path.join(out, 'a', 'sub422-progressive.jpg'), subsampling=1, progressive=True)
im.resize((5, 3)).save(os.path.join(out, 'b', 'tiny.jpg'))
""", dir.Path);
        foreach (var mode in new[] { ImageReadMode.Rgb, ImageReadMode.Unchanged })
        {
            var dataset = new ImageFolderDataset(dir.Path, new ImageFolderOptions { Decode = new ImageDecodeOptions { Mode = mode } });
            Assert.Equal(18, dataset.Count);
            AssertSameBatches(dataset, Preprocessing.ImageNet(64, 64).TrainTransform(), 0, seed: 3);
            AssertSameBatches(dataset, Preprocessing.ImageNet(64, 64).TrainTransform(), 2, seed: 4);
            // A crop larger than some images: those are padded by CenterCrop in both modes.
            AssertSameBatches(dataset, new Compose(new HwcToChw(), new GrayscaleToRgb(), new CenterCrop(80), new ConvertImageDtype()), 0);
        }
    }

    [SharedDataFact("hymenoptera_data")]
    public void OtherPipelinesAndDatasetsFallBackToTheNormalPath()
    {
        var dataset = new ImageFolderDataset(Train);
        Assert.False(new DataLoader(dataset, null, new Compose(new HwcToChw(), new Resize(256), new CenterCrop(224))).DecodesRegions);
        Assert.False(new DataLoader(dataset, null, new Compose(new RandomResizedCrop(224))).DecodesRegions);  // no HwcToChw first
        Assert.False(new DataLoader(dataset, null, new Compose(new HwcToChw(), new RandomHorizontalFlip(), new RandomResizedCrop(224))).DecodesRegions);
        var shapes = new SyntheticShapesDataset(new[] { ShapeKind.Circle, ShapeKind.Square }, 8, 32, seed: 1);
        Assert.False(new DataLoader(shapes, null, new Compose(new HwcToChw(), new RandomResizedCrop(16))).DecodesRegions);
        var transform = new Compose(new HwcToChw(), new RandomResizedCrop(16));
        var loader = new DataLoader(shapes, new DataLoaderOptions { BatchSize = 4 }, transform);
        Assert.Same(transform, loader.Transform);
        Assert.Equal(2, loader.Count());
        Assert.Null(new DataLoader(dataset).Transform);
    }

    [SharedDataFact("hymenoptera_data")]
    public void TruncatedJpegRaisesTheSameErrorNamingTheFile()
    {
        using var dir = TestEnvironment.NewTempDir();
        foreach (var cls in new[] { "a", "b" })
        {
            Directory.CreateDirectory(dir.File(cls));
            foreach (var f in Directory.GetFiles(Path.Combine(Train, "ants")).Order(StringComparer.Ordinal).Take(3))
                File.Copy(f, Path.Combine(dir.File(cls), Path.GetFileName(f)));
        }
        string broken = Path.Combine(dir.File("b"), "broken.jpg");
        byte[] jpeg = File.ReadAllBytes(Directory.GetFiles(Path.Combine(Train, "bees")).Order(StringComparer.Ordinal).First());
        File.WriteAllBytes(broken, jpeg[..(jpeg.Length * 3 / 4)]);
        var dataset = new ImageFolderDataset(dir.Path);
        var transform = new Compose(new HwcToChw(), new RandomResizedCrop(32), new ToTensor());
        foreach (int workers in new[] { 0, 2 })
        {
            var options = new DataLoaderOptions { BatchSize = 2, NumWorkers = workers };
            var fast = Assert.Throws<ImageDecodeException>(() => Drain(new DataLoader(dataset, options, transform)));
            var slow = Assert.Throws<ImageDecodeException>(() => Drain(new DataLoader(dataset, options, transform, decodeRegions: false)));
            Assert.Equal(slow.Message, fast.Message);
            Assert.Equal(broken, fast.FileName);
            Assert.Equal(DataErrorKind.Truncated, fast.Kind);
        }
    }

    [SharedDataFact("hymenoptera_data")]
    public void RegionLoadingLeaksNoTensors()
    {
        var dataset = new Subset(new ImageFolderDataset(Train), Enumerable.Range(0, 40));
        var transform = Preprocessing.ImageNet().TrainTransform();
        Drain(new DataLoader(dataset, new DataLoaderOptions { BatchSize = 8 }, transform));
        long before = SerialCollection.SettledLiveTensorCount();
        Drain(new DataLoader(dataset, new DataLoaderOptions { BatchSize = 8, NumWorkers = 2 }, transform));
        Drain(new DataLoader(dataset, new DataLoaderOptions { BatchSize = 8 }, transform));
        Assert.Equal(before, SerialCollection.SettledLiveTensorCount());
    }
}
