using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace TransferKit.Tests.Serialization;

/// <summary>
/// PyTorch as the reference: runs /usr/bin/python3 (Debian's python3-torch; TRANSFERKIT_PYTHON overrides) and generates the
/// serialization fixtures once per script version into a cache folder outside the repository
/// (<c>{temp}/transferkit-fixtures/{hash of the script}</c>).
/// </summary>
internal static class PythonReference
{
    /// <summary>The interpreter with PyTorch: /usr/bin/python3 unless TRANSFERKIT_PYTHON names another.</summary>
    public static string Python =>
        Environment.GetEnvironmentVariable("TRANSFERKIT_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";

    /// <summary>The trained resnet18 written by PyTorch (override with TRANSFERKIT_RESNET18_PTH).</summary>
    public static string WeightsPath =>
        Environment.GetEnvironmentVariable("TRANSFERKIT_RESNET18_PTH") is { Length: > 0 } p ? p : "/work/shared/weights/resnet18_flowers5.pth";

    private static readonly Lazy<string?> Unavailable = new(Probe);
    private static readonly Lazy<FixtureSet> LazyFixtures = new(Generate);

    /// <summary>Why the reference cannot run here, or null when it can.</summary>
    public static string? UnavailableReason => Unavailable.Value;

    public static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "Fixtures", "make_serialization_fixtures.py");

    /// <summary>The fixtures, generated on first use.</summary>
    public static FixtureSet Fixtures => LazyFixtures.Value;

    /// <summary>Runs the fixture script with arguments; fails the test with Python's error output if it fails.</summary>
    public static void RunScript(params string[] args) => Run([ScriptPath, .. args], TimeSpan.FromMinutes(5));

    private static string? Probe()
    {
        if (!File.Exists(Python)) return $"{Python} is not installed (the PyTorch parity tests need Debian's python3-torch: apt-get install python3-torch)";
        try
        {
            Run(["-c", "import torch, numpy"], TimeSpan.FromSeconds(120));
            return null;
        }
        catch (Exception e)
        {
            return $"{Python} cannot import torch and numpy (install python3-torch): {e.Message}";
        }
    }

    private static void Run(string[] args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {Python}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Python} {string.Join(' ', args)} did not finish in {timeout}");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Python} {string.Join(' ', args)} failed ({process.ExitCode}): {stderr.Result}{stdout.Result}");
    }

    private static FixtureSet Generate()
    {
        if (UnavailableReason is { } reason) throw new InvalidOperationException(reason);
        string weights = File.Exists(WeightsPath) ? WeightsPath : "";
        string key = Convert.ToHexString(SHA256.HashData(
            [.. File.ReadAllBytes(ScriptPath), .. Encoding.UTF8.GetBytes("\n" + weights)]))[..16].ToLowerInvariant();
        string root = Path.Combine(Path.GetTempPath(), "transferkit-fixtures");
        string dir = Path.Combine(root, key);
        if (!File.Exists(Path.Combine(dir, "manifest.json")))
        {
            // Generate beside the final folder and move it into place, so concurrent runs never see half a set.
            string temp = Path.Combine(root, $"{key}.tmp-{Guid.NewGuid():N}");
            Directory.CreateDirectory(temp);
            try
            {
                RunScript(weights.Length > 0 ? ["make", temp, weights] : ["make", temp]);
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
                Directory.Move(temp, dir);
            }
            catch (IOException) when (File.Exists(Path.Combine(dir, "manifest.json")))
            {
                // Another test process finished first.
            }
            finally
            {
                if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            }
        }
        return new FixtureSet(dir, JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "manifest.json"))).RootElement);
    }
}

/// <summary>The generated fixture files and the manifest of expected values.</summary>
internal sealed record FixtureSet(string Directory, JsonElement Manifest)
{
    public string PathOf(string name) => Path.Combine(Directory, name);

    public JsonElement File(string name) => Manifest.GetProperty("files").GetProperty(name);
}

/// <summary>
/// A fact that needs the PyTorch reference (/usr/bin/python3 with torch). Where it is missing the
/// test is reported as skipped with the reason (xunit 2 has no dynamic skip, so the reason is
/// decided when tests are discovered).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class TorchPythonFactAttribute : FactAttribute
{
    public TorchPythonFactAttribute()
    {
        if (PythonReference.UnavailableReason is { } reason) Skip = reason;
    }

    private bool _needsSharedWeights;

    /// <summary>Also needs the shared resnet18 weights file.</summary>
    public bool NeedsSharedWeights
    {
        get => _needsSharedWeights;
        set
        {
            _needsSharedWeights = value;
            if (value && Skip is null && !System.IO.File.Exists(PythonReference.WeightsPath))
                Skip = $"{PythonReference.WeightsPath} is not present (set TRANSFERKIT_RESNET18_PTH to a torchvision resnet18 state dict)";
        }
    }
}

/// <summary>A <see cref="TheoryAttribute"/> counterpart of <see cref="TorchPythonFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class TorchPythonTheoryAttribute : TheoryAttribute
{
    public TorchPythonTheoryAttribute()
    {
        if (PythonReference.UnavailableReason is { } reason) Skip = reason;
    }
}
