using TransferKit.Data;
using TransferKit.Data.Transforms;
using TransferKit.Engine;

namespace TransferKit.Tests.Data;

using Impl = TransferKit.Data.Transforms.ImageFunctional.ResampleImpl;

/// <summary>
/// The native uint8 crop-and-resize kernel (tk_resized_crop_u8) against the ATen path it replaces
/// (crop, float32, _upsample_bilinear2d_aa, round, clamp, uint8): equal bit for bit, for both the
/// vectorised and the portable kernel, on any strides.
/// </summary>
[Trait("Category", "Integration")]
public class ResizeKernelTests
{
    private static Tensor RandomImage(Random random, int channels, int h, int w, bool hwc)
    {
        var data = new byte[channels * h * w];
        random.NextBytes(data);
        if (!hwc) return Torch.FromArray(data, channels, h, w);
        using var scope = Torch.NewDisposeScope();
        return scope.MoveToOuter(ImageFunctional.FromHwc(Torch.FromArray(data, h, w, channels)));
    }

    private static void AssertAllEqual(Tensor image, int top, int left, int cropH, int cropW, int outH, int outW, string what)
    {
        using var scope = Torch.NewDisposeScope();
        var aten = ImageFunctional.ResizedCropU8(image, top, left, cropH, cropW, outH, outW, true, Impl.Aten);
        var fast = ImageFunctional.ResizedCropU8(image, top, left, cropH, cropW, outH, outW, true, Impl.Auto);
        var portable = ImageFunctional.ResizedCropU8(image, top, left, cropH, cropW, outH, outW, true, Impl.Portable);
        Assert.True(fast.IsContiguous);
        TensorDiff.AssertIdentical(aten, fast, $"{what}: vectorised kernel");
        TensorDiff.AssertIdentical(aten, portable, $"{what}: portable kernel");
    }

    [Fact]
    public void TheModelOfLibtorchsRoundingWasFound()
    {
        // 4 for libtorch's AVX2 kernels, 1 for builds without FMA; -1 would mean the ATen fallback.
        Assert.True(NativeMethods.tk_resized_crop_u8_model() >= 0);
    }

    [Fact]
    public void KernelEqualsAtenOnRandomSizesCropsAndLayouts()
    {
        var random = new Random(1234);
        for (int trial = 0; trial < 1500; trial++)
        {
            int channels = trial % 5 == 0 ? 1 : trial % 11 == 0 ? 4 : trial % 13 == 0 ? 6 : 3;
            int h = random.Next(1, 90), w = random.Next(1, 90);
            bool hwc = random.Next(2) == 0;
            using var scope = Torch.NewDisposeScope();
            var image = RandomImage(random, channels, h, w, hwc);
            if (random.Next(5) == 0) image = image.Transpose(1, 2); // columns further apart than rows
            h = (int)image.Shape[1];
            w = (int)image.Shape[2];
            int cropH = random.Next(1, h + 1), cropW = random.Next(1, w + 1);
            int top = random.Next(0, h - cropH + 1), left = random.Next(0, w - cropW + 1);
            int outH = random.Next(1, 130), outW = random.Next(1, 130);
            AssertAllEqual(image, top, left, cropH, cropW, outH, outW,
                $"trial {trial}: [{channels}, {h}, {w}]{(hwc ? " HWC view" : "")} crop ({top}, {left}) {cropH}x{cropW} -> {outH}x{outW}");
        }
    }

    [Theory]
    [InlineData(375, 500, 0, 0, 375, 500, 224, 224)]     // whole image, both sides shrink
    [InlineData(375, 500, 0, 150, 375, 350, 224, 224)]   // crop touching the right and bottom edges
    [InlineData(375, 500, 370, 495, 5, 5, 224, 224)]     // tiny corner crop, upscaled
    [InlineData(375, 500, 10, 20, 300, 400, 1, 1)]       // one output pixel
    [InlineData(375, 500, 0, 0, 375, 500, 37, 41)]       // strong downscale (many taps)
    [InlineData(64, 64, 0, 0, 64, 64, 64, 200)]          // one side unchanged, the other upscaled
    [InlineData(2000, 3, 0, 0, 2000, 3, 7, 3)]           // a 2000-row window per output
    [InlineData(375, 500, 3, 7, 350, 333, 223, 221)]     // output widths not a multiple of 8
    [InlineData(375, 500, 0, 0, 375, 500, 7, 3)]         // tiny outputs, wide windows
    [InlineData(375, 500, 0, 0, 375, 500, 107, 143)]     // windows of up to 8 taps (the largest specialised width pass)
    [InlineData(375, 500, 0, 0, 375, 500, 41, 53)]       // windows of 9 to 20 taps (the generic width pass)
    [InlineData(100, 100, 10, 10, 50, 1, 30, 17)]        // a one-column crop: one tap per output
    [InlineData(375, 500, 360, 490, 15, 10, 9, 5)]       // last rows and columns of the buffer, small output
    public void KernelEqualsAtenOnEdgeCases(int h, int w, int top, int left, int cropH, int cropW, int outH, int outW)
    {
        var random = new Random(h * 31 + w);
        foreach (bool hwc in new[] { true, false })
            foreach (int channels in new[] { 1, 2, 3, 4 })
            {
                using var scope = Torch.NewDisposeScope();
                AssertAllEqual(RandomImage(random, channels, h, w, hwc), top, left, cropH, cropW, outH, outW,
                    $"[{channels}, {h}, {w}]{(hwc ? " HWC" : "")} crop ({top}, {left}) {cropH}x{cropW} -> {outH}x{outW}");
            }
    }

    [SharedDataFact("hymenoptera_data")]
    public void KernelEqualsAtenOnAntsAndBees()
    {
        string dir = Path.Combine(TestEnvironment.Hymenoptera, "train");
        var files = Directory.EnumerateFiles(dir, "*.jpg", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal).Take(24).ToArray();
        Assert.NotEmpty(files);
        var crop = new RandomResizedCrop(224);
        for (int k = 0; k < files.Length; k++)
        {
            using var scope = Torch.NewDisposeScope();
            var decoded = ImageDecoder.Decode(files[k]);
            var chw = ImageFunctional.FromHwc(decoded);
            var (_, h, w) = ImageFunctional.GetDimensions(chw);
            var (top, left, cropH, cropW) = crop.SampleRegion(h, w, new Random(k));
            AssertAllEqual(chw, top, left, cropH, cropW, 224, 224, $"{Path.GetFileName(files[k])} RandomResizedCrop");
            var (rh, rw) = ImageFunctional.ComputeResizedSize(h, w, 256);
            AssertAllEqual(chw, 0, 0, h, w, rh, rw, $"{Path.GetFileName(files[k])} Resize(256)");
            // The transform on the HWC view equals the old path: a contiguous copy, then crop + resize through ATen.
            var viaTransform = crop.Apply(chw, new Random(k));
            var old = ImageFunctional.ResizedCropU8(chw.Contiguous(), top, left, cropH, cropW, 224, 224, true, Impl.Aten);
            TensorDiff.AssertIdentical(old, viaTransform, $"{Path.GetFileName(files[k])} RandomResizedCrop.Apply");
        }
    }

    [Fact]
    public void ResizeAndResizedCropOfUint8ImagesEqualTheAtenPath()
    {
        using var scope = Torch.NewDisposeScope();
        var image = TransformTests.TestImage(61, 83);
        foreach (bool antialias in new[] { true, false })
        {
            TensorDiff.AssertIdentical(ImageFunctional.ResizedCropU8(image, 0, 0, 61, 83, 30, 40, antialias, Impl.Aten),
                ImageFunctional.Resize(image, 30, 40, antialias: antialias), $"Resize antialias={antialias}");
            TensorDiff.AssertIdentical(ImageFunctional.ResizedCropU8(image, 5, 7, 50, 60, 100, 90, antialias, Impl.Aten),
                ImageFunctional.ResizedCrop(image, 5, 7, 50, 60, 100, 90, antialias: antialias), $"ResizedCrop antialias={antialias}");
        }
        // A region reaching outside the image is zero-padded first, as before.
        var outside = ImageFunctional.ResizedCrop(image, -4, -4, 20, 20, 10, 10);
        Assert.Equal(new long[] { 3, 10, 10 }, outside.Shape);
        // The input is never modified and the result is a new owner.
        var before = image.Contiguous().ToArray<byte>();
        var same = ImageFunctional.Resize(image, 61, 83);
        Assert.NotSame(image, same);
        Assert.Equal(before, image.Contiguous().ToArray<byte>());
    }

    [Fact]
    public void InvalidArgumentsThrowClearExceptions()
    {
        using var scope = Torch.NewDisposeScope();
        var image = TransformTests.TestImage(10, 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageFunctional.ResizedCrop(image, 0, 0, 0, 5, 4, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageFunctional.ResizedCrop(image, 0, 0, 5, 5, 4, 0));
        Assert.Throws<ArgumentException>(() => ImageFunctional.ResizedCrop(Torch.Zeros(new long[] { 10, 12 }, ScalarType.Byte), 0, 0, 5, 5, 4, 4));
        // The native entry point checks too (its callers should never get here).
        var e = Assert.Throws<TorchException>(() => ImageFunctional.ResizedCropU8(image, 8, 0, 5, 5, 4, 4, true, Impl.Auto));
        Assert.Contains("not inside the image", e.Message);
        e = Assert.Throws<TorchException>(() => ImageFunctional.ResizedCropU8(image.To(ScalarType.Float32), 0, 0, 5, 5, 4, 4, true, Impl.Auto));
        Assert.Contains("uint8", e.Message);
    }
}
