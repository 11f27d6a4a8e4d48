using System.Diagnostics;
using TransferKit.Serialization;

namespace TransferKit.Tests.Training;

/// <summary>
/// A FineTune run in a child process (tests/TransferKit.TestHost) is killed with SIGKILL after its
/// backbone was unfrozen, resumed in another child process from its checkpoint, and must end with
/// exactly the weights of an uninterrupted run (deterministic mode, one thread, same data order).
/// </summary>
[Trait("Category", "Integration")]
public sealed class KillAndResumeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tk-kill-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Process Start(params string[] args) => TestHostProcess.Start(args);

    private static void RunToEnd(params string[] args)
    {
        using var process = Start(args);
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "the test host did not finish in 5 minutes");
        Assert.True(process.ExitCode == 0, $"the test host failed ({process.ExitCode}): {stderr.Result}");
    }

    /// <summary>The checkpoint's epochs_done, or null while there is none (or it cannot be read yet).</summary>
    private static long? EpochsDone(string checkpoint)
    {
        if (!File.Exists(checkpoint)) return null;
        object? tree = null;
        try
        {
            tree = TorchSerializer.Load(checkpoint);
            return (long)((IReadOnlyDictionary<object, object?>)tree!)["epochs_done"]!;
        }
        catch (IOException)
        {
            return null;
        }
        finally
        {
            DisposeTree(tree);
        }
    }

    [Fact]
    public void KillingAFineTuneAfterItsUnfreezeAndResumingGivesBitIdenticalWeights()
    {
        string fullCheckpoint = Path.Combine(_dir, "full.pth"), fullWeights = Path.Combine(_dir, "full-weights.pth");
        RunToEnd("finetune", fullCheckpoint, fullWeights);

        string checkpoint = Path.Combine(_dir, "killed.pth"), weights = Path.Combine(_dir, "killed-weights.pth");
        using (var victim = Start("finetune", checkpoint, weights, "--hang-in-epoch", "4"))
        {
            // The backbone unfreezes at the start of epoch 3 (FreezeEpochs = 2). The host writes the
            // epoch-3 checkpoint, trains two batches of epoch 4 and stops there: kill -9 it then.
            var waited = Stopwatch.StartNew();
            while (EpochsDone(checkpoint) is not >= 3)
            {
                if (victim.HasExited) Assert.Fail($"the test host exited ({victim.ExitCode}: {victim.StandardError.ReadToEnd()}) before writing the epoch-3 checkpoint");
                Assert.True(waited.Elapsed < TimeSpan.FromMinutes(5), "no epoch-3 checkpoint after 5 minutes");
                Thread.Sleep(20);
            }
            Assert.False(victim.HasExited, "the run ended before it could be killed");
            victim.Kill(); // SIGKILL on Unix: no finally blocks, no flushing
            victim.WaitForExit();
        }
        Assert.False(File.Exists(weights), "the killed run must not have reached its end");

        var tree = (IReadOnlyDictionary<object, object?>)TorchSerializer.Load(checkpoint)!;
        try
        {
            Assert.Equal(3L, tree["epochs_done"]);
            Assert.Equal(0L, tree["batches_done"]); // the two batches of epoch 4 are lost with the process
            var unfreezing = (IReadOnlyDictionary<object, object?>)((IReadOnlyDictionary<object, object?>)tree["callbacks"]!)["fine_tune_unfreezing"]!;
            Assert.Equal(3L, unfreezing["unfroze_at_epoch"]);
            var groups = (IList<object?>)((IReadOnlyDictionary<object, object?>)tree["optimizer"]!)["groups"]!;
            Assert.True(groups.Count > 1, "the checkpoint must hold the backbone's parameter groups added at the unfreeze");
            Assert.Empty((IList<object?>)tree["frozen"]!);
        }
        finally
        {
            DisposeTree(tree);
        }

        RunToEnd("finetune", checkpoint, weights, "--resume");

        using var expected = TorchSerializer.LoadStateDict(fullWeights);
        using var actual = TorchSerializer.LoadStateDict(weights);
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (name, want) in expected)
        {
            var got = actual[name];
            Assert.Equal(want.Shape, got.Shape);
            Assert.Equal(want.Dtype, got.Dtype);
            using var wantBytes = want.Contiguous();
            using var gotBytes = got.Contiguous();
            Assert.True(Bits(wantBytes).SequenceEqual(Bits(gotBytes)), $"{name} differs between the uninterrupted and the killed-and-resumed run");
        }
    }

    private static byte[] Bits(Tensor t)
    {
        if (t.Dtype == ScalarType.Float32) return t.ToArray<float>().SelectMany(BitConverter.GetBytes).ToArray();
        if (t.Dtype == ScalarType.Int64) return t.ToArray<long>().SelectMany(BitConverter.GetBytes).ToArray();
        using var wide = t.To(ScalarType.Float64);
        return wide.ToArray<double>().SelectMany(BitConverter.GetBytes).ToArray();
    }

    private static void DisposeTree(object? node)
    {
        switch (node)
        {
            case Tensor t: t.Dispose(); break;
            case IReadOnlyDictionary<object, object?> d: foreach (var v in d.Values) DisposeTree(v); break;
            case IList<object?> l: foreach (var v in l) DisposeTree(v); break;
        }
    }
}
