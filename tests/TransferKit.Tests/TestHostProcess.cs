using System.Diagnostics;

namespace TransferKit.Tests;

/// <summary>Starts tests/TransferKit.TestHost as a child process (built beside this test assembly).</summary>
internal static class TestHostProcess
{
    /// <summary>The test host's dll, built beside this test assembly (same configuration and framework).</summary>
    public static string HostPath()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = testBin.Name, configuration = testBin.Parent!.Name;
        var testsDir = testBin.Parent!.Parent!.Parent!.Parent!; // tests/TransferKit.Tests/bin/<config>/<tfm>
        return Path.Combine(testsDir.FullName, "TransferKit.TestHost", "bin", configuration, framework, "TransferKit.TestHost.dll");
    }

    /// <summary>
    /// Starts the host with <paramref name="args"/>, standard error redirected; standard output is
    /// passed line by line to <paramref name="onOutput"/> (or discarded).
    /// </summary>
    public static Process Start(IEnumerable<string> args, Action<string>? onOutput = null)
    {
        string host = HostPath();
        Assert.True(File.Exists(host), $"{host} is missing: build the solution (dotnet build TransferKit.sln), which builds the test host.");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(host);
        foreach (var a in args) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null) onOutput?.Invoke(e.Data);
        };
        process.BeginOutputReadLine();
        return process;
    }
}
