using TransferKit.Data;
using TransferKit.Engine;

namespace TransferKit.Tests.Data;

/// <summary>Decoding every ants/bees JPEG and generated JPEG/PNG variants gives Pillow's pixels exactly.</summary>
[Trait("Category", "Parity")]
public class ImageDecoderPillowParityTests
{
    [PyTorchFact(SharedData = new[] { "hymenoptera_data" })]
    public void PixelsEqualPillowForEveryHymenopteraJpegAndGeneratedJpegPngVariants()
    {
        using var gen = TestEnvironment.NewTempDir();
        var reference = PillowReference.Run(TestEnvironment.Hymenoptera, gen.Path);
        Assert.True(reference.Count >= 397 + 2 * 20, $"only {reference.Count} reference entries");
        Assert.Contains(reference, e => e.Path.EndsWith("ant photos.jpg"));    // progressive, name with a space
        Assert.Contains(reference, e => e.Path.EndsWith("gray.jpg") && e.Shape[2] == 1);
        Assert.Contains(reference, e => e.Path.EndsWith("cmyk.jpg"));

        var mismatches = new List<string>();
        foreach (var e in reference)
        {
            var mode = e.Mode == "rgb" ? ImageReadMode.Rgb : ImageReadMode.Unchanged;
            using var image = ImageDecoder.Decode(e.Path, mode);
            var shape = image.Shape;
            string sha = TestEnvironment.Sha256(image.ToArray<byte>());
            if (!shape.SequenceEqual(e.Shape) || sha != e.Sha256)
                mismatches.Add($"{e.Path} [{e.Mode}]: ours [{string.Join(",", shape)}] {sha[..12]}, Pillow [{string.Join(",", e.Shape)}] {e.Sha256[..12]}");
            Assert.Equal(ScalarType.Byte, image.Dtype);
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {reference.Count} differ from Pillow:\n{string.Join("\n", mismatches)}");
    }
}

[Trait("Category", "Integration")]
public class ImageDecoderTests
{
    private static string AntJpeg => Path.Combine(TestEnvironment.Hymenoptera, "train", "ants", "0013035.jpg");

    [Fact]
    public void PngRoundTripsPixelsForEveryChannelLayout()
    {
        var rng = new Random(3);
        foreach (int channels in new[] { 1, 2, 3, 4 })
        {
            var pixels = new byte[13 * 7 * channels];
            rng.NextBytes(pixels);
            byte[] png = PngWriter.Encode(pixels, 13, 7, channels, out _);
            using var image = ImageDecoder.Decode(png, $"test-{channels}.png");
            int outChannels = channels <= 2 ? 1 : 3;
            Assert.Equal(new long[] { 13, 7, outChannels }, image.Shape);
            // Alpha is dropped: keep the first outChannels of every pixel.
            var expected = Enumerable.Range(0, 13 * 7).SelectMany(p => pixels.Skip(p * channels).Take(outChannels)).ToArray();
            Assert.Equal(expected, image.ToArray<byte>());
        }
    }

    [Fact]
    public void RgbModeReplicatesGrayAndUnchangedKeepsOneChannel()
    {
        var gray = new byte[] { 0, 10, 20, 30, 40, 250 };
        byte[] png = PngWriter.Encode(gray, 2, 3, 1, out _);
        using var one = ImageDecoder.Decode(png);
        using var three = ImageDecoder.Decode(png, null, new ImageDecodeOptions { Mode = ImageReadMode.Rgb });
        Assert.Equal(new long[] { 2, 3, 1 }, one.Shape);
        Assert.Equal(gray, one.ToArray<byte>());
        Assert.Equal(new long[] { 2, 3, 3 }, three.Shape);
        Assert.Equal(gray.SelectMany(v => new[] { v, v, v }).ToArray(), three.ToArray<byte>());
    }

    [SharedDataFact("hymenoptera_data")]
    public void ReadInfoReportsTheHeaderWithoutDecoding()
    {
        var info = ImageDecoder.ReadInfo(AntJpeg);
        using var image = ImageDecoder.Decode(AntJpeg);
        Assert.Equal(ImageFormat.Jpeg, info.Format);
        Assert.Equal(new long[] { info.Height, info.Width, info.Channels }, image.Shape);

        byte[] png = PngWriter.Encode(new byte[5 * 4 * 2], 5, 4, 2, out _);
        Assert.Equal(new ImageInfo(ImageFormat.Png, 5, 4, 1), ImageDecoder.ReadInfo(png, "x.png"));
        Assert.Equal(new ImageInfo(ImageFormat.Png, 5, 4, 3), ImageDecoder.ReadInfo(png, "x.png", ImageReadMode.Rgb));
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }, ImageFormat.Jpeg)]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, ImageFormat.Png)]
    [InlineData(new byte[] { 0x47, 0x49, 0x46, 0x38, 0x39, 0x61 }, ImageFormat.Gif)]
    [InlineData(new byte[] { 0x42, 0x4D, 0, 0 }, ImageFormat.Bmp)]
    [InlineData(new byte[] { 0x52, 0x49, 0x46, 0x46, 1, 2, 3, 4, 0x57, 0x45, 0x42, 0x50 }, ImageFormat.WebP)]
    [InlineData(new byte[] { 0x49, 0x49, 0x2A, 0x00 }, ImageFormat.Tiff)]
    [InlineData(new byte[] { 1, 2, 3 }, ImageFormat.Unknown)]
    [InlineData(new byte[0], ImageFormat.Unknown)]
    public void DetectFormatReadsMagicBytes(byte[] data, ImageFormat expected) =>
        Assert.Equal(expected, ImageDecoder.DetectFormat(data));

    [SharedDataFact("hymenoptera_data")]
    public void GifIsRejectedAsUnsupportedNamingTheFile()
    {
        string gif = Path.Combine(TestEnvironment.Hymenoptera, "train", "ants", "imageNotFound.gif");
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(gif));
        Assert.Equal(DataErrorKind.UnsupportedFormat, e.Kind);
        Assert.Equal(ImageFormat.Gif, e.Format);
        Assert.Equal(gif, e.FileName);
        Assert.Contains(gif, e.Message);
        Assert.Contains("unsupported image format GIF", e.Message);
    }

    [Fact]
    public void UnknownBytesAndEmptyDataAreClearErrors()
    {
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode("hello world"u8, "notes.txt"));
        Assert.Equal(DataErrorKind.UnsupportedFormat, e.Kind);
        Assert.Contains("'notes.txt'", e.Message);
        Assert.Contains("68 65 6c 6c 6f", e.Message);  // the leading bytes, in hex

        var empty = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(ReadOnlySpan<byte>.Empty, "empty.jpg"));
        Assert.Equal(DataErrorKind.Truncated, empty.Kind);
        Assert.Contains("empty", empty.Message);

        var unnamed = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(new byte[] { 1, 2, 3 }));
        Assert.Null(unnamed.FileName);
        Assert.Contains("<3 bytes in memory>", unnamed.Message);
    }

    [SharedDataFact("hymenoptera_data")]
    public void TruncatedJpegIsAnErrorUnlessAllowed()
    {
        byte[] jpeg = File.ReadAllBytes(AntJpeg);
        byte[] half = jpeg[..(jpeg.Length / 2)];
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(half, "half.jpg"));
        Assert.Equal(DataErrorKind.Truncated, e.Kind);
        Assert.Equal(ImageFormat.Jpeg, e.Format);
        Assert.Contains("'half.jpg'", e.Message);
        Assert.Contains("ends too early", e.Message);

        using var full = ImageDecoder.Decode(jpeg);
        using var partial = ImageDecoder.Decode(half, "half.jpg", new ImageDecodeOptions { AllowTruncated = true });
        Assert.Equal(full.Shape, partial.Shape);
        // The first rows are intact; the last ones are filler.
        var a = full.ToArray<byte>();
        var b = partial.ToArray<byte>();
        int row = (int)(full.Shape[1] * full.Shape[2]);
        Assert.Equal(a.AsSpan(0, 8 * row).ToArray(), b.AsSpan(0, 8 * row).ToArray());
        Assert.NotEqual(a.AsSpan(a.Length - row).ToArray(), b.AsSpan(b.Length - row).ToArray());
    }

    [SharedDataFact("hymenoptera_data")]
    public void JpegMissingItsEndMarkerIsTruncatedAsInPillow()
    {
        // Pillow: "image file is truncated" for a JPEG cut by even one byte; libjpeg reads ahead to the EOI marker.
        byte[] jpeg = File.ReadAllBytes(AntJpeg);
        Assert.Equal(new byte[] { 0xFF, 0xD9 }, jpeg[^2..]);
        foreach (int cut in new[] { 1, 2 })
            Assert.Equal(DataErrorKind.Truncated,
                Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(jpeg[..^cut], "no-eoi.jpg")).Kind);
        // Bytes after the EOI marker are ignored.
        using var full = ImageDecoder.Decode(jpeg);
        using var padded = ImageDecoder.Decode([.. jpeg, 0, 0, 0], "padded.jpg");
        Assert.Equal(full.ToArray<byte>(), padded.ToArray<byte>());
    }

    [Fact]
    public void TruncatedPngIsAnError()
    {
        byte[] png = PngWriter.Encode(Enumerable.Range(0, 40 * 30 * 3).Select(i => (byte)(i * 7)).ToArray(), 40, 30, 3, out int idatEnd);
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(png[..(idatEnd - 10)], "cut.png"));
        Assert.Equal(DataErrorKind.Truncated, e.Kind);
        Assert.Contains("'cut.png'", e.Message);
        // Without its IEND chunk the image is complete: accepted, as Pillow does.
        using var noEnd = ImageDecoder.Decode(png[..idatEnd], "no-iend.png");
        Assert.Equal(new long[] { 40, 30, 3 }, noEnd.Shape);
    }

    [Fact]
    public void CorruptPngChecksumIsAnError()
    {
        byte[] png = PngWriter.Encode(new byte[8 * 8 * 3], 8, 8, 3, out int idatEnd);
        png[idatEnd - 6] ^= 0x55;  // inside the IDAT data, CRC not updated
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(png, "crc.png"));
        Assert.Equal(DataErrorKind.Corrupt, e.Kind);
        Assert.Contains("CRC", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void PngChecksumsAndExtraDataFollowPillow()
    {
        var pixels = new byte[] { 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5 };
        byte[] good = PngWriter.Encode(pixels, 2, 2, 3, out int idatEnd);
        int idatStart = 33;  // signature (8) + IHDR chunk (25)

        // A tEXt chunk with a bad CRC before the image data: Pillow refuses the file ("cannot identify image file").
        var text = new MemoryStream();
        PngWriter.WriteChunk(text, "tEXt", "k\0v"u8.ToArray());
        byte[] textChunk = text.ToArray();
        textChunk[^1] ^= 1;
        byte[] badText = [.. good[..idatStart], .. textChunk, .. good[idatStart..]];
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(badText, "bad-text.png"));
        Assert.Equal(DataErrorKind.Corrupt, e.Kind);
        Assert.Contains("CRC", e.Message);
        // The same chunk after the image data is never read (Pillow doesn't either).
        using (var after = ImageDecoder.Decode([.. good[..idatEnd], .. textChunk, .. good[idatEnd..]], "text-after.png"))
            Assert.Equal(pixels, after.ToArray<byte>());

        // More compressed data than the image needs: a libpng warning; Pillow decodes such files.
        var rows = new byte[] { 0, 0, 1, 2, 3, 4, 5, 0, 0, 1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0, 0 };
        var z = new MemoryStream();
        using (var zs = new System.IO.Compression.ZLibStream(z, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true)) zs.Write(rows);
        var png = new MemoryStream();
        png.Write(good, 0, idatStart);
        PngWriter.WriteChunk(png, "IDAT", z.ToArray());
        PngWriter.WriteChunk(png, "IEND", Array.Empty<byte>());
        using (var extra = ImageDecoder.Decode(png.ToArray(), "extra.png"))
            Assert.Equal(pixels, extra.ToArray<byte>());
        var strict = Assert.Throws<ImageDecodeException>(() =>
            ImageDecoder.Decode(png.ToArray(), "extra.png", new ImageDecodeOptions { WarningsAreErrors = true }));
        Assert.Equal(DataErrorKind.Corrupt, strict.Kind);
        Assert.Contains("strict mode", strict.Message);
    }

    [SharedDataFact("hymenoptera_data")]
    public void RecoverableJpegCorruptionIsToleratedByDefaultAndRejectedWhenWarningsAreErrors()
    {
        byte[] jpeg = File.ReadAllBytes(AntJpeg);
        // Garbage between two header segments: libjpeg warns "N extraneous bytes before marker" and goes on.
        int sos = IndexOfMarker(jpeg, 0xDA);
        byte[] damaged = [.. jpeg[..sos], 1, 2, 3, .. jpeg[sos..]];
        using var reference = ImageDecoder.Decode(jpeg);
        using var tolerated = ImageDecoder.Decode(damaged, "extraneous.jpg");
        Assert.Equal(reference.ToArray<byte>(), tolerated.ToArray<byte>());

        var e = Assert.Throws<ImageDecodeException>(() =>
            ImageDecoder.Decode(damaged, "extraneous.jpg", new ImageDecodeOptions { WarningsAreErrors = true }));
        Assert.Equal(DataErrorKind.Corrupt, e.Kind);
        Assert.Contains("extraneous bytes", e.Message);
    }

    [SharedDataFact("hymenoptera_data")]
    public void ImagesOverThePixelLimitAreRefusedBeforeDecoding()
    {
        var info = ImageDecoder.ReadInfo(AntJpeg);
        var options = new ImageDecodeOptions { MaxPixels = (long)info.Height * info.Width - 1 };
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(AntJpeg, options));
        Assert.Equal(DataErrorKind.TooLarge, e.Kind);
        Assert.Contains("over the limit", e.Message);

        byte[] png = PngWriter.Encode(new byte[100 * 100], 100, 100, 1, out _);
        Assert.Equal(DataErrorKind.TooLarge,
            Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(png, "big.png", new ImageDecodeOptions { MaxPixels = 9999 })).Kind);
        using var ok = ImageDecoder.Decode(png, "big.png", new ImageDecodeOptions { MaxPixels = 10000 });
        Assert.Equal(ImageDecodeOptions.DefaultMaxPixels, 178_956_970);
    }

    [Fact]
    public void UnallocatableImagesAreTooLargeEvenWithoutAPixelLimit()
    {
        // A valid header for 1,000,000 x 1,000,000 RGB pixels (3 TB; libpng's own limit is 1,000,000 per side).
        byte[] png = PngWriter.Encode(new byte[3], 1, 1, 3, out _);
        png[16..24].AsSpan().Clear();
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), 1_000_000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), 1_000_000);
        PngWriter.FixCrcs(png);
        Assert.Equal(new ImageInfo(ImageFormat.Png, 1_000_000, 1_000_000, 3), ImageDecoder.ReadInfo(png, "huge.png"));
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(png, "huge.png", new ImageDecodeOptions { MaxPixels = 0 }));
        // With vm.overcommit_memory = 1 the allocation succeeds and the missing rows are the error instead.
        bool alwaysOvercommit = File.Exists("/proc/sys/vm/overcommit_memory") && File.ReadAllText("/proc/sys/vm/overcommit_memory").Trim() == "1";
        if (!alwaysOvercommit)
        {
            Assert.Equal(DataErrorKind.TooLarge, e.Kind);
            Assert.Contains("cannot allocate", e.Message);
        }
        Assert.Equal(DataErrorKind.TooLarge, Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(png, "huge.png")).Kind);
    }

    [Fact]
    public void MissingFileIsAnIOError() =>
        Assert.Throws<FileNotFoundException>(() => ImageDecoder.Decode(Path.Combine(Path.GetTempPath(), $"tk-no-such-{Guid.NewGuid():N}.jpg")));

    [SharedDataFact("hymenoptera_data")]
    public void ParallelDecodingGivesTheSamePixels()
    {
        var files = Directory.GetFiles(Path.Combine(TestEnvironment.Hymenoptera, "val", "bees"), "*.jpg").OrderBy(f => f, StringComparer.Ordinal).Take(24).ToArray();
        string[] Hashes() => files.Select(f => { using var t = ImageDecoder.Decode(f); return TestEnvironment.Sha256(t.ToArray<byte>()); }).ToArray();
        var sequential = Hashes();
        var parallel = new string[files.Length];
        Parallel.For(0, files.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, k =>
        {
            using var t = ImageDecoder.Decode(files[k]);
            parallel[k] = TestEnvironment.Sha256(t.ToArray<byte>());
        });
        Assert.Equal(sequential, parallel);
    }

    internal static int IndexOfMarker(byte[] jpeg, byte marker)
    {
        for (int k = 2; k + 1 < jpeg.Length; k++)
            if (jpeg[k] == 0xFF && jpeg[k + 1] == marker) return k;
        throw new InvalidOperationException($"marker FF {marker:X2} not found");
    }
}

[Collection(SerialCollection.Name)]
[Trait("Category", "Integration")]
public class ImageDecoderOwnershipTests
{
    [SharedDataFact("hymenoptera_data")]
    public void DecodedTensorsBelongToTheDisposeScopeAndFailuresLeakNothing()
    {
        byte[] jpeg = File.ReadAllBytes(Path.Combine(TestEnvironment.Hymenoptera, "train", "ants", "0013035.jpg"));
        long before = SerialCollection.SettledLiveTensorCount();
        Tensor kept;
        using (Torch.NewDisposeScope())
        {
            kept = ImageDecoder.Decode(jpeg);
            for (int k = 0; k < 20; k++)
                Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(jpeg[..(jpeg.Length / 3)]));
        }
        Assert.True(kept.IsDisposed);
        Assert.Equal(before, SerialCollection.SettledLiveTensorCount());
    }
}
