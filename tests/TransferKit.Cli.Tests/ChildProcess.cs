using System.Diagnostics;
using System.Text;

namespace TransferKit.Cli.Tests;

/// <summary>What a finished child process printed and returned.</summary>
public sealed record ProcessResult(string Command, int ExitCode, string StdOut, string StdErr)
{
    /// <summary>The non-empty stderr lines.</summary>
    public string[] ErrorLines => StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"`{Command}` exited with {ExitCode}\n--- stdout\n{StdOut}\n--- stderr\n{StdErr}";
}

/// <summary>Runs child processes (dotnet, the installed tool) with captured output and a 10-minute guard.</summary>
public sealed class ChildProcess : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(10);
    private readonly Process _process;
    private readonly StringBuilder _out = new(), _err = new();
    private readonly string _command;

    private ChildProcess(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments) info.ArgumentList.Add(a);
        // No telemetry banners or first-run messages in the captured output.
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        if (environment is not null)
            foreach (var (key, value) in environment) info.Environment[key] = value;
        _command = $"{fileName} {string.Join(" ", info.ArgumentList)}";
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_out) _out.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_err) _err.AppendLine(e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public string StdOutSoFar { get { lock (_out) return _out.ToString(); } }

    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null) =>
        new(fileName, arguments, workingDirectory, environment);

    /// <summary>Runs to the end and returns the result.</summary>
    public static ProcessResult Run(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var child = Start(fileName, arguments, workingDirectory, environment);
        return child.WaitForExit();
    }

    /// <summary>Runs and fails the test, with everything printed, unless the exit code is 0.</summary>
    public static ProcessResult RunOk(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var result = Run(fileName, arguments, workingDirectory, environment);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    public ProcessResult WaitForExit()
    {
        if (!_process.WaitForExit(Guard))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{_command}` did not finish within {Guard}; output so far:\n{StdOutSoFar}");
        }
        _process.WaitForExit();  // flushes the asynchronous readers
        lock (_out) lock (_err) return new ProcessResult(_command, _process.ExitCode, _out.ToString(), _err.ToString());
    }

    /// <summary>Sends SIGINT, as Ctrl+C in a terminal does.</summary>
    public void Interrupt() => RunOk("kill", new[] { "-INT", Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, Path.GetTempPath());

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
