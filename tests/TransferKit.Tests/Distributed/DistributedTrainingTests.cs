using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using TransferKit.Serialization;

namespace TransferKit.Tests.Distributed;

/// <summary>
/// Data-parallel training in child processes (tests/TransferKit.TestHost <c>ddp</c>, loopback only,
/// FileStore rendezvous): two ranks against one process on the combined batches, and a rank that dies.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DistributedTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tk-ddp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed record Rank(Process Process, ConcurrentQueue<string> Lines, Task<string> Stderr) : IDisposable
    {
        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill();
            Process.Dispose();
        }

        public string Output => string.Join("\n", Lines) + "\n" + (Stderr.IsCompleted ? Stderr.Result : "");
    }

    private Rank Start(string store, int rank, int world, params string[] extra)
    {
        var lines = new ConcurrentQueue<string>();
        var args = new[] { "ddp", store, rank.ToString(CultureInfo.InvariantCulture), world.ToString(CultureInfo.InvariantCulture), Weights(rank, world) }.Concat(extra);
        var process = TestHostProcess.Start(args, lines.Enqueue);
        return new Rank(process, lines, process.StandardError.ReadToEndAsync());
    }

    private string Weights(int rank, int world) => Path.Combine(_dir, $"weights-{world}-{rank}.pth");

    private static void WaitForExit(Rank rank, TimeSpan limit)
    {
        Assert.True(rank.Process.WaitForExit(limit), $"the rank did not finish in {limit}: {rank.Output}");
        rank.Process.WaitForExit(); // drains the redirected output
    }

    private static double[] Metrics(Rank rank)
    {
        string line = rank.Lines.Single(l => l.Contains(" metrics ", StringComparison.Ordinal));
        return line[(line.IndexOf(" metrics ", StringComparison.Ordinal) + 9)..].Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
    }

    [Fact]
    public void TwoRanksEndWithIdenticalWeightsEqualToOneProcessTrainingOnTheCombinedBatches()
    {
        string store = Path.Combine(_dir, "store");
        using var rank0 = Start(store, 0, 2);
        using var rank1 = Start(store, 1, 2);
        using var single = Start(Path.Combine(_dir, "single-store"), 0, 1);
        foreach (var r in new[] { rank0, rank1, single })
        {
            WaitForExit(r, TimeSpan.FromMinutes(5));
            Assert.True(r.Process.ExitCode == 0, $"exit code {r.Process.ExitCode}: {r.Output}");
        }

        using var w0 = TorchSerializer.LoadStateDict(Weights(0, 2));
        using var w1 = TorchSerializer.LoadStateDict(Weights(1, 2));
        using var reference = TorchSerializer.LoadStateDict(Weights(0, 1));
        Assert.Equal(reference.Keys, w0.Keys);
        double moved = 0;
        foreach (var (name, want) in reference)
        {
            Assert.Equal(w0[name].ToArray<float>(), w1[name].ToArray<float>()); // the ranks hold identical weights
            Assert.True(TensorDiff.MaxAbs(want, w0[name]) <= 1e-6, $"{name}: max |2 ranks - 1 process| = {TensorDiff.MaxAbs(want, w0[name])}");
        }
        // The comparison is only meaningful when training moved the weights away from rank 0's initial ones.
        using (var initial = TorchSerializer.LoadStateDict(Weights(0, 1) + ".initial.pth")) moved = initial.Max(p => TensorDiff.MaxAbs(p.Value, reference[p.Key]));
        Assert.True(moved > 1e-3, $"training changed the weights by at most {moved}");

        // Metrics are all-reduced: both ranks report those of the whole data, as the single process does.
        var (m0, m1, m) = (Metrics(rank0), Metrics(rank1), Metrics(single));
        Assert.Equal(m0, m1);
        for (int k = 0; k < m.Length; k++) Assert.True(Math.Abs(m[k] - m0[k]) <= 1e-5, $"metric {k}: 1 process {m[k]}, 2 ranks {m0[k]}");
        Assert.Equal(24, m0[3]); // validation samples of both ranks together
    }

    [Fact]
    public void AKilledRankMakesTheOtherFailWithAClearErrorWithinTheTimeout()
    {
        string store = Path.Combine(_dir, "store");
        using var survivor = Start(store, 0, 2, "--timeout-s", "30");
        using var victim = Start(store, 1, 2, "--hang-after-steps", "2", "--timeout-s", "30");
        var waited = Stopwatch.StartNew();
        while (!victim.Lines.Contains("rank 1 hanging"))
        {
            Assert.False(victim.Process.HasExited, $"rank 1 exited before hanging: {victim.Output}");
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(5), "rank 1 did not reach its second step in 5 minutes");
            Thread.Sleep(20);
        }
        victim.Process.Kill(); // SIGKILL: its sockets close without a word
        WaitForExit(survivor, TimeSpan.FromSeconds(90)); // the 30 s timeout, or sooner when the broken connection is noticed
        Assert.True(survivor.Process.ExitCode == 3, $"rank 0 exit code {survivor.Process.ExitCode}: {survivor.Output}");
        string failure = survivor.Lines.Single(l => l.StartsWith("rank 0 failed: ", StringComparison.Ordinal));
        Assert.True(failure.Length > "rank 0 failed: ".Length + 10, failure);
        Assert.False(File.Exists(Weights(0, 2)), "rank 0 must not have finished training");
    }
}
