using System.Diagnostics;
using TransferKit.Data;
using Xunit.Abstractions;

namespace TransferKit.Tests.Data;

/// <summary>
/// Damaged inputs: every one must either decode to a well-formed tensor or raise a TransferKit
/// <see cref="DataFormatException"/> naming the file: no other exception, no crash, no hang, no leak.
/// Runs alone (see <see cref="SerialCollection"/>) because it checks the live tensor count.
/// </summary>
[Collection(SerialCollection.Name)]
[Trait("Category", "Integration")]
public class ReliabilityTests(ITestOutputHelper output)
{
    private enum Mutation { FlipBytes, Truncate, ZeroHeader, FlipPayload, SpliceBytes }

    private sealed record Base(string Name, byte[] Data, int PayloadStart, int PayloadEnd, bool IsPng);

    [SharedDataFact("hymenoptera_data")]
    public async Task ThousandMutatedJpegAndPngFilesDecodeOrRaiseImageDecodeException()
    {
        var bases = ImageBases();
        foreach (var b in bases) ImageDecoder.Decode(b.Data, b.Name).Dispose();  // warm-up: library loading is not a mutant's cost
        var rng = new Random(20240611);
        var outcomes = new Dictionary<string, int>();
        var failures = new List<string>();
        long handlesBefore = SerialCollection.SettledLiveTensorCount();
        var clock = Stopwatch.StartNew();
        double slowest = 0;
        string slowestName = "";

        var run = Task.Run(() =>
        {
            for (int k = 0; k < 1000; k++)
            {
                var b = bases[k % bases.Length];
                var mutation = (Mutation)(k / bases.Length % 5);
                byte[] data = Mutate(b, mutation, rng);
                string name = $"mutant-{k:D4}-{mutation}-{b.Name}";
                var one = Stopwatch.StartNew();
                string outcome;
                try
                {
                    using var image = ImageDecoder.Decode(data, name);
                    var shape = image.Shape;
                    if (shape.Length != 3 || shape[0] <= 0 || shape[1] <= 0 || shape[2] is not (1 or 3) || image.Dtype != ScalarType.Byte)
                        failures.Add($"{name}: malformed result [{string.Join(", ", shape)}] {image.Dtype}");
                    bool mustFail = mutation == Mutation.Truncate && (!b.IsPng || data.Length < b.PayloadEnd);
                    if (mustFail) failures.Add($"{name}: truncated to {data.Length} of {b.Data.Length} bytes but decoded");
                    outcome = "decoded";
                }
                catch (ImageDecodeException e)
                {
                    if (e.FileName != name || !e.Message.Contains($"'{name}'"))
                        failures.Add($"{name}: the exception does not name the file: {e.Message}");
                    outcome = e.Kind.ToString();
                }
                catch (Exception e)
                {
                    failures.Add($"{name}: {e.GetType().Name}: {e.Message}");
                    outcome = e.GetType().Name;
                }
                outcomes[$"{mutation}/{outcome}"] = outcomes.GetValueOrDefault($"{mutation}/{outcome}") + 1;
                if (one.Elapsed.TotalMilliseconds > slowest) (slowest, slowestName) = (one.Elapsed.TotalMilliseconds, name);
            }
        });
        // A guard against a hang only, far above any machine's time (no timing is asserted).
        bool finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromMinutes(10))) == run;
        Assert.True(finished, "decoding the mutants did not finish in 10 minutes (a hang?)");
        await run;

        output.WriteLine($"1000 mutants in {clock.Elapsed.TotalSeconds:F1} s; slowest {slowest:F0} ms ({slowestName}); " +
                         $"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MiB");
        foreach (var (key, n) in outcomes.OrderBy(p => p.Key, StringComparer.Ordinal)) output.WriteLine($"{key}: {n}");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(30)));
        Assert.Equal(handlesBefore, SerialCollection.SettledLiveTensorCount());
        // The mutations reach every failure kind that bytes can cause, and some mutants stay decodable.
        foreach (var kind in new[] { "decoded", "Truncated", "Corrupt", "UnsupportedFormat" })
            Assert.Contains(outcomes.Keys, key => key.EndsWith("/" + kind));
    }

    [SharedDataFact("mnist")]
    public void TwoHundredMutatedIdxFilesLoadOrRaiseDataFormatExceptionNamingTheFile()
    {
        using var dir = TestEnvironment.NewTempDir();
        var (images, labels) = MnistDatasetTests.SmallIdx(dir, 5);
        byte[] imagesRaw = File.ReadAllBytes(images), labelsRaw = File.ReadAllBytes(labels);
        var bases = new (string Name, byte[] Data, bool IsImages, int Header)[]
        {
            ("images-idx3-ubyte", imagesRaw, true, 16), ("labels-idx1-ubyte", labelsRaw, false, 8),
            ("images-idx3-ubyte.gz", MnistDatasetTests.Gzip(imagesRaw), true, 10), ("labels-idx1-ubyte.gz", MnistDatasetTests.Gzip(labelsRaw), false, 10),
        };
        var rng = new Random(77);
        var outcomes = new Dictionary<string, int>();
        var failures = new List<string>();
        for (int k = 0; k < 200; k++)
        {
            var b = bases[k % bases.Length];
            int kind = k / bases.Length % 5;  // 0 flips, 1 header flips, 2 truncation, 3 appended bytes, 4 zeroed header
            byte[] data = (byte[])b.Data.Clone();
            switch (kind)
            {
                case 0:
                    for (int n = rng.Next(1, 5); n > 0; n--) data[rng.Next(data.Length)] ^= (byte)rng.Next(1, 256);
                    break;
                case 1:
                    data[rng.Next(Math.Min(b.Header, data.Length))] ^= (byte)rng.Next(1, 256);
                    break;
                case 2:
                    data = data[..rng.Next(data.Length)];
                    break;
                case 3:
                    var extra = new byte[rng.Next(1, 17)];
                    rng.NextBytes(extra);
                    data = [.. data, .. extra];
                    break;
                default:
                    int start = rng.Next(b.Header);
                    Array.Clear(data, start, Math.Min(rng.Next(1, 9), data.Length - start));
                    break;
            }
            string path = dir.File($"mutant-{k:D3}-{b.Name}");
            File.WriteAllBytes(path, data);
            string outcome;
            try
            {
                var ds = b.IsImages
                    ? MnistDataset.FromFiles(path, labels, MnistDataset.DigitClasses)
                    : MnistDataset.FromFiles(images, path, MnistDataset.DigitClasses);
                using (var s = ds.Get(ds.Count - 1)) Assert.Equal(new long[] { 28, 28, 1 }, s.Image.Shape);
                if (kind is 2 or 3) failures.Add($"{path}: {(kind == 2 ? "truncated" : "extended")} to {data.Length} of {b.Data.Length} bytes but loaded");
                outcome = "loaded";
            }
            catch (DataFormatException e)
            {
                if (e.FileName != path || !e.Message.Contains(path))
                    failures.Add($"{path}: the exception names '{e.FileName}': {e.Message}");
                outcome = e.Kind.ToString();
            }
            catch (Exception e)
            {
                failures.Add($"{path}: {e.GetType().Name}: {e.Message}");
                outcome = e.GetType().Name;
            }
            string key = $"{kind}/{outcome}";
            outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
        }
        foreach (var (key, n) in outcomes.OrderBy(p => p.Key, StringComparer.Ordinal)) output.WriteLine($"{key}: {n}");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(30)));
    }

    private static Base[] ImageBases()
    {
        string ants = Path.Combine(TestEnvironment.Hymenoptera, "train", "ants");
        var rng = new Random(5);
        var pixels = new byte[40 * 48 * 3];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i % 251 + rng.Next(4));
        byte[] rgb = PngWriter.Encode(pixels, 40, 48, 3, out int rgbIdatEnd);
        byte[] gray = PngWriter.Encode(pixels[..(40 * 48)], 48, 40, 1, out int grayIdatEnd);
        return new[]
        {
            JpegBase("baseline.jpg", File.ReadAllBytes(Path.Combine(ants, "0013035.jpg"))),
            JpegBase("progressive with space.jpg", File.ReadAllBytes(Path.Combine(ants, "ant photos.jpg"))),
            new Base("rgb.png", rgb, 33 + 8, rgbIdatEnd, IsPng: true),      // payload = IDAT data (after IHDR and the IDAT header)
            new Base("gray.png", gray, 33 + 8, grayIdatEnd, IsPng: true),
        };
    }

    private static Base JpegBase(string name, byte[] data)
    {
        int sos = ImageDecoderTests.IndexOfMarker(data, 0xDA);
        return new Base(name, data, sos + 20, data.Length - 2, IsPng: false);
    }

    private static byte[] Mutate(Base b, Mutation mutation, Random rng)
    {
        byte[] data = (byte[])b.Data.Clone();
        switch (mutation)
        {
            case Mutation.FlipBytes:
                for (int n = rng.Next(1, 9); n > 0; n--) data[rng.Next(data.Length)] ^= (byte)rng.Next(1, 256);
                return data;
            case Mutation.Truncate:
                return data[..rng.Next(data.Length)];
            case Mutation.ZeroHeader:
                int start = rng.Next(Math.Min(b.PayloadStart, 600));
                Array.Clear(data, start, Math.Min(rng.Next(1, 33), data.Length - start));
                return data;
            case Mutation.FlipPayload:
                // Inside the compressed pixels; for PNG with checksums recomputed, so that zlib and the
                // row filters see the damage instead of the CRC check.
                for (int n = rng.Next(1, 5); n > 0; n--) data[rng.Next(b.PayloadStart, b.PayloadEnd - 4)] ^= (byte)rng.Next(1, 256);
                if (b.IsPng) PngWriter.FixCrcs(data);
                return data;
            default:
                int at = rng.Next(data.Length);
                if (rng.Next(2) == 0)
                    return [.. data[..at], .. data[Math.Min(data.Length, at + rng.Next(1, 200))..]];
                var junk = new byte[rng.Next(1, 64)];
                rng.NextBytes(junk);
                return [.. data[..at], .. junk, .. data[at..]];
        }
    }
}
