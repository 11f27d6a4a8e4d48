using TransferKit.Data;

namespace TransferKit.Tests.Data;

/// <summary>
/// <see cref="ImageDecoder.DecodeRegion(ReadOnlySpan{byte}, int, int, int, int, string?, ImageDecodeOptions?)"/>
/// gives exactly the slice of the full decode (which the Pillow parity tests pin down), for every
/// real JPEG and for generated ones of every layout libjpeg treats differently.
/// </summary>
[Trait("Category", "Parity")]
public class RegionDecodeTests
{
    private static string AntJpeg => Path.Combine(TestEnvironment.Hymenoptera, "train", "ants", "0013035.jpg");

    /// <summary>
    /// JPEGs of odd and tiny sizes in every subsampling (4:4:4, 4:2:2, 4:2:0), baseline and
    /// progressive, grayscale and CMYK, written by Pillow.
    /// </summary>
    private const string GenerateScript = """
import os, sys
import numpy as np
from PIL import Image
out = sys.argv[1]
rng = np.random.default_rng(11)
for h, w in [(1, 1), (1, 17), (17, 1), (8, 16), (16, 8), (33, 47), (97, 131), (250, 3), (123, 257)]:
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([xx * 7 % 256, yy * 5 % 256, (xx + yy) * 3 % 256], -1) + rng.integers(0, 80, (h, w, 3))
    im = Image.fromarray((base % 256).astype(np.uint8), 'RGB')
    for sub in (0, 1, 2):
        for prog in (False, True):
            im.save(os.path.join(out, f'rgb-{h}x{w}-sub{sub}-{"prog" if prog else "base"}.jpg'), quality=90, subsampling=sub, progressive=prog)
    im.convert('L').save(os.path.join(out, f'gray-{h}x{w}.jpg'), quality=85)
    im.convert('L').save(os.path.join(out, f'gray-{h}x{w}-prog.jpg'), quality=85, progressive=True)
    im.convert('CMYK').save(os.path.join(out, f'cmyk-{h}x{w}.jpg'), quality=90)
""";

    /// <summary>Regions of an H x W image: the whole image, corners, edges, single pixels, single rows and columns, random ones.</summary>
    private static IEnumerable<(int Top, int Left, int Height, int Width)> Regions(int h, int w, Random rng, int random)
    {
        yield return (0, 0, h, w);
        yield return (0, 0, 1, 1);
        yield return (h - 1, w - 1, 1, 1);
        yield return (rng.Next(h), rng.Next(w), 1, 1);
        yield return (rng.Next(h), 0, 1, w);
        yield return (0, rng.Next(w), h, 1);
        yield return (0, w / 3, h - h / 2, w - w / 3);   // touches the top and the right edge
        yield return (h / 2, 0, h - h / 2, Math.Max(1, w / 2)); // touches the bottom and the left edge
        for (int k = 0; k < random; k++)
        {
            int rh = 1 + rng.Next(h), rw = 1 + rng.Next(w);
            yield return (rng.Next(h - rh + 1), rng.Next(w - rw + 1), rh, rw);
        }
    }

    /// <summary>Checks every region against the full decode; returns the mismatches.</summary>
    private static List<string> Check(byte[] data, string name, ImageDecodeOptions options, Random rng, int random)
    {
        var mismatches = new List<string>();
        using var full = ImageDecoder.Decode(data, name, options);
        int h = (int)full.Shape[0], w = (int)full.Shape[1], c = (int)full.Shape[2];
        var pixels = full.ToArray<byte>();
        foreach (var (top, left, rh, rw) in Regions(h, w, rng, random))
        {
            using var region = ImageDecoder.DecodeRegion(data, top, left, rh, rw, name, options);
            var got = region.ToArray<byte>();
            bool same = region.Shape.SequenceEqual(new long[] { rh, rw, c }) && region.Dtype == ScalarType.Byte;
            for (int y = 0; same && y < rh; y++)
                same = pixels.AsSpan(((top + y) * w + left) * c, rw * c).SequenceEqual(got.AsSpan(y * rw * c, rw * c));
            if (!same) mismatches.Add($"{name} ({options.Mode}) rows {top}+{rh}, columns {left}+{rw} of {h}x{w}");
        }
        return mismatches;
    }

    [SharedDataFact("hymenoptera_data")]
    public void RegionsOfEveryHymenopteraJpegEqualTheSliceOfTheFullDecode()
    {
        var files = Directory.EnumerateFiles(TestEnvironment.Hymenoptera, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).ToArray();
        Assert.True(files.Length >= 397, $"only {files.Length} JPEGs found");
        var rng = new Random(5);
        var mismatches = new List<string>();
        int regions = 0;
        foreach (var file in files)
        {
            byte[] data = File.ReadAllBytes(file);
            mismatches.AddRange(Check(data, file, ImageDecodeOptions.Default, rng, 12));
            regions += 8 + 12;
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {regions} regions differ:\n{string.Join("\n", mismatches.Take(20))}");
    }

    [PyTorchFact]
    public void RegionsOfGeneratedJpegsOfEveryLayoutEqualTheSliceOfTheFullDecode()
    {
        using var dir = TestEnvironment.NewTempDir();
        TestEnvironment.RunPython(GenerateScript, dir.Path);
        var files = Directory.GetFiles(dir.Path).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(9 * 9, files.Length);
        var rng = new Random(9);
        var mismatches = new List<string>();
        foreach (var file in files)
        {
            byte[] data = File.ReadAllBytes(file);
            mismatches.AddRange(Check(data, file, ImageDecodeOptions.Default, rng, 40));
            mismatches.AddRange(Check(data, file, new ImageDecodeOptions { Mode = ImageReadMode.Rgb }, rng, 5));
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} regions differ:\n{string.Join("\n", mismatches.Take(20))}");
    }

    [Fact]
    public void PngRegionsEqualTheSliceOfTheFullDecode()
    {
        var rng = new Random(4);
        foreach (int channels in new[] { 1, 3, 4 })
        {
            var pixels = new byte[29 * 31 * channels];
            rng.NextBytes(pixels);
            byte[] png = PngWriter.Encode(pixels, 29, 31, channels, out _);
            var mismatches = Check(png, $"test-{channels}.png", ImageDecodeOptions.Default, rng, 10);
            mismatches.AddRange(Check(png, $"test-{channels}.png", new ImageDecodeOptions { Mode = ImageReadMode.Rgb }, rng, 3));
            Assert.Empty(mismatches);
        }
    }

    [SharedDataTheory("hymenoptera_data")]
    [InlineData(-1, 0, 10, 10, "top")]
    [InlineData(0, -1, 10, 10, "left")]
    [InlineData(0, 0, 0, 10, "height")]
    [InlineData(0, 0, 10, 0, "width")]
    [InlineData(450, 0, 100, 10, "top")]     // the ant is 512 rows high: rows 450..549 do not fit
    [InlineData(0, 700, 10, 69, "left")]     // 768 columns wide
    [InlineData(512, 0, 1, 1, "top")]
    public void RegionsOutsideTheImageAreArgumentErrors(int top, int left, int height, int width, string parameter)
    {
        byte[] jpeg = File.ReadAllBytes(AntJpeg);
        var info = ImageDecoder.ReadInfo(jpeg);
        Assert.Equal((512, 768), (info.Height, info.Width));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ImageDecoder.DecodeRegion(jpeg, top, left, height, width, "ant.jpg"));
        Assert.Equal(parameter, e.ParamName);
        if (height > 0 && width > 0 && top >= 0 && left >= 0) Assert.Contains("'ant.jpg'", e.Message);

        byte[] png = PngWriter.Encode(new byte[512 * 768], 512, 768, 1, out _);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageDecoder.DecodeRegion(png, top, left, height, width, "x.png"));
    }

    [SharedDataFact("hymenoptera_data")]
    public void DamagedFilesFailAsTheFullDecodeDoesWhereverTheRegionIs()
    {
        byte[] jpeg = File.ReadAllBytes(AntJpeg);
        var cuts = new[] { jpeg[..(jpeg.Length / 2)], jpeg[..^1], jpeg[..^2], jpeg[..^40] };
        foreach (var cut in cuts)
        {
            var whole = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(cut, "cut.jpg"));
            foreach (var (top, height) in new[] { (0, 8), (0, 1), (100, 50), (507, 5) })
            {
                var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.DecodeRegion(cut, top, 10, height, 40, "cut.jpg"));
                Assert.Equal(DataErrorKind.Truncated, e.Kind);
                Assert.Equal(whole.Message, e.Message);
                Assert.Contains("'cut.jpg'", e.Message);
            }
            // Allowed truncation: the region is the slice of the (partly gray) full decode.
            Assert.Empty(Check(cut, "cut.jpg", new ImageDecodeOptions { AllowTruncated = true }, new Random(1), 10));
        }
        // Bytes after the end marker are ignored, as by the full decode.
        Assert.Empty(Check([.. jpeg, 0, 0, 0], "padded.jpg", ImageDecodeOptions.Default, new Random(2), 5));
        // Not a JPEG or PNG: the same exception as Decode.
        var gif = Assert.Throws<ImageDecodeException>(() => ImageDecoder.DecodeRegion("GIF89a...."u8, 0, 0, 1, 1, "x.gif"));
        Assert.Equal(DataErrorKind.UnsupportedFormat, gif.Kind);
        // The pixel limit applies to the whole image, as for Decode.
        var big = Assert.Throws<ImageDecodeException>(() => ImageDecoder.DecodeRegion(jpeg, 0, 0, 1, 1, "ant.jpg", new ImageDecodeOptions { MaxPixels = 1000 }));
        Assert.Equal(DataErrorKind.TooLarge, big.Kind);
    }

    [SharedDataFact("hymenoptera_data")]
    public void CorruptDataInStrictModeFailsEvenBelowTheRegion()
    {
        byte[] jpeg = File.ReadAllBytes(AntJpeg);
        // A stray end marker near the end of the entropy-coded data: libjpeg warns ("Corrupt JPEG data:
        // premature end of data segment") while decoding the last rows and fills them in.
        int at = jpeg.Length - 300;
        while (jpeg[at - 1] == 0xFF) at++;
        byte[] damaged = [.. jpeg[..at], 0xFF, 0xD9, .. jpeg[at..]];
        var strict = new ImageDecodeOptions { WarningsAreErrors = true };
        var whole = Record.Exception(() => ImageDecoder.Decode(damaged, "damaged.jpg", strict)?.Dispose());
        var region = Record.Exception(() => ImageDecoder.DecodeRegion(damaged, 0, 0, 16, 16, "damaged.jpg", strict)?.Dispose());
        Assert.IsType<ImageDecodeException>(whole);
        Assert.Equal(whole?.GetType(), region?.GetType());
        Assert.Equal(whole?.Message, region?.Message);
        // Tolerant mode: the region is the slice of the full decode.
        Assert.Empty(Check(damaged, "damaged.jpg", ImageDecodeOptions.Default, new Random(3), 10));
    }
}
