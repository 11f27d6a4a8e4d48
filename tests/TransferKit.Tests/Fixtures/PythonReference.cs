using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace TransferKit.Tests.Fixtures;

/// <summary>
/// Runs reference computations in real PyTorch (Debian's python3-torch, at /usr/bin/python3) and
/// caches their output files outside git, keyed by the script's content, so parity tests compare
/// TransferKit with PyTorch itself and not with numbers typed into the test.
/// </summary>
internal static class PythonReference
{
    /// <summary>Debian's interpreter with python3-torch: /usr/bin/python3 unless TRANSFERKIT_PYTHON names another.</summary>
    public static string Interpreter =>
        Environment.GetEnvironmentVariable("TRANSFERKIT_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";

    /// <summary>The trained resnet18 written by PyTorch (TRANSFERKIT_RESNET18_PTH overrides).</summary>
    public static string SharedWeightsPath =>
        Environment.GetEnvironmentVariable("TRANSFERKIT_RESNET18_PTH") is { Length: > 0 } p ? p : Path.Combine(SharedFolder.Path, "weights", "resnet18_flowers5.pth");

    private static readonly Lazy<string?> UnavailableReason = new(Probe);

    /// <summary>Why PyTorch cannot be used here, or null when it can.</summary>
    public static string? WhyUnavailable => UnavailableReason.Value;

    private static string? Probe()
    {
        if (!File.Exists(Interpreter))
            return $"{Interpreter} not found: install python3-torch (bash scripts/setup.sh --python)";
        try
        {
            var (code, output) = Run(new[] { "-c", "import torch, torchvision, numpy; print(torch.__version__)" }, Directory.GetCurrentDirectory(), TimeSpan.FromMinutes(2));
            return code == 0 ? null : $"PyTorch is not importable by {Interpreter}: {output.Trim()}";
        }
        catch (Exception e)
        {
            return $"could not start {Interpreter}: {e.Message}";
        }
    }

    /// <summary>The fixture script's path in the test output folder.</summary>
    public static string ScriptPath(string scriptName) => Path.Combine(AppContext.BaseDirectory, "Fixtures", scriptName);

    /// <summary>How long a cache folder of an older script version is kept after its last use.</summary>
    private static readonly TimeSpan StaleAfter = TimeSpan.FromHours(1);

    /// <summary>
    /// Runs <paramref name="scriptName"/> (from Fixtures/) with an output folder as its first
    /// argument, once per script content and arguments; returns that folder. Folders that an older
    /// version of the script produced are removed once unused for an hour (some hold hundreds of
    /// megabytes of weights; the delay spares a concurrent run of another checkout).
    /// </summary>
    public static string Fixture(string scriptName, params string[] extraArgs)
    {
        string script = ScriptPath(scriptName);
        string text = File.ReadAllText(script);
        string scriptHash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text + string.Join("\0", extraArgs))))[..16];
        string root = Path.Combine(Path.GetTempPath(), "transferkit-fixtures");
        string prefix = Path.GetFileNameWithoutExtension(scriptName) + "-";
        string dir = Path.Combine(root, prefix + key);
        string done = Path.Combine(dir, ".complete");
        if (MarkUsed(done)) return dir;
        lock (typeof(PythonReference))
        {
            if (MarkUsed(done)) return dir;
            string staging = dir + ".tmp-" + Environment.ProcessId;
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            Directory.CreateDirectory(staging);
            var (code, output) = Run(new[] { script, staging }.Concat(extraArgs), staging, TimeSpan.FromMinutes(10));
            if (code != 0) throw new InvalidOperationException($"Fixture script {scriptName} failed (exit {code}):\n{output}");
            File.WriteAllText(Path.Combine(staging, ".script"), scriptHash);
            File.WriteAllText(Path.Combine(staging, ".complete"), DateTime.UtcNow.ToString("O"));
            // Another test process (another checkout's run) may finish the same folder meanwhile:
            // its complete folder is then kept and used (deleting it could pull files from under
            // that process's tests), and this copy is dropped.
            if (Directory.Exists(dir) && !File.Exists(done)) Directory.Delete(dir, recursive: true);
            try
            {
                Directory.Move(staging, dir);
            }
            catch (IOException) when (File.Exists(done))
            {
                Directory.Delete(staging, recursive: true);
            }
            RemoveStale(root, prefix, scriptHash);
            return dir;
        }
    }

    /// <summary>True when the folder is complete; then records the use (its marker's time).</summary>
    private static bool MarkUsed(string done)
    {
        if (!File.Exists(done)) return false;
        try
        {
            File.SetLastWriteTimeUtc(done, DateTime.UtcNow);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return true;
    }

    /// <summary>Deletes this script's folders that another script version produced and nobody used for <see cref="StaleAfter"/>.</summary>
    private static void RemoveStale(string root, string prefix, string scriptHash)
    {
        foreach (var folder in Directory.GetDirectories(root, prefix + "*"))
        {
            try
            {
                string marker = Path.Combine(folder, ".script");
                if (File.Exists(marker) && File.ReadAllText(marker) == scriptHash) continue;
                string done = Path.Combine(folder, ".complete");
                var lastUse = File.Exists(done) ? File.GetLastWriteTimeUtc(done) : Directory.GetLastWriteTimeUtc(folder);
                if (DateTime.UtcNow - lastUse > StaleAfter) Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Being written or deleted by another process: leave it.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>Runs the interpreter with arguments; returns the exit code and combined output.</summary>
    public static (int ExitCode, string Output) Run(IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout)
    {
        var (code, stdout, stderr) = RunCapturing(arguments, workingDirectory, timeout);
        return (code, stdout + stderr);
    }

    /// <summary>Runs the interpreter with arguments; returns the exit code, standard output and standard error apart.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunCapturing(IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(Interpreter)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        psi.Environment["OMP_NUM_THREADS"] = "2";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {Interpreter}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Interpreter} {string.Join(' ', psi.ArgumentList)} did not finish within {timeout}");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
