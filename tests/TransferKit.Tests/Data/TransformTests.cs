using TransferKit.NN;
using TransferKit.Data.Transforms;
using TransferKit.Engine;

namespace TransferKit.Tests.Data;


/// <summary>Seeding, output sizes, parameter sampling, determinism flags and input checks of the image transforms.</summary>
[Trait("Category", "Unit")]
public class TransformTests
{
    /// <summary>A uint8 [3, h, w] image whose pixels are all different enough to reveal any geometric change.</summary>
    internal static Tensor TestImage(int h = 48, int w = 64, int channels = 3)
    {
        var data = new byte[channels * h * w];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    data[(c * h + y) * w + x] = (byte)((x * 7 + y * 13 + c * 85 + (x * y) % 11) % 256);
        return Torch.FromArray(data, channels, h, w);
    }

    private static byte[] Bytes(Tensor t) => t.Contiguous().ToArray<byte>();

    private static float[] Floats(Tensor t) => t.Contiguous().ToArray<float>();

    private static Compose TrainPipeline() => new(
        new RandomResizedCrop(32), new RandomHorizontalFlip(), new RandomRotation(20, InterpolationMode.Bilinear),
        new ColorJitter(0.4, 0.4, 0.4), new ToTensor(), Normalize.ImageNet());

    // ---- layout and dtype ----

    [Fact]
    public void FromHwcMovesChannelsFirstAndToHwcMovesThemBack()
    {
        using var scope = Torch.NewDisposeScope();
        var hwc = Torch.FromArray(Enumerable.Range(0, 2 * 3 * 4).Select(v => (byte)v).ToArray(), 2, 3, 4);
        var chw = ImageFunctional.FromHwc(hwc);
        Assert.Equal(new long[] { 4, 2, 3 }, chw.Shape);
        Assert.False(chw.IsContiguous); // a permuted view of the decoder's buffer, not a copy
        Assert.NotSame(hwc, chw);
        // chw[c, y, x] == hwc[y, x, c]
        Assert.Equal(hwc.Select(0, 1).Select(0, 2).Select(0, 3).Item<byte>(), chw.Select(0, 3).Select(0, 1).Select(0, 2).Item<byte>());
        Assert.Equal(Bytes(hwc), Bytes(ImageFunctional.ToHwc(chw)));
        Assert.Equal(Bytes(chw), Bytes(new HwcToChw().Apply(hwc)));
    }

    [Fact]
    public void TransformsOnTheHwcToChwViewEqualThoseOnAContiguousCopyAndLeaveItUnchanged()
    {
        using var scope = Torch.NewDisposeScope();
        var chw = TestImage(37, 53);
        var hwc = ImageFunctional.ToHwc(chw);
        var hwcBefore = Bytes(hwc);
        var view = new HwcToChw().Apply(hwc);
        Assert.False(view.IsContiguous);
        var transforms = new IImageTransform[]
        {
            new RandomResizedCrop(24), new Resize(20), new Resize(30, 40, InterpolationMode.Nearest), new CenterCrop(16),
            new CenterCrop(60), new RandomHorizontalFlip(1.0), new RandomRotation(30, InterpolationMode.Bilinear),
            new ColorJitter(0.4, 0.4, 0.4), new GrayscaleToRgb(), new ToTensor(), new ConvertImageDtype(ScalarType.Float64),
            new Compose(new ToTensor(), Normalize.ImageNet()), TrainPipeline(),
        };
        foreach (var t in transforms)
        {
            var expected = t.Apply(chw, new Random(5));
            var actual = t.Apply(view, new Random(5));
            TensorDiff.AssertIdentical(expected, actual, t.ToString()!);
            if (t is not (CenterCrop or GrayscaleToRgb))
                Assert.True(actual.IsContiguous, $"{t} returned a non-contiguous tensor for a view");
        }
        Assert.Equal(hwcBefore, Bytes(hwc));
    }

    [Fact]
    public void ToTensorThenNormalizeInAComposeEqualsTheTwoStepsBitForBit()
    {
        using var scope = Torch.NewDisposeScope();
        var random = new Random(3);
        var data = new byte[3 * 41 * 57];
        random.NextBytes(data);
        var chw = Torch.FromArray(data, 3, 41, 57);
        var images = new[]
        {
            chw, ImageFunctional.FromHwc(ImageFunctional.ToHwc(chw)), ImageFunctional.HorizontalFlip(chw),
            ImageFunctional.Crop(chw, 3, 5, 20, 30), TestImage(9, 11, channels: 1), chw.To(ScalarType.Float32).Div(255.0),
        };
        var normalizations = new[] { Normalize.ImageNet(), new Normalize(new[] { 0.5 }, new[] { 0.25 }), new Normalize(new[] { 0.1, 0.2, 0.3 }, new[] { 3.0, 0.7, 1e-3 }) };
        foreach (var image in images)
            foreach (var normalize in normalizations)
            {
                if (normalize.Mean.Count == 3 && image.Shape[0] == 1) continue;
                var expected = normalize.Apply(new ToTensor().Apply(image));
                var fused = new Compose(new ToTensor(), normalize).Apply(image);
                TensorDiff.AssertIdentical(expected, fused, $"{normalize} of [{string.Join(", ", image.Shape)}] {image.Dtype}");
                Assert.True(fused.IsContiguous);
            }
        Assert.Throws<ArgumentException>(() => new Compose(new ToTensor(), new Normalize(new[] { 0.5, 0.5 }, new[] { 1.0, 1.0 })).Apply(chw));
        Assert.Throws<ArgumentException>(() => new Compose(new ToTensor(), new Normalize(new[] { 0.5 }, new[] { 1e-50 })).Apply(chw));
    }

    [Fact]
    public void ToTensorScalesUint8To01AndConvertImageDtypeGoesBack()
    {
        using var scope = Torch.NewDisposeScope();
        var image = Torch.FromArray(new byte[] { 0, 1, 128, 255 }, 1, 2, 2);
        var f = new ToTensor().Apply(image);
        Assert.Equal(ScalarType.Float32, f.Dtype);
        Assert.Equal(new[] { 0f, 1f / 255f, 128f / 255f, 1f }, Floats(f));
        Assert.Equal(new byte[] { 0, 1, 128, 255 }, Bytes(new ConvertImageDtype(ScalarType.Byte).Apply(f)));
        Assert.Equal(ScalarType.Float64, new ConvertImageDtype(ScalarType.Float64).Apply(f).Dtype);
    }

    [Fact]
    public void GrayscaleToRgbRepeatsOneChannelAndPassesRgbThrough()
    {
        using var scope = Torch.NewDisposeScope();
        var gray = TestImage(5, 7, channels: 1);
        var rgb = new GrayscaleToRgb().Apply(gray);
        Assert.Equal(new long[] { 3, 5, 7 }, rgb.Shape);
        Assert.True(rgb.IsContiguous);
        for (int c = 0; c < 3; c++) Assert.Equal(Bytes(gray), Bytes(rgb.Select(0, c)));
        var color = TestImage(5, 7);
        Assert.Equal(Bytes(color), Bytes(new GrayscaleToRgb().Apply(color)));
        Assert.Throws<ArgumentException>(() => new GrayscaleToRgb().Apply(TestImage(5, 7, channels: 4)));
    }

    [Fact]
    public void NormalizeSubtractsTheMeanAndDividesByTheStdPerChannel()
    {
        using var scope = Torch.NewDisposeScope();
        var image = Torch.FromArray(new[] { 0.5f, 1f, 0f, 0.25f }, 2, 1, 2);
        var result = new Normalize(new[] { 0.5, 0.25 }, new[] { 0.5, 0.25 }).Apply(image);
        Assert.Equal(new[] { 0f, 1f, -1f, 0f }, Floats(result));
        Assert.Equal(new[] { 0.5f, 1f, 0f, 0.25f }, Floats(image)); // the input is untouched
    }

    [Fact]
    public void TensorFlipAndRoundFollowPytorch()
    {
        using var scope = Torch.NewDisposeScope();
        var t = Torch.FromArray(new[] { 0.5f, 1.5f, 2.5f, -0.5f, -1.7f, 3.2f }, 2, 3);
        Assert.Equal(new[] { 0f, 2f, 2f, -0f, -2f, 3f }, Floats(t.Round()));
        Assert.Equal(new[] { 2.5f, 1.5f, 0.5f, 3.2f, -1.7f, -0.5f }, Floats(t.Flip(1)));
        Assert.Equal(new[] { 3.2f, -1.7f, -0.5f, 2.5f, 1.5f, 0.5f }, Floats(t.Flip(0, 1)));
        var e = Assert.Throws<TorchException>(() => t.Flip(2));
        Assert.Contains("out of range", e.Message);
    }

    // ---- geometry ----

    [Theory]
    [InlineData(375, 500, 256, null, 256, 341)]
    [InlineData(500, 333, 256, null, 384, 256)]
    [InlineData(333, 499, 256, null, 256, 383)]
    [InlineData(100, 100, 50, null, 50, 50)]
    [InlineData(375, 500, 200, 250, 187, 250)]
    [InlineData(10, 1000, 20, 300, 3, 300)]
    public void ShorterSideSizesFollowTorchvision(int h, int w, int size, int? maxSize, int expectedH, int expectedW) =>
        Assert.Equal((expectedH, expectedW), ImageFunctional.ComputeResizedSize(h, w, size, maxSize));

    [Fact]
    public void ResizeAndCenterCropProduceTheRequestedSizes()
    {
        using var scope = Torch.NewDisposeScope();
        var image = TestImage(48, 64);
        Assert.Equal(new long[] { 3, 24, 32 }, new Resize(24).Apply(image).Shape);
        Assert.Equal(new long[] { 3, 100, 30 }, new Resize(100, 30).Apply(image).Shape);
        Assert.Equal(new long[] { 3, 20, 20 }, new CenterCrop(20).Apply(image).Shape);
        Assert.Equal(new long[] { 3, 50, 70 }, new CenterCrop(50, 70).Apply(image).Shape);
        // Resizing to the same size changes nothing (and still returns a new owner).
        var same = new Resize(48, 64).Apply(image);
        Assert.NotSame(image, same);
        Assert.Equal(Bytes(image), Bytes(same));
    }

    [Fact]
    public void ResizingAUniformUint8ImageKeepsItsValue()
    {
        using var scope = Torch.NewDisposeScope();
        var image = Torch.Full(new long[] { 3, 37, 53 }, 201, ScalarType.Byte);
        foreach (var result in new[] { new Resize(16).Apply(image), new Resize(90, 11).Apply(image), new Resize(20, 20, InterpolationMode.Nearest).Apply(image) })
            Assert.All(Bytes(result), v => Assert.Equal(201, v));
    }

    [Fact]
    public void CenterCropTakesTheMiddleWithHalvesRoundedToEven()
    {
        using var scope = Torch.NewDisposeScope();
        var image = TestImage(10, 9);
        // (10 - 5) / 2 = 2.5 rounds to 2; (9 - 4) / 2 = 2.5 rounds to 2.
        Assert.Equal(Bytes(image.Slice(1, 2, 7).Slice(2, 2, 6)), Bytes(ImageFunctional.CenterCrop(image, 5, 4)));
        // (10 - 3) / 2 = 3.5 rounds to 4.
        Assert.Equal(Bytes(image.Slice(1, 4, 7).Slice(2, 3, 6)), Bytes(ImageFunctional.CenterCrop(image, 3, 3)));
    }

    [Fact]
    public void CenterCropLargerThanTheImagePadsWithZerosOrRefuses()
    {
        using var scope = Torch.NewDisposeScope();
        var image = TestImage(4, 5);
        var padded = new CenterCrop(7, 8).Apply(image);
        Assert.Equal(new long[] { 3, 7, 8 }, padded.Shape);
        // 3 extra rows: 1 above, 2 below; 3 extra columns: 1 left, 2 right.
        Assert.Equal(Bytes(image), Bytes(padded.Slice(1, 1, 5).Slice(2, 1, 6)));
        Assert.Equal(0, padded.Sum().Item<long>() - image.Sum().Item<long>());

        var e = Assert.Throws<ArgumentException>(() => new CenterCrop(7, 8, padIfSmaller: false).Apply(image));
        Assert.Contains("7x8", e.Message);
        Assert.Contains("[3, 4, 5]", e.Message);
    }

    [Fact]
    public void CropRegionsOutsideTheImageAreZeroFilled()
    {
        using var scope = Torch.NewDisposeScope();
        var image = TestImage(10, 12);
        // Partly outside: 2 rows above and 3 columns right of the image are zeros.
        var partly = ImageFunctional.Crop(image, -2, 5, 6, 10);
        Assert.Equal(new long[] { 3, 6, 10 }, partly.Shape);
        Assert.Equal(Bytes(image.Slice(1, 0, 4).Slice(2, 5, 12)), Bytes(partly.Slice(1, 2, 6).Slice(2, 0, 7)));
        Assert.Equal(0, partly.Slice(1, 0, 2).Sum().Item<long>());
        Assert.Equal(0, partly.Slice(2, 7, 10).Sum().Item<long>());
        // Entirely outside (below, above, left): all zeros of the requested size.
        foreach (var (top, left) in new[] { (40, 0), (-30, 3), (2, -50) })
        {
            var outside = ImageFunctional.Crop(image, top, left, 4, 5);
            Assert.Equal(new long[] { 3, 4, 5 }, outside.Shape);
            Assert.Equal(0, outside.Sum().Item<long>());
        }
    }

    private sealed class Identity : IImageTransform
    {
        public bool IsDeterministic => true;
        public Tensor Apply(Tensor image, Random random) => image; // breaks the contract on purpose
    }

    [Fact]
    public void ComposeAlwaysReturnsANewOwnerAndNeverDisposesItsInput()
    {
        using var scope = Torch.NewDisposeScope();
        var image = TestImage(10, 12);
        foreach (var pipeline in new[] { new Compose(), new Compose(new Identity()), new Compose(new Resize(5), new Identity(), new Identity()) })
        {
            var result = pipeline.Apply(image);
            Assert.NotSame(image, result);
            result.Dispose();
            Assert.False(image.IsDisposed);
        }
    }

    [Fact]
    public void FlipsMirrorThePixels()
    {
        using var scope = Torch.NewDisposeScope();
        var image = TestImage(3, 4);
        var h = ImageFunctional.HorizontalFlip(image);
        var v = ImageFunctional.VerticalFlip(image);
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 4; x++)
            {
                Assert.Equal(image[1, y].Select(0, x).Item<byte>(), h[1, y].Select(0, 3 - x).Item<byte>());
                Assert.Equal(image[1, y].Select(0, x).Item<byte>(), v[1, 2 - y].Select(0, x).Item<byte>());
            }
    }

    [Fact]
    public void RotatingASquareBy90DegreesWithNearestSamplingIsAnExactQuarterTurn()
    {
        using var scope = Torch.NewDisposeScope();
        var image = TestImage(9, 9);
        // Counter-clockwise: out[y, x] = in[x, W - 1 - y].
        var expected = image.Transpose(1, 2).Flip(1);
        Assert.Equal(Bytes(expected), Bytes(ImageFunctional.Rotate(image, 90)));
        Assert.Equal(Bytes(image), Bytes(ImageFunctional.Rotate(image, 0)));
    }

    // ---- random transforms: seeding and sizes ----

    public static TheoryData<string> RandomTransforms() => new() { "resized_crop", "flip", "rotation", "jitter", "train" };

    private static IImageTransform Create(string name) => name switch
    {
        "resized_crop" => new RandomResizedCrop(24, 40),
        "flip" => new RandomHorizontalFlip(),
        "rotation" => new RandomRotation(30, InterpolationMode.Bilinear, new[] { 0.0, 127.0, 255.0 }),
        "jitter" => new ColorJitter(0.5, 0.5, 0.5),
        "train" => TrainPipeline(),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(RandomTransforms))]
    public void TheSameSeedGivesTheSameOutputAndOtherSeedsDiffer(string name)
    {
        using var scope = Torch.NewDisposeScope();
        var transform = Create(name);
        Assert.False(transform.IsDeterministic);
        var image = TestImage();
        var first = transform.Apply(image, new Random(42));
        var again = transform.Apply(image, new Random(42));
        Assert.Equal(first.Dtype, again.Dtype);
        Assert.Equal(first.Shape, again.Shape);
        Assert.Equal(0, (first.To(ScalarType.Float64) - again.To(ScalarType.Float64)).Abs().Max().Item<double>());

        int different = Enumerable.Range(1, 8).Count(seed =>
        {
            using var inner = Torch.NewDisposeScope();
            var other = transform.Apply(image, new Random(seed));
            return !other.Shape.SequenceEqual(first.Shape) ||
                   (other.To(ScalarType.Float64) - first.To(ScalarType.Float64)).Abs().Max().Item<double>() > 0;
        });
        Assert.True(different >= 3, $"only {different} of 8 other seeds changed the output");
    }

    [Fact]
    public void RandomTransformsProduceTheExpectedShapesAndTypes()
    {
        using var scope = Torch.NewDisposeScope();
        var image = TestImage(48, 64);
        for (int seed = 0; seed < 20; seed++)
        {
            var random = new Random(seed);
            Assert.Equal(new long[] { 3, 24, 40 }, new RandomResizedCrop(24, 40).Apply(image, random).Shape);
            Assert.Equal(new long[] { 3, 48, 64 }, new RandomRotation(45).Apply(image, random).Shape);
            Assert.Equal(new long[] { 3, 48, 64 }, new RandomHorizontalFlip().Apply(image, random).Shape);
            var jittered = new ColorJitter(0.9, 0.9, 0.9).Apply(image, random);
            Assert.Equal(ScalarType.Byte, jittered.Dtype);
            Assert.Equal(new long[] { 3, 48, 64 }, jittered.Shape);
            var train = TrainPipeline().Apply(image, random);
            Assert.Equal(ScalarType.Float32, train.Dtype);
            Assert.Equal(new long[] { 3, 32, 32 }, train.Shape);
        }
    }

    [Fact]
    public void ACropThatCoversTheWholeImageAtTheSameSizeReturnsTheImage()
    {
        using var scope = Torch.NewDisposeScope();
        var image = TestImage(30, 30);
        var whole = new RandomResizedCrop(30, scale: (1, 1), ratio: (1, 1));
        Assert.Equal(Bytes(image), Bytes(whole.Apply(image, new Random(3))));
    }

    // ---- parameter sampling ----

    [Fact]
    public void ResizedCropRegionsObeyTheScaleAndRatioBoundsAndArePlacedUniformly()
    {
        var transform = new RandomResizedCrop(224, scale: (0.08, 0.5), ratio: (3.0 / 4.0, 4.0 / 3.0));
        var random = new Random(7);
        const int N = 20000, H = 1000, W = 1000;
        double sumScale = 0, sumLogRatio = 0, sumTop = 0, sumLeft = 0;
        double minRatio = double.MaxValue, maxRatio = 0;
        for (int k = 0; k < N; k++)
        {
            var (top, left, h, w) = transform.SampleRegion(H, W, random);
            Assert.InRange(top, 0, H - h);
            Assert.InRange(left, 0, W - w);
            double scale = (double)h * w / (H * W), ratio = (double)w / h;
            // Sides are rounded to whole pixels, so the bounds hold up to half a pixel per side.
            Assert.InRange(scale, 0.08 * 0.997, 0.5 * 1.003);
            Assert.InRange(ratio, 0.75 * 0.996, 4.0 / 3.0 * 1.004);
            sumScale += scale;
            sumLogRatio += Math.Log(ratio);
            minRatio = Math.Min(minRatio, ratio);
            maxRatio = Math.Max(maxRatio, ratio);
            if (H > h) sumTop += (double)top / (H - h);
            if (W > w) sumLeft += (double)left / (W - w);
        }
        // Every first attempt fits a 1000x1000 image here, so the area is uniform on [0.08, 0.5] (mean 0.29)
        // and the log-ratio uniform on [log 3/4, log 4/3] (mean 0); the offsets are uniform (mean 1/2).
        Assert.InRange(sumScale / N, 0.285, 0.295);
        Assert.InRange(sumLogRatio / N, -0.01, 0.01);
        Assert.InRange(minRatio, 0.74, 0.76);
        Assert.InRange(maxRatio, 1.32, 1.34);
        Assert.InRange(sumTop / N, 0.49, 0.51);
        Assert.InRange(sumLeft / N, 0.49, 0.51);
    }

    [Fact]
    public void ResizedCropFallsBackToACentralCropWhenNoDrawFits()
    {
        // A very wide image and a large minimum area: no draw fits, so the crop is central with the ratio clamped to 4/3.
        var transform = new RandomResizedCrop(8, scale: (0.9, 1.0));
        Assert.Equal((0, 493, 10, 13), transform.SampleRegion(10, 1000, new Random(1)));
        Assert.Equal((493, 0, 13, 10), transform.SampleRegion(1000, 10, new Random(1))); // 10 / (3/4) = 13.3
        // An image whose ratio is already in range is taken whole.
        Assert.Equal((0, 0, 10, 12), new RandomResizedCrop(8, scale: (2.0, 3.0)).SampleRegion(10, 12, new Random(1)));
    }

    [Fact]
    public void HorizontalFlipHappensWithProbabilityP()
    {
        using var scope = Torch.NewDisposeScope();
        var image = Torch.FromArray(new byte[] { 1, 2 }, 1, 1, 2);
        var flip = new RandomHorizontalFlip(0.3);
        var random = new Random(11);
        int flipped = 0;
        for (int k = 0; k < 4000; k++)
        {
            using var result = flip.Apply(image, random);
            if (result.Select(2, 0).Item<byte>() == 2) flipped++;
        }
        Assert.InRange(flipped / 4000.0, 0.27, 0.33);
        Assert.Equal(new byte[] { 2, 1 }, Bytes(new RandomHorizontalFlip(1).Apply(image, random)));
        Assert.Equal(new byte[] { 1, 2 }, Bytes(new RandomHorizontalFlip(0).Apply(image, random)));
    }

    [Fact]
    public void RotationAnglesAreUniformInTheRange()
    {
        // The angle is the only draw; replay it with the same seed and check the result matches Rotate at that angle.
        using var scope = Torch.NewDisposeScope();
        var image = TestImage(20, 20);
        var rotation = new RandomRotation((-10, 25), InterpolationMode.Bilinear);
        for (int seed = 0; seed < 5; seed++)
        {
            double angle = -10 + 35 * new Random(seed).NextDouble();
            var expected = ImageFunctional.Rotate(image, angle, InterpolationMode.Bilinear, new[] { 0.0 });
            Assert.Equal(Bytes(expected), Bytes(rotation.Apply(image, new Random(seed))));
        }
    }

    [Fact]
    public void ColorJitterAppliesItsSampledFactorsInItsSampledOrder()
    {
        using var scope = Torch.NewDisposeScope();
        var image = TestImage();
        var jitter = new ColorJitter(0.8, 0.8, 0.8);
        var orders = new HashSet<string>();
        for (int seed = 0; seed < 60; seed++)
        {
            var (order, b, c, s) = jitter.SampleParameters(new Random(seed));
            Assert.Equal(new[] { 0, 1, 2 }, order.OrderBy(v => v));
            orders.Add(string.Join("", order));
            foreach (var f in new[] { b, c, s }) Assert.InRange(f!.Value, 0.2, 1.8);

            var expected = image;
            foreach (int step in order)
                expected = step switch
                {
                    0 => ImageFunctional.AdjustBrightness(expected, b!.Value),
                    1 => ImageFunctional.AdjustContrast(expected, c!.Value),
                    _ => ImageFunctional.AdjustSaturation(expected, s!.Value),
                };
            Assert.Equal(Bytes(expected), Bytes(jitter.Apply(image, new Random(seed))));
        }
        Assert.Equal(6, orders.Count); // every order occurs
    }

    [Fact]
    public void ColorJitterRangesFollowTorchvision()
    {
        var jitter = new ColorJitter(brightness: 0.4, contrast: 1.5);
        Assert.Equal((0.6, 1.4), jitter.Brightness);
        Assert.Equal((0.0, 2.5), jitter.Contrast); // 1 - 1.5 is clipped at 0
        Assert.Null(jitter.Saturation);
        Assert.Null(ColorJitter.FromRanges(brightness: (1, 1)).Brightness);
        Assert.Equal((0.5, 0.7), ColorJitter.FromRanges(saturation: (0.5, 0.7)).Saturation);
    }

    // ---- determinism flags ----

    [Fact]
    public void DeterministicFlagsTellWhetherTheOutputDependsOnTheRandom()
    {
        Assert.True(new Resize(256).IsDeterministic);
        Assert.True(new CenterCrop(224).IsDeterministic);
        Assert.True(new ToTensor().IsDeterministic);
        Assert.True(new ConvertImageDtype().IsDeterministic);
        Assert.True(Normalize.ImageNet().IsDeterministic);
        Assert.True(new GrayscaleToRgb().IsDeterministic);
        Assert.True(new HwcToChw().IsDeterministic);
        Assert.False(new RandomResizedCrop(224).IsDeterministic);
        Assert.False(new RandomHorizontalFlip().IsDeterministic);
        Assert.True(new RandomHorizontalFlip(0).IsDeterministic);
        Assert.True(new RandomHorizontalFlip(1).IsDeterministic);
        Assert.False(new RandomRotation(10).IsDeterministic);
        Assert.True(new RandomRotation((5, 5)).IsDeterministic);
        Assert.False(new ColorJitter(0.1).IsDeterministic);
        Assert.True(new ColorJitter().IsDeterministic);
        Assert.True(new Compose(new Resize(256), new CenterCrop(224), new ToTensor(), Normalize.ImageNet()).IsDeterministic);
        Assert.False(TrainPipeline().IsDeterministic);
        Assert.True(new Compose().IsDeterministic);
    }

    [Fact]
    public void DeterministicPipelinesRunWithoutARandomAndRandomOnesRefuse()
    {
        using var scope = Torch.NewDisposeScope();
        var eval = new Compose(new Resize(40), new CenterCrop(32), new ToTensor(), Normalize.ImageNet());
        var image = TestImage();
        Assert.Equal(Floats(eval.Apply(image, new Random(1))), Floats(eval.Apply(image)));
        var e = Assert.Throws<InvalidOperationException>(() => TrainPipeline().Apply(image));
        Assert.Contains("random", e.Message);
    }

    [Fact]
    public void PipelinesDescribeThemselvesInTorchvisionNotation()
    {
        var eval = new Compose(new Resize(256), new CenterCrop(224), new ToTensor(), Normalize.ImageNet());
        Assert.Equal("Compose(Resize(256, bilinear, antialias=True), CenterCrop((224, 224)), ToTensor(), " +
                     "Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]))", eval.ToString());
        Assert.Equal("RandomResizedCrop(size=(224, 224), scale=(0.08, 1), ratio=(0.75, 1.3333), interpolation=bilinear, antialias=True)",
            new RandomResizedCrop(224).ToString());
    }

    // ---- bad input ----

    [Fact]
    public void ImagesOfTheWrongRankAreRejectedWithTheExpectedLayout()
    {
        using var scope = Torch.NewDisposeScope();
        var flat = Torch.Zeros(new long[] { 10, 10 }, ScalarType.Byte);
        var batch = Torch.Zeros(new long[] { 2, 3, 10, 10 }, ScalarType.Byte);
        foreach (var t in new IImageTransform[] { new Resize(5), new CenterCrop(4), new RandomResizedCrop(4), new RandomHorizontalFlip(),
                     new RandomRotation(10), new ColorJitter(0.1), new ToTensor(), Normalize.ImageNet(), new GrayscaleToRgb(), TrainPipeline() })
        {
            var e2 = Assert.Throws<ArgumentException>(() => t.Apply(flat, new Random(0)));
            Assert.Contains("[C, H, W]", e2.Message);
            Assert.Contains("[10, 10]", e2.Message);
            var e4 = Assert.Throws<ArgumentException>(() => t.Apply(batch, new Random(0)));
            Assert.Contains("[2, 3, 10, 10]", e4.Message);
        }
        Assert.Throws<ArgumentException>(() => ImageFunctional.FromHwc(flat));
    }

    [Fact]
    public void UnsupportedPixelTypesAreRejected()
    {
        using var scope = Torch.NewDisposeScope();
        var ints = Torch.Zeros(new long[] { 3, 8, 8 }, ScalarType.Int64);
        foreach (var t in new IImageTransform[] { new Resize(5), new CenterCrop(4), new RandomRotation(10), new ColorJitter(0.1), new ToTensor() })
        {
            var e = Assert.Throws<ArgumentException>(() => t.Apply(ints, new Random(0)));
            Assert.Contains("int64", e.Message);
        }
        var u8 = TestImage(8, 8);
        var n = Assert.Throws<ArgumentException>(() => Normalize.ImageNet().Apply(u8));
        Assert.Contains("uint8", n.Message);
        Assert.Contains("ToTensor", n.Message);
        Assert.Throws<ArgumentException>(() => new ConvertImageDtype(ScalarType.Int32));
    }

    [Fact]
    public void BadParametersAreRejectedWithClearMessages()
    {
        using var scope = Torch.NewDisposeScope();
        var image = TestImage(8, 8);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Resize(0));
        Assert.Throws<ArgumentException>(() => new Resize(256, maxSize: 200));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CenterCrop(0, 5));
        Assert.Throws<ArgumentException>(() => new RandomResizedCrop(224, scale: (0.5, 0.1)));
        Assert.Throws<ArgumentException>(() => new RandomResizedCrop(224, ratio: (0, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomHorizontalFlip(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomRotation(-5));
        Assert.Throws<ArgumentException>(() => new RandomRotation((10, 5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ColorJitter(brightness: -0.1));
        Assert.Throws<ArgumentException>(() => ColorJitter.FromRanges(contrast: (-1, 2)));
        Assert.Throws<ArgumentException>(() => new Normalize(new[] { 0.5 }, new[] { 0.0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageFunctional.AdjustBrightness(image, -1));

        var fill = Assert.Throws<ArgumentException>(() => new RandomRotation(10, fill: new[] { 1.0, 2.0 }).Apply(image, new Random(0)));
        Assert.Contains("3 channels", fill.Message);
        var mean = Assert.Throws<ArgumentException>(() => new Normalize(new[] { 0.5, 0.5 }, new[] { 0.2, 0.2 }).Apply(new ToTensor().Apply(image)));
        Assert.Contains("3 channels", mean.Message);
        var channels = Assert.Throws<ArgumentException>(() => new ColorJitter(0.2).Apply(TestImage(8, 8, channels: 4), new Random(0)));
        Assert.Contains("1 or 3 channels", channels.Message);
    }
}

/// <summary>Transforms free every intermediate: the process-wide live tensor count must not move.</summary>
[Collection(SerialCollection.Name)]
[Trait("Category", "Unit")]
public class TransformMemoryTests
{
    [Fact]
    public void ApplyingPipelinesManyTimesLeavesNoTensorBehind()
    {
        var image = TransformTests.TestImage(60, 80);
        var train = new Compose(new RandomResizedCrop(32), new RandomHorizontalFlip(), new RandomRotation(15, InterpolationMode.Bilinear),
            new ColorJitter(0.4, 0.4, 0.4), new ToTensor(), Normalize.ImageNet());
        var eval = new Compose(new Resize(40), new CenterCrop(32), new ToTensor(), Normalize.ImageNet());
        var grayscale = new Compose(new GrayscaleToRgb(), new Resize(20, 30, InterpolationMode.Nearest), new CenterCrop(40), new ConvertImageDtype());
        var gray = TransformTests.TestImage(30, 30, channels: 1);
        try
        {
            // Warm up (first calls may create cached native state), then count.
            train.Apply(image, new Random(0)).Dispose();
            long before = SerialCollection.SettledLiveTensorCount();
            var random = new Random(1);
            for (int k = 0; k < 300; k++)
            {
                train.Apply(image, random).Dispose();
                eval.Apply(image).Dispose();
                grayscale.Apply(gray).Dispose();
            }
            Assert.Equal(before, Torch.LiveTensorCount);

            // Inside a caller's scope, only the outputs are added to it.
            using (var scope = Torch.NewDisposeScope())
            {
                for (int k = 0; k < 10; k++) train.Apply(image, random);
                Assert.Equal(10, scope.Count);
                Assert.Equal(before + 10, Torch.LiveTensorCount);
            }
            Assert.Equal(before, Torch.LiveTensorCount);
        }
        finally
        {
            image.Dispose();
            gray.Dispose();
        }
    }

    [Fact]
    public void APipelineThatFailsMidwayFreesWhatItHadMade()
    {
        var image = TransformTests.TestImage(60, 80);
        // Normalize before ToTensor fails on uint8 pixels, after two steps produced tensors.
        var broken = new Compose(new Resize(40), new CenterCrop(32), Normalize.ImageNet());
        try
        {
            long before = SerialCollection.SettledLiveTensorCount();
            for (int k = 0; k < 50; k++) Assert.Throws<ArgumentException>(() => broken.Apply(image));
            Assert.Equal(before, Torch.LiveTensorCount);
            Assert.False(image.IsDisposed);
        }
        finally
        {
            image.Dispose();
        }
    }
}
