using System.CommandLine;
using TransferKit.Reports;
using TransferKit.Training;

namespace TransferKit.Cli.Commands;

/// <summary>
/// The <c>--report report.html</c> option of <c>train</c> and <c>lr-find</c>: one self-contained
/// HTML report (TransferKit.Reports) with the curves, confusion matrix, per-class metrics, a sample
/// batch, the run's settings and the machine; for <c>lr-find</c>, the learning-rate curve.
/// </summary>
public static class ReportHook
{
    /// <summary>Creates the --report option (one per command).</summary>
    public static Option<string?> CreateOption() => new("--report") { Description = "Write an HTML report (one self-contained file) to this path." };

    /// <summary>The report callback for a training run, or null when no report was asked for.</summary>
    /// <param name="path">The report file, or null for none.</param>
    /// <param name="architecture">The model's architecture (for the title).</param>
    /// <param name="folder">The image folder (for the title).</param>
    /// <param name="settings">The command line's settings to list.</param>
    /// <param name="heldOut">The run's validation images, evaluated at the end for the top losses; null for none.</param>
    public static HtmlReportCallback? ForTraining(string? path, string architecture, string folder, IReadOnlyDictionary<string, string> settings, HeldOutImages? heldOut)
    {
        if (path is null) return null;
        CheckFolder(path);
        return new HtmlReportCallback(path, new HtmlReportOptions
        {
            Title = $"transferkit train: {architecture} on {Path.GetFileName(Path.GetFullPath(folder).TrimEnd('/'))}",
            Settings = settings,
            EvaluationData = heldOut,
        });
    }

    /// <summary>Writes the learning-rate finder's report to <paramref name="path"/>.</summary>
    public static void WriteLearningRateFinder(string path, string architecture, LearningRateFinderResult result)
    {
        CheckFolder(path);
        var report = new TrainingReport { Title = $"transferkit lr-find: {architecture}", Status = RunStatus.Completed };
        result.AddTo(report);
        report.Save(path);
    }

    private static void CheckFolder(string path)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder)) throw new CliInputException($"the folder of the report {Path.GetFullPath(path)} does not exist");
    }
}
