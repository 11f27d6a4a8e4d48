using TransferKit.Cli.Output;

namespace TransferKit.Cli;

/// <summary>
/// Runs a command's handler with the CLI's contract: Ctrl+C (SIGINT) cancels the handler's token
/// instead of killing the process (a second Ctrl+C kills it), and any exception becomes one line on
/// stderr and its exit code (<see cref="CliErrors"/>), never a stack trace.
/// </summary>
public static class CommandRunner
{
    /// <summary>Runs <paramref name="handler"/> and returns its exit code.</summary>
    public static int Run(Func<CancellationToken, int> handler)
    {
        using var cancellation = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (cancellation.IsCancellationRequested) return;  // a second Ctrl+C ends the process
            e.Cancel = true;
            Terminal.Note("cancelling (Ctrl+C again to kill)...");
            cancellation.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            return handler(cancellation.Token);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return ExitCodes.Cancelled;
        }
        catch (Exception e)
        {
            Terminal.Error(CliErrors.OneLine(e));
            if (Environment.GetEnvironmentVariable("TRANSFERKIT_DEBUG") is "1") Console.Error.WriteLine(e);
            return CliErrors.ExitCodeFor(e);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
