using System.CommandLine;
using System.CommandLine.Help;
using TransferKit.Cli.Commands;

namespace TransferKit.Cli;

/// <summary>The <c>transferkit</c> command line: one subcommand per file under Commands/.</summary>
public static class CliApp
{
    /// <summary>
    /// Builds the root command with every subcommand. It is named <c>transferkit</c> (the tool's
    /// command name) rather than after the executable, as a <see cref="RootCommand"/> would be.
    /// </summary>
    public static Command Create() => new("transferkit", "TransferKit: fine-tune image classifiers, predict, export to ONNX and inspect model files.")
    {
        new HelpOption(),
        new VersionOption(),
        TrainCommand.Create(),
        PredictCommand.Create(),
        ExportCommand.Create(),
        InfoCommand.Create(),
        LrFindCommand.Create(),
    };

    /// <summary>Parses <paramref name="args"/>, runs the command and returns the exit code (see <see cref="ExitCodes"/>).</summary>
    public static int Run(string[] args)
    {
        var parse = Create().Parse(args);
        // Ctrl+C is the handlers' own (CommandRunner); exceptions are turned into one line there too.
        return parse.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
    }
}
