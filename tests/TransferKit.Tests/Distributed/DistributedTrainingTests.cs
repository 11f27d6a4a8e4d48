using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using TransferKit.Serialization;

namespace TransferKit.Tests.Distributed;

/// <summary>
/// Data-parallel training in child processes (tests/TransferKit.TestHost <c>ddp</c>, loopback only,
/// FileStore rendezvous): two ranks against one process on the combined batches, a rank that dies,
/// and checkpoints written by rank 0 that resume on another world size.
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

    private Rank Start(string store, int rank, int world, params string[] extra) => StartRun("", store, rank, world, extra);

    /// <summary>Starts one rank of the run named <paramref name="run"/> (its weights go to <see cref="Weights"/> of that run).</summary>
    private Rank StartRun(string run, string store, int rank, int world, params string[] extra)
    {
        var lines = new ConcurrentQueue<string>();
        var args = new[] { "ddp", store, rank.ToString(CultureInfo.InvariantCulture), world.ToString(CultureInfo.InvariantCulture), Weights(rank, world, run) }.Concat(extra);
        var process = TestHostProcess.Start(args, lines.Enqueue);
        return new Rank(process, lines, process.StandardError.ReadToEndAsync());
    }

    private string Weights(int rank, int world, string run = "") => Path.Combine(_dir, $"{run}weights-{world}-{rank}.pth");

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

    /// <summary>Runs the ranks of one run to the end and checks that each exited with 0.</summary>
    private static void Finish(params Rank[] ranks)
    {
        foreach (var r in ranks)
        {
            WaitForExit(r, TimeSpan.FromMinutes(5));
            Assert.True(r.Process.ExitCode == 0, $"exit code {r.Process.ExitCode}: {r.Output}");
        }
    }

    /// <summary>The resumed rank trained epochs 3 and 4 ("rank R epoch E" lines) and its history holds all 4 epochs.</summary>
    private static void AssertContinuedAfterEpoch2(Rank rank, int index)
    {
        var trained = rank.Lines.Where(l => l.StartsWith($"rank {index} epoch ", StringComparison.Ordinal))
            .Select(l => int.Parse(l[$"rank {index} epoch ".Length..], CultureInfo.InvariantCulture));
        Assert.Equal(new[] { 3, 4 }, trained);
        Assert.Equal($"rank {index} history 4", rank.Lines.Single(l => l.StartsWith($"rank {index} history ", StringComparison.Ordinal)));
    }

    /// <summary>
    /// One process trains 4 epochs uninterrupted: the reference for a run checkpointed after epoch 2
    /// on one world size and resumed for epochs 3 and 4 on another (2 ranks and 1 process train the
    /// same model on the same batches, as the equivalence test shows).
    /// </summary>
    private string Uninterrupted()
    {
        using var reference = StartRun("uninterrupted-", Path.Combine(_dir, "reference-store"), 0, 1, "--epochs", "4");
        Finish(reference);
        return Weights(0, 1, "uninterrupted-");
    }

    /// <summary>Final weights of a resumed run equal (within <paramref name="tolerance"/>) those of the uninterrupted one, which moved in epochs 3 and 4.</summary>
    private void AssertResumedLikeUninterrupted(string resumed, string uninterrupted, string checkpointedAfterEpoch2, double tolerance)
    {
        using var got = TorchSerializer.LoadStateDict(resumed);
        using var want = TorchSerializer.LoadStateDict(uninterrupted);
        using var atEpoch2 = TorchSerializer.LoadStateDict(checkpointedAfterEpoch2);
        Assert.Equal(want.Keys, got.Keys);
        foreach (var (name, w) in want)
            Assert.True(TensorDiff.MaxAbs(w, got[name]) <= tolerance, $"{name}: max |resumed - uninterrupted| = {TensorDiff.MaxAbs(w, got[name])}");
        // Epochs 3 and 4 changed the weights far more than the tolerance: the comparison checks that they were trained
        // from the checkpoint's weights with its optimizer state (SGD momentum buffers), not only that they were loaded.
        double moved = atEpoch2.Max(p => TensorDiff.MaxAbs(p.Value, want[p.Key]));
        Assert.True(moved > 1e3 * tolerance, $"epochs 3 and 4 changed the weights by at most {moved}");
    }

    [Fact]
    public void ACheckpointWrittenByRankZeroOfTwoResumesInOneProcessAtTheNextEpoch()
    {
        string[] checkpoints = { Path.Combine(_dir, "rank0.ckpt"), Path.Combine(_dir, "rank1.ckpt") };
        string store = Path.Combine(_dir, "store");
        using (var rank0 = StartRun("first-", store, 0, 2, "--checkpoint", checkpoints[0]))
        using (var rank1 = StartRun("first-", store, 1, 2, "--checkpoint", checkpoints[1]))
            Finish(rank0, rank1);
        Assert.True(File.Exists(checkpoints[0]), "rank 0 wrote no checkpoint");
        Assert.False(File.Exists(checkpoints[1]), "rank 1 wrote a checkpoint: only rank 0 may write one");

        using var resumed = StartRun("resumed-", Path.Combine(_dir, "single-store"), 0, 1, "--epochs", "4", "--resume", checkpoints[0]);
        Finish(resumed);
        AssertContinuedAfterEpoch2(resumed, 0);

        AssertResumedLikeUninterrupted(Weights(0, 1, "resumed-"), Uninterrupted(), Weights(0, 2, "first-"), 1e-5);
    }

    [Fact]
    public void ACheckpointOfOneProcessResumesOnTwoRanksAtTheNextEpoch()
    {
        string checkpoint = Path.Combine(_dir, "single.ckpt");
        using (var first = StartRun("first-", Path.Combine(_dir, "single-store"), 0, 1, "--checkpoint", checkpoint))
            Finish(first);

        string store = Path.Combine(_dir, "store");
        using var rank0 = StartRun("resumed-", store, 0, 2, "--epochs", "4", "--resume", checkpoint);
        using var rank1 = StartRun("resumed-", store, 1, 2, "--epochs", "4", "--resume", checkpoint);
        Finish(rank0, rank1);
        AssertContinuedAfterEpoch2(rank0, 0);
        AssertContinuedAfterEpoch2(rank1, 1);

        using (var w0 = TorchSerializer.LoadStateDict(Weights(0, 2, "resumed-")))
        using (var w1 = TorchSerializer.LoadStateDict(Weights(1, 2, "resumed-")))
            foreach (var (name, w) in w0) Assert.Equal(w.ToArray<float>(), w1[name].ToArray<float>());
        AssertResumedLikeUninterrupted(Weights(0, 2, "resumed-"), Uninterrupted(), Weights(0, 1, "first-"), 1e-5);
    }
}
