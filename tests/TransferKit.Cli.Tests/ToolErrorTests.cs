using TransferKit.Tests.Transfer;

namespace TransferKit.Cli.Tests;

/// <summary>
/// What scripts rely on from the installed tool: bad inputs give exactly one line on stderr (no
/// stack trace) and exit code 2, usage errors exit code 1, and Ctrl+C writes a checkpoint, exits
/// with 130, and `--resume` finishes the run from it.
/// </summary>
[Trait("Category", "Integration")]
[Collection(PackagesCollection.Name)]
public sealed class ToolErrorTests(PackedPackages packages)
{
    [Fact]
    public void AMissingFolderAnEmptyFolderAndACorruptModelGiveOneLineAndExitCodeTwo()
    {
        string work = packages.NewFolder("errors");
        string missing = Path.Combine(work, "no-such-folder");
        string empty = Directory.CreateDirectory(Path.Combine(work, "empty")).FullName;
        string corrupt = Path.Combine(work, "corrupt.tkmodel");
        var bytes = new byte[4096];
        new Random(5).NextBytes(bytes);
        File.WriteAllBytes(corrupt, bytes);
        string image = Path.Combine(work, "image.png");
        File.WriteAllBytes(image, ImageFolderFixture.Png(bright: true, new Random(1)));

        var cases = new (string[] Arguments, string Names)[]
        {
            (["train", missing, .. PackedPackages.SmallModel], missing),
            (["train", empty, .. PackedPackages.SmallModel], empty),
            (["predict", corrupt, image], "corrupt.tkmodel"),
            (["export", corrupt, "--onnx", Path.Combine(work, "out.onnx")], "corrupt.tkmodel"),
            (["info", corrupt], "corrupt.tkmodel"),
            (["train", empty, .. PackedPackages.SmallModel, "--out", Path.Combine(missing, "model.tkmodel")], missing),
            (["predict", Path.Combine(work, "missing.tkmodel"), image], "missing.tkmodel"),
        };
        foreach (var (arguments, names) in cases)
        {
            var run = packages.RunTool(work, arguments);
            Assert.True(run.ExitCode == 2, run.ToString());
            string line = Assert.Single(run.ErrorLines);
            Assert.StartsWith("transferkit: error: ", line);
            Assert.Contains(names, line);
            Assert.DoesNotContain("   at ", run.StdErr);  // no stack frames
            Assert.True(run.StdOut.Trim().Length == 0, run.ToString());  // nothing started
        }
        Assert.False(File.Exists(Path.Combine(work, "out.onnx")));
    }

    [Fact]
    public void UsageErrorsExitWithCodeOne()
    {
        string work = packages.NewFolder("usage");
        Assert.Equal(1, packages.RunTool(work, "no-such-command").ExitCode);
        Assert.Equal(1, packages.RunTool(work, "train", work, "--epochs", "many").ExitCode);
        Assert.Equal(1, packages.RunTool(work, "export", "model.tkmodel").ExitCode);  // --onnx is required
        Assert.Equal(0, packages.RunTool(work, "--help").ExitCode);
    }

    [Fact]
    public void CtrlCWritesACheckpointExitsWith130AndResumeFinishesTheRun()
    {
        using var images = new ImageFolderFixture(trainValSplit: false, perClass: 16);
        string work = packages.NewFolder("cancel");
        // Long enough (0.1 s an epoch) that the interrupt lands well before the end.
        string[] arguments = ["train", images.Root, .. PackedPackages.SmallModel, "--epochs", "80", "--out", "model.tkmodel"];
        string checkpoint = Path.Combine(work, "model.tkmodel.ckpt");

        ProcessResult cancelled;
        // Through `env --default-signal=INT`: a process started in the background (nohup, a CI runner's
        // non-interactive shell) inherits SIGINT ignored, and .NET then installs no Ctrl+C handler in the
        // tool, so kill -INT would do nothing. A user's terminal never ignores it; env restores that.
        using (var run = ChildProcess.Start("/usr/bin/env", ["--default-signal=INT", packages.Tool, .. arguments], work))
        {
            // Wait for the first epoch (and so the first checkpoint), then press Ctrl+C.
            var until = DateTime.UtcNow.AddMinutes(10);
            while (!run.StdOutSoFar.Contains("epoch 2/81", StringComparison.Ordinal) && DateTime.UtcNow < until) Thread.Sleep(50);
            run.Interrupt();
            cancelled = run.WaitForExit();
        }
        Assert.True(cancelled.ExitCode == 130, cancelled.ToString());
        Assert.Contains("--resume", cancelled.StdErr);
        Assert.True(File.Exists(checkpoint), cancelled.ToString());
        Assert.False(File.Exists(Path.Combine(work, "model.tkmodel")));
        int lastEpoch = cancelled.StdOut.Split('\n').Count(l => l.StartsWith("epoch ", StringComparison.Ordinal));

        var resumed = packages.RunTool(work, [.. arguments, "--resume"]);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        var epochs = resumed.StdOut.Split('\n').Where(l => l.StartsWith("epoch ", StringComparison.Ordinal)).ToList();
        Assert.StartsWith($"epoch {lastEpoch + 1}/81 ", epochs[0]);  // continues, does not start over
        Assert.StartsWith("epoch 81/81 ", epochs[^1]);
        Assert.True(File.Exists(Path.Combine(work, "model.tkmodel")));
        Assert.False(File.Exists(checkpoint));
    }
}
