using TransferKit.Tests.Fixtures;
using System.Diagnostics;
using TransferKit.Serialization;
using Xunit.Abstractions;
using TransferKit.Engine;

namespace TransferKit.Tests.Serialization;

/// <summary>
/// Randomly damaged copies of real files (written by PyTorch) either load with exactly the original
/// values or raise <see cref="CheckpointFormatException"/>: never another exception, a crash or a hang.
/// Seeds are fixed, so a failure names a reproducible case.
/// </summary>
[Trait("Category", "Parity")]
public class CorruptionTests(ITestOutputHelper output)
{
    /// <summary>A guard against a hang only, far above any machine's time (no timing is asserted).</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    private enum Outcome { Loaded, Rejected }

    /// <summary>One of several kinds of damage at a random place (biased towards headers and the end).</summary>
    private static (byte[] Bytes, string What) Mutate(byte[] original, Random rng, int hotPrefix = 0)
    {
        var b = (byte[])original.Clone();
        int Pos() => rng.Next(4) switch
        {
            0 when hotPrefix > 0 => rng.Next(Math.Min(hotPrefix, b.Length)),
            1 => Math.Max(0, b.Length - 1 - rng.Next(Math.Min(256, b.Length))),
            _ => rng.Next(b.Length),
        };
        switch (rng.Next(6))
        {
            case 0:
            {
                int n = rng.Next(1, 5);
                var at = new List<int>();
                for (int k = 0; k < n; k++) { int p = Pos(); at.Add(p); b[p] ^= (byte)rng.Next(1, 256); }
                return (b, $"flip bytes at {string.Join(",", at)}");
            }
            case 1:
            {
                int p = Pos(), n = Math.Min(rng.Next(1, 17), b.Length - p);
                rng.NextBytes(b.AsSpan(p, n));
                return (b, $"random {n} bytes at {p}");
            }
            case 2:
            {
                int n = rng.Next(b.Length);
                return (b[..n], $"truncate to {n}");
            }
            case 3:
            {
                int p = Pos(), n = Math.Min(rng.Next(1, 64), b.Length - p);
                return ([.. b[..p], .. b[(p + n)..]], $"delete {n} at {p}");
            }
            case 4:
            {
                int p = Pos();
                var junk = new byte[rng.Next(1, 32)];
                rng.NextBytes(junk);
                return ([.. b[..p], .. junk, .. b[p..]], $"insert {junk.Length} at {p}");
            }
            default:
            {
                int p = Pos(), n = Math.Min(rng.Next(1, 9), b.Length - p);
                b.AsSpan(p, n).Fill(rng.Next(2) == 0 ? (byte)0 : (byte)0xFF);
                return (b, $"fill {n} at {p}");
            }
        }
    }

    /// <summary>Loads each case; any exception other than CheckpointFormatException fails, with the case named.</summary>
    private Dictionary<Outcome, int> Run(int cases, int seed, Func<Random, (byte[] Bytes, string What)> make, Action<Stream, string> load)
    {
        var counts = new Dictionary<Outcome, int> { [Outcome.Loaded] = 0, [Outcome.Rejected] = 0 };
        var failures = new List<string>();
        var watch = Stopwatch.StartNew();
        var work = Task.Run(() =>
        {
            var rng = new Random(seed);
            for (int k = 0; k < cases; k++)
            {
                var (bytes, what) = make(rng);
                using var scope = Torch.NewDisposeScope();
                try
                {
                    load(new MemoryStream(bytes, writable: false), $"case{k}.pth");
                    counts[Outcome.Loaded]++;
                }
                catch (CheckpointFormatException e)
                {
                    counts[Outcome.Rejected]++;
                    if (!e.Message.Contains($"case{k}.pth", StringComparison.Ordinal)) failures.Add($"case {k} ({what}): message lacks the file name: {e.Message}");
                }
                catch (Exception e)
                {
                    failures.Add($"case {k} ({what}): {e.GetType().Name}: {e.Message}");
                }
            }
        });
        Assert.True(work.Wait(Limit), $"the corruption cases did not finish in {Limit} (a hang?)");
        output.WriteLine($"{cases} cases in {watch.Elapsed.TotalSeconds:F1} s: {counts[Outcome.Rejected]} rejected, {counts[Outcome.Loaded]} loaded");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(20)));
        return counts;
    }

    private static Action<Stream, string> LoadAndCompareWith(byte[] original)
    {
        using var reference = TorchSerializer.LoadStateDict(new MemoryStream(original));
        var expected = reference.ToDictionary(kv => kv.Key, kv => TensorExpectations.RawBytes(kv.Value));
        return (stream, name) =>
        {
            using var sd = TorchSerializer.LoadStateDict(stream, name);
            // Loading anyway is acceptable only if the data is intact (damage in unused zip fields).
            Assert.Equal(expected.Keys, sd.Keys);
            foreach (var (key, t) in sd) Assert.Equal(expected[key], TensorExpectations.RawBytes(t));
        };
    }

    [PyTorchFact]
    public void DamagedZipFilesAreRejectedOrIntact()
    {
        byte[] original = File.ReadAllBytes(SerializationFixtures.Fixtures.PathOf("fuzz_base_zip.pth"));
        var counts = Run(1000, 1, rng => Mutate(original, rng, hotPrefix: 512), LoadAndCompareWith(original));
        Assert.True(counts[Outcome.Rejected] > 800, "the damage was rarely detected");
    }

    [PyTorchFact]
    public void DamagedPicklesInsideValidZipsAreRejectedOrLoad()
    {
        // Rebuilt with correct CRCs, so the damage reaches the unpickler instead of the checksum.
        byte[] original = File.ReadAllBytes(SerializationFixtures.Fixtures.PathOf("fuzz_base_zip.pth"));
        byte[] pickle = PickleBytes.Entry(original, "/data.pkl");
        Run(300, 2, rng =>
        {
            var (damaged, what) = Mutate(pickle, rng);
            return (PickleBytes.RewriteZip(original, (name, data) => name.EndsWith("/data.pkl", StringComparison.Ordinal) ? damaged : data), what);
        }, (stream, name) => TorchSerializer.Load(stream, name));
    }

    [PyTorchFact]
    public void DamagedLegacyFilesAreRejectedOrLoad()
    {
        // No checksums in this format: damaged tensor bytes load as different numbers, as in PyTorch.
        byte[] original = File.ReadAllBytes(SerializationFixtures.Fixtures.PathOf("fuzz_base_legacy.pth"));
        var counts = Run(150, 3, rng => Mutate(original, rng, hotPrefix: 4096), (stream, name) => TorchSerializer.Load(stream, name));
        Assert.True(counts[Outcome.Rejected] > 30, "the damage was rarely detected");
    }

    [PyTorchFact]
    public void DamagedSafeTensorsFilesAreRejectedOrLoad()
    {
        byte[] original = File.ReadAllBytes(SerializationFixtures.Fixtures.PathOf("model.safetensors"));
        Run(100, 4, rng => Mutate(original, rng, hotPrefix: 700), (stream, name) => SafeTensors.Load(stream, name));
    }

    [PyTorchFact(NeedsSharedWeights = true)]
    public void DamagedResnet18IsRejectedOrIntact()
    {
        // The real 45 MB checkpoint: fewer cases, each a full load.
        byte[] original = File.ReadAllBytes(SerializationFixtures.WeightsPath);
        Run(20, 6, rng => Mutate(original, rng, hotPrefix: 16384), LoadAndCompareWith(original));
    }

    [Fact]
    public void DamagedFilesLoadedIntoAModuleAreRejectedOrIntact()
    {
        // LoadStateDictInto reads records straight into the parameters: damage must still be
        // refused (or the values be exactly the file's), whatever part of the file it hits.
        using var source = new TransferKit.NN.Sequential(new TransferKit.NN.Linear(3, 4), new TransferKit.NN.BatchNorm1d(4), new TransferKit.NN.Linear(4, 2));
        var expected = source.StateDict();
        var stream = new MemoryStream();
        TorchSerializer.SaveStateDict(stream, expected);
        byte[] original = stream.ToArray();
        var expectedBytes = expected.ToDictionary(kv => kv.Key, kv => TensorExpectations.RawBytes(kv.Value));
        foreach (var t in expected.Values) t.Dispose();
        string dir = Directory.CreateTempSubdirectory("tk-corrupt-into-").FullName;
        try
        {
            using var target = new TransferKit.NN.Sequential(new TransferKit.NN.Linear(3, 4), new TransferKit.NN.BatchNorm1d(4), new TransferKit.NN.Linear(4, 2));
            Run(150, 7, rng => Mutate(original, rng, hotPrefix: 1024), (input, name) =>
            {
                string path = Path.Combine(dir, name);
                using (var file = File.Create(path)) input.CopyTo(file);
                TorchSerializer.LoadStateDictInto(target, path);
                var loaded = target.StateDict();
                try
                {
                    foreach (var (key, t) in loaded) Assert.Equal(expectedBytes[key], TensorExpectations.RawBytes(t));
                }
                finally
                {
                    foreach (var t in loaded.Values) t.Dispose();
                }
            });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void DamagedFilesWrittenByTransferKitAreRejectedOrIntact()
    {
        // Runs without Python too.
        using var sd = TestTensors.AllKinds();
        var stream = new MemoryStream();
        TorchSerializer.SaveStateDict(stream, sd);
        byte[] original = stream.ToArray();
        Run(150, 5, rng => Mutate(original, rng, hotPrefix: 1024), LoadAndCompareWith(original));
    }
}
