using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;

namespace TransferKit.Tests.Models;

using Reference = TransferKit.Tests.Fixtures.PythonReference;

using Torch = TransferKit.Torch.Torch;

/// <summary>
/// Runs tests/TransferKit.Tests/Fixtures/zoo_fixtures.py with the Python that has PyTorch and
/// torchvision (Debian's /usr/bin/python3, or $TRANSFERKIT_PYTHON) and caches its output under
/// &lt;temp&gt;/transferkit-fixtures/zoo-&lt;script hash&gt;/, so each fixture is computed once per machine;
/// folders left by earlier versions of the script are removed.
/// </summary>
internal static class ZooFixtures
{
    private static readonly ConcurrentDictionary<string, Lazy<string>> Produced = new();

    private static string PythonPath => Reference.Interpreter;

    public static string ScriptPath => Reference.ScriptPath("zoo_fixtures.py");

    /// <summary>
    /// Returns the cache folder for <paramref name="key"/>, running the script with
    /// <paramref name="args"/> (where "{out}" stands for that folder) when it is not there yet.
    /// </summary>
    public static string Fixture(string key, params string[] args) => Produced.GetOrAdd(key, k => new Lazy<string>(() => Produce(k, args))).Value;

    private static string Produce(string key, string[] args)
    {
        string parent = Path.Combine(Path.GetTempPath(), "transferkit-fixtures");
        string root = Path.Combine(parent, "zoo-" + ScriptHash());
        string final = Path.Combine(root, key);
        if (Directory.Exists(final)) return final;
        RemoveStaleCaches(parent, root);
        string staging = Path.Combine(root, $"{key}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            var argv = new[] { ScriptPath }.Concat(args.Select(a => a.Replace("{out}", staging))).ToArray();
            var (code, stdout, stderr) = Execute(PythonPath, argv, TimeSpan.FromMinutes(5));
            if (code != 0)
                throw new InvalidOperationException($"{PythonPath} {string.Join(' ', argv)} failed with exit code {code}:\n{stdout}\n{stderr}");
            try
            {
                Directory.Move(staging, final);
            }
            catch (IOException) when (Directory.Exists(final))
            {
                // Another process produced the same fixture first: use theirs.
            }
            return final;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private static void RemoveStaleCaches(string parent, string current)
    {
        if (!Directory.Exists(parent)) return;
        foreach (var dir in Directory.GetDirectories(parent, "zoo-*"))
        {
            if (dir == current) continue;
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // In use by a concurrent run of an older build: leave it.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static string ScriptHash() =>
        Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(ScriptPath)))[..12].ToLowerInvariant();

    private static (int Code, string Stdout, string Stderr) Execute(string file, string[] args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}.");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    public static T ReadJson<T>(string path) => JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json)!;

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };
}

/// <summary>torchvision's structure of one architecture: state-dict entries, module tree, parameter count.</summary>
internal sealed record ReferenceStructure(List<JsonElement[]> StateDict, List<string[]> Modules, long NumParams)
{
    public static ReferenceStructure Of(string name)
    {
        string dir = ZooFixtures.Fixture($"structure-{name}", "structure", name, "{out}/structure.json");
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

/// <summary>One raw tensor of a parity fixture (see zoo_fixtures.py).</summary>
internal sealed record RawEntry(string Name, long[] Shape, string Dtype, long Offset, long Nbytes, double? Sum, double[]? Head)
{
    public bool IsSeeded => Offset < 0;
}

/// <summary>A parity fixture: torchvision's seeded state dict, an input, the head's input and the logits.</summary>
internal sealed class ParityFixture
{
    private readonly string _data;

    private ParityFixture(string dir, Index index)
    {
        _data = Path.Combine(dir, "data.bin");
        StateDict = index.State_dict;
        Input = index.Input;
        Features = index.Features;
        Logits = index.Logits;
    }

    private sealed record Index(List<RawEntry> State_dict, RawEntry Input, RawEntry Features, RawEntry Logits);

    public IReadOnlyList<RawEntry> StateDict { get; }
    public RawEntry Input { get; }
    public RawEntry Features { get; }
    public RawEntry Logits { get; }

    public static ParityFixture Of(string name, int numClasses, int size, int threads)
    {
        string dir = ZooFixtures.Fixture($"parity-{name}-{numClasses}-{size}-t{threads}", "parity", name, numClasses.ToString(), size.ToString(),
            threads.ToString(), "{out}");
        return new ParityFixture(dir, ZooFixtures.ReadJson<Index>(Path.Combine(dir, "index.json")));
    }

    /// <summary>Reads an entry into a new CPU tensor (the caller owns it).</summary>
    public Tensor Load(RawEntry e)
    {
        if (e.IsSeeded) throw new InvalidOperationException($"{e.Name} was not written (seeded entry).");
        var bytes = new byte[e.Nbytes];
        using (var f = File.OpenRead(_data))
        {
            f.Position = e.Offset;
            f.ReadExactly(bytes);
        }
        long[] shape = e.Shape.Length == 0 ? new long[] { 1 } : e.Shape;
        using var flat = e.Dtype switch
        {
            "float32" => Torch.FromArray(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes), shape),
            "int64" => Torch.FromArray(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(bytes), shape),
            _ => throw new NotSupportedException(e.Dtype),
        };
        return flat.Reshape(e.Shape).DetachFromDisposeScope();
    }

    public float[] Floats(RawEntry e)
    {
        using var t = Load(e);
        return t.ToArray<float>();
    }
}
