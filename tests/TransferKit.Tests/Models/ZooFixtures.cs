using System.Text.Json;
using TransferKit.Serialization;
using TransferKit.NN;

namespace TransferKit.Tests.Models;

using Reference = TransferKit.Tests.Fixtures.PythonReference;

/// <summary>
/// tests/TransferKit.Tests/Fixtures/zoo_fixtures.py, run by the common PyTorch runner: each command's
/// output folder is cached under &lt;temp&gt;/transferkit-fixtures/ keyed by the script and its arguments.
/// </summary>
internal static class ZooFixtures
{
    public const string Script = "zoo_fixtures.py";

    /// <summary>The cached output folder of <c>zoo_fixtures.py OUT command args...</c>.</summary>
    public static string Folder(string command, params string[] args) => Reference.Fixture(Script, [command, .. args]);

    /// <summary>Runs a command that is not cached (its folder holds files a test wrote); fails with Python's output.</summary>
    public static void RunUncached(string folder, string command, params string[] args)
    {
        var (code, output) = Reference.Run([Reference.ScriptPath(Script), folder, command, .. args], folder, TimeSpan.FromMinutes(5));
        if (code != 0) throw new InvalidOperationException($"{Script} {command} {string.Join(' ', args)} failed (exit {code}):\n{output}");
    }

    public static T ReadJson<T>(string path) => JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json)!;

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };
}

/// <summary>torchvision's structure of one architecture: state-dict entries, module tree, parameter count.</summary>
internal sealed record ReferenceStructure(List<JsonElement[]> StateDict, List<string[]> Modules, long NumParams)
{
    public static ReferenceStructure Of(string name)
    {
        string dir = ZooFixtures.Folder("structure", name);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "structure.json")));
        var root = doc.RootElement;
        return new ReferenceStructure(
            root.GetProperty("state_dict").EnumerateArray().Select(e => e.EnumerateArray().Select(x => x.Clone()).ToArray()).ToList(),
            root.GetProperty("modules").EnumerateArray().Select(e => e.EnumerateArray().Select(x => x.GetString()!).ToArray()).ToList(),
            root.GetProperty("num_params").GetInt64());
    }

    /// <summary>"name [d0, d1] dtype" per state-dict entry, for readable diffs.</summary>
    public IEnumerable<string> StateDictLines() => StateDict.Select(e =>
        $"{e[0].GetString()} [{string.Join(", ", e[1].EnumerateArray().Select(d => d.GetInt64()))}] {e[2].GetString()}");
}

/// <summary>
/// A parity fixture (zoo_fixtures.py parity): torchvision's seeded model saved with torch.save in
/// both formats (and as safetensors, except VGG), and the input, targets, logits, head input,
/// gradients and updated buffers it produced in evaluation and training mode.
/// </summary>
internal sealed class ParityFixture
{
    private ParityFixture(string dir, Names names)
    {
        Directory = dir;
        FirstConvWeight = names.First_conv;
        HeadWeight = names.Head;
        TrainSeed = names.Train_seed;
    }

    private sealed record Names(string First_conv, string Head, ulong Train_seed);

    public string Directory { get; }

    /// <summary>State-dict key of the first convolution's weight, e.g. <c>conv1.weight</c>.</summary>
    public string FirstConvWeight { get; }

    /// <summary>State-dict key of the head's weight, e.g. <c>fc.weight</c>.</summary>
    public string HeadWeight { get; }

    /// <summary>The seed set right before the training-mode forward.</summary>
    public ulong TrainSeed { get; }

    /// <summary>The state-dict file: "zip" (model.pth), "legacy" (model_legacy.pth) or "safetensors".</summary>
    public string ModelFile(string format) => Path.Combine(Directory, format switch
    {
        "zip" => "model.pth",
        "legacy" => "model_legacy.pth",
        "safetensors" => "model.safetensors",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    });

    /// <summary>reference.pth: input, target, eval.* and train.* tensors (the caller disposes them).</summary>
    public StateDict LoadReference() => TorchSerializer.LoadStateDict(Path.Combine(Directory, "reference.pth"));

    public static ParityFixture Of(string name, int numClasses, int size, int threads)
    {
        string dir = ZooFixtures.Folder("parity", name, numClasses.ToString(), size.ToString(), threads.ToString());
        return new ParityFixture(dir, ZooFixtures.ReadJson<Names>(Path.Combine(dir, "reference.json")));
    }
}
