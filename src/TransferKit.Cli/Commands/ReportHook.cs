using System.CommandLine;
using TransferKit.Training;

namespace TransferKit.Cli.Commands;

/// <summary>
/// The <c>--report report.html</c> option of <c>train</c>. The HTML report comes from the
/// TransferKit.Reports package, which is not part of this build yet: the option is refused with
/// one clear line rather than ignored.
/// </summary>
public static class ReportHook
{
    /// <summary>--report.</summary>
    public static Option<string?> Option { get; } = new("--report") { Description = "Write an HTML training report (needs TransferKit.Reports)." };

    /// <summary>Adds the option.</summary>
    public static void AddTo(Command command) => command.Add(Option);

    /// <summary>The report callback for the run, or null when no report was asked for.</summary>
    public static TrainerCallback? Create(ParseResult parse, string architecture, string folder)
    {
        if (parse.GetValue(Option) is null) return null;
        throw new CliInputException("--report needs TransferKit.Reports, which this build of transferkit does not include");
    }
}
