using System.Text.Json;
using TransferKit.Data;
using TransferKit.Models;
using TransferKit.Serialization;

namespace TransferKit.Cli;

/// <summary>Turns an exception into an exit code and the one line printed on stderr (no stack trace).</summary>
public static class CliErrors
{
    /// <summary>The exit code for <paramref name="error"/>: <see cref="ExitCodes.BadInput"/> for problems with the inputs, <see cref="ExitCodes.Failure"/> otherwise.</summary>
    public static int ExitCodeFor(Exception error) => error switch
    {
        OperationCanceledException => ExitCodes.Cancelled,
        CliInputException or FileNotFoundException or DirectoryNotFoundException or CheckpointFormatException or DataFormatException
            or InvalidDataException or JsonException or KeyNotFoundException or UnauthorizedAccessException or ArgumentException => ExitCodes.BadInput,
        _ => ExitCodes.Failure,
    };

    /// <summary>One line describing <paramref name="error"/>: its message with line breaks folded (and its type when the message alone would be unclear).</summary>
    public static string OneLine(Exception error)
    {
        string message = string.Join(" ", error.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        bool known = ExitCodeFor(error) != ExitCodes.Failure || error is Engine.TorchException or IOException;
        return known ? message : $"{error.GetType().Name}: {message}";
    }
}

/// <summary>An input the command cannot use, found by the command itself (the message names it).</summary>
public sealed class CliInputException : Exception
{
    /// <summary>Creates the exception with its one-line message.</summary>
    public CliInputException(string message) : base(message) { }
}
