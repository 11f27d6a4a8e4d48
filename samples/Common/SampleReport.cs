using TransferKit.Data;
using TransferKit.Reports;

/// <summary>
/// The HTML training report each sample writes (TransferKit.Reports): <c>&lt;name&gt;-report.html</c>
/// in the given folder (default: the current directory), with the final model's top losses on the
/// evaluation data.
/// </summary>
internal static class SampleReport
{
    public static HtmlReportCallback Create(string name, string title, IEnumerable<Batch>? evaluation,
        IReadOnlyDictionary<string, string>? settings = null, ExampleRenderer? renderer = null, IReadOnlyList<string>? classNames = null, string? folder = null)
    {
        string path = Path.Combine(folder ?? Environment.CurrentDirectory, $"{name}-report.html");
        Console.WriteLine($"Training report: {path} (rewritten after every epoch)");
        return new HtmlReportCallback(path, new HtmlReportOptions
        {
            Title = title,
            EvaluationData = evaluation,
            Settings = settings,
            Renderer = renderer,
            ClassNames = classNames,
        });
    }
}
