namespace TransferKit.Cli;

/// <summary>The exit codes of <c>transferkit</c>, stable for scripts (docs/cli.md lists them).</summary>
public static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Ok = 0;

    /// <summary>The command line is wrong (unknown command or option, missing argument, bad value); the usage error is printed.</summary>
    public const int Usage = 1;

    /// <summary>An input is missing or unusable: a path that does not exist, an empty or invalid image folder, a corrupt model or weights file, pretrained weights not found.</summary>
    public const int BadInput = 2;

    /// <summary>The work itself failed (training diverged into an error, a libtorch error, an I/O error while writing).</summary>
    public const int Failure = 3;

    /// <summary>Interrupted by Ctrl+C (SIGINT); <c>train</c> has written a checkpoint that <c>--resume</c> continues.</summary>
    public const int Cancelled = 130;
}
