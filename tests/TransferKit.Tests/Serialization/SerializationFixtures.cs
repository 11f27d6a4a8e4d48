using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace TransferKit.Tests.Serialization;

using Reference = TransferKit.Tests.Fixtures.PythonReference;

/// <summary>
/// PyTorch as the reference: runs /usr/bin/python3 (Debian's python3-torch; TRANSFERKIT_PYTHON overrides) and generates the
/// serialization fixtures once per script version into a cache folder outside the repository
/// (<c>{temp}/transferkit-fixtures/{hash of the script}</c>).
/// </summary>
internal static class SerializationFixtures
{
    private static readonly Lazy<FixtureSet> LazyFixtures = new(Generate);

    public static string ScriptPath => Reference.ScriptPath("make_serialization_fixtures.py");

    /// <summary>The trained resnet18 written by PyTorch.</summary>
    public static string WeightsPath => Reference.SharedWeightsPath;

    /// <summary>The fixtures, generated on first use.</summary>
    public static FixtureSet Fixtures => LazyFixtures.Value;

    /// <summary>Runs the fixture script with arguments; fails the test with Python's error output if it fails.</summary>
    public static void RunScript(params string[] args)
    {
        var (code, output) = Reference.Run(new[] { ScriptPath }.Concat(args), Path.GetTempPath(), TimeSpan.FromMinutes(5));
        if (code != 0) throw new InvalidOperationException($"{ScriptPath} {string.Join(' ', args)} failed ({code}): {output}");
    }

    private static FixtureSet Generate()
    {
        if (Reference.WhyUnavailable is { } reason) throw new InvalidOperationException(reason);
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
                // Only a folder without its manifest (left half-written) is replaced: a complete one
                // is another process's result, possibly in use by its tests.
                if (Directory.Exists(dir) && !File.Exists(Path.Combine(dir, "manifest.json"))) Directory.Delete(dir, recursive: true);
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
