using System.Security.Cryptography;

namespace TransferKit.Tests.Data;

/// <summary>Where the shared data sets are, and how to ask the Python reference (Pillow, torchvision).</summary>
internal static class TestEnvironment
{
    /// <summary>The shared data folder: $TRANSFERKIT_DATA, or ../shared/data beside the repository.</summary>
    public static string DataRoot =>
        Environment.GetEnvironmentVariable("TRANSFERKIT_DATA") is { Length: > 0 } dir ? dir : SharedFolder.Data;

    public static string Hymenoptera => Path.Combine(DataRoot, "hymenoptera_data");
    public static string Mnist => Path.Combine(DataRoot, "mnist");
    public static string FashionMnist => Path.Combine(DataRoot, "fashion-mnist");
    public static string Sentiment => Path.Combine(DataRoot, "sentiment");

    /// <summary>
    /// Runs a Python script (given as text) with arguments through the common PyTorch runner; returns
    /// its output or fails the test. Callers are <see cref="PyTorchFactAttribute"/> tests, skipped where Python is missing.
    /// </summary>
    public static string RunPython(string script, params string[] args)
    {
        string file = Path.Combine(Path.GetTempPath(), $"tk-ref-{Guid.NewGuid():N}.py");
        File.WriteAllText(file, script);
        try
        {
            var (code, stdout, stderr) = Fixtures.PythonReference.RunCapturing(new[] { file }.Concat(args), Path.GetTempPath(), TimeSpan.FromMinutes(10));
            Assert.True(code == 0, $"The Python reference failed ({code}):\n{stderr}");
            return stdout;
        }
        finally
        {
            File.Delete(file);
        }
    }

    public static string Sha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>A fresh temporary folder, deleted by <see cref="IDisposable.Dispose"/>.</summary>
    public static TempDir NewTempDir() => new();

    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"tk-test-{Guid.NewGuid():N}");
        public TempDir() => Directory.CreateDirectory(Path);
        public string File(string name) => System.IO.Path.Combine(Path, name);
        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }
}
