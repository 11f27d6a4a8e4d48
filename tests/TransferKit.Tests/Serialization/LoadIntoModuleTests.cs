using TransferKit.NN;
using TransferKit.Serialization;
using TransferKit.Tests.Fixtures;
using TransferKit.Engine;

namespace TransferKit.Tests.Serialization;

/// <summary>
/// <see cref="TorchSerializer.LoadStateDictInto"/>: the same result as loading a state dict and
/// then <see cref="Module.LoadStateDict"/>, with matching records read straight into the
/// parameters, every other case (other dtypes, shared storages, views, other formats) still right.
/// </summary>
[Collection(SerialCollection.Name)]
[Trait("Category", "Unit")]
public sealed class LoadIntoModuleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tk-loadinto-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Sequential Model(int classes = 2) => new(new Linear(3, 4), new BatchNorm1d(4), new Linear(4, classes));

    private static Dictionary<string, float[]> Values(Module module)
    {
        using var scope = Torch.NewDisposeScope();
        var sd = module.StateDict();
        foreach (var t in sd.Values) scope.Include(t);
        return sd.ToDictionary(kv => kv.Key, kv => kv.Value.To(ScalarType.Float32).Contiguous().ToArray<float>());
    }

    private string Save(Module module, Func<string, Tensor, Tensor>? change = null)
    {
        string path = Path.Combine(_dir, $"{Guid.NewGuid():N}.pth");
        var sd = module.StateDict();
        var changed = sd.ToDictionary(kv => kv.Key, kv => change?.Invoke(kv.Key, kv.Value) ?? kv.Value);
        TorchSerializer.SaveStateDict(path, changed);
        foreach (var t in sd.Values.Concat(changed.Values).Distinct()) t.Dispose();
        return path;
    }

    private static void AssertSameValues(Dictionary<string, float[]> expected, Module actual)
    {
        var got = Values(actual);
        Assert.Equal(expected.Keys.Order(), got.Keys.Order());
        foreach (var (key, values) in expected) Assert.True(values.AsSpan().SequenceEqual(got[key]), $"{key} differs");
    }

    [Fact]
    public void LoadsEveryParameterAndBufferStraightIntoTheModule()
    {
        using var source = Model();
        using (Torch.NoGrad())
            foreach (var (_, b) in source.NamedBuffers()) b.Add_(3); // buffers differ from a fresh model's too (num_batches_tracked is int64)
        string path = Save(source);
        using var target = Model();
        long before = SerialCollection.SettledLiveTensorCount();

        // The planner picks every record: all are float32/int64, contiguous, one tensor per storage.
        var targets = target.NamedParameters().Concat(target.NamedBuffers()).ToDictionary(kv => kv.Name, kv => kv.Item2);
        using (var stream = File.OpenRead(path))
        {
            List<(string Key, StorageRef Storage, Tensor Destination)> planned = [];
            var result = TorchZipReader.Read(stream, path, root =>
                (planned = TorchSerializer.PlanDirectReads(target, root, strict: true)).Select(p => (p.Storage, p.Destination)).ToList());
            Assert.Equal(targets.Keys.Order(), planned.Select(p => p.Key).Order());
            foreach (var t in result.Tensors) t.Dispose();
        }

        var report = TorchSerializer.LoadStateDictInto(target, path);
        Assert.Equal(before, SerialCollection.SettledLiveTensorCount());
        Assert.True(report.IsExactMatch, report.ToString());
        Assert.Equal(targets.Count, report.LoadedKeys.Count);
        AssertSameValues(Values(source), target);
        foreach (var (_, p) in target.NamedParameters()) Assert.True(p.RequiresGrad); // never taken from the file
    }

    [Fact]
    public void ConvertsDtypesAndHandlesSharedStoragesAndViews()
    {
        using var source = Model();
        // 0.weight saved as float64 (converted on load), 0.bias as a slice of a bigger storage,
        // 2.weight as a transposed-back view (non-contiguous in the file).
        string path = Save(source, (key, t) => key switch
        {
            "0.weight" => t.To(ScalarType.Float64),
            "0.bias" => Torch.Cat([t, t])[..4],
            "2.weight" => t.T().Contiguous().T(),
            _ => null!,
        });
        using var target = Model();
        var report = TorchSerializer.LoadStateDictInto(target, path);
        Assert.True(report.IsExactMatch, report.ToString());
        AssertSameValues(Values(source), target);
    }

    [Fact]
    public void AStrictMismatchChangesNothingAndALenientOneLoadsTheRest()
    {
        using var source = Model(classes: 5);
        string path = Save(source);
        using var target = Model(classes: 2);
        var before = Values(target);
        var e = Assert.Throws<StateDictMismatchException>(() => TorchSerializer.LoadStateDictInto(target, path));
        Assert.Contains("2.weight", e.Message);
        AssertSameValues(before, target);

        var report = TorchSerializer.LoadStateDictInto(target, path, strict: false);
        Assert.Equal(["2.weight", "2.bias"], report.ShapeMismatches.Select(m => m.Key));
        var loaded = Values(target);
        var expected = Values(source);
        foreach (var key in report.LoadedKeys) Assert.Equal(expected[key], loaded[key]);
        Assert.Equal(before["2.weight"], loaded["2.weight"]);
    }

    [Fact]
    public void SafeTensorsAndLegacyFilesTakeTheOrdinaryPath()
    {
        using var source = Model();
        string safetensors = Path.Combine(_dir, "m.safetensors");
        var sd = source.StateDict();
        SafeTensors.Save(safetensors, sd);
        foreach (var t in sd.Values) t.Dispose();
        using var target = Model();
        Assert.True(TorchSerializer.LoadStateDictInto(target, safetensors).IsExactMatch);
        AssertSameValues(Values(source), target);
    }

    [Fact]
    public void ACorruptRecordIsReportedAndNothingLeaks()
    {
        using var source = Model();
        using (Torch.NoGrad()) source.NamedParameters().First(p => p.Name == "0.weight").Parameter.Fill_(123.25f);
        string path = Save(source);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.AsSpan().IndexOf(BitConverter.GetBytes(123.25f)) + 1] ^= 0x20;
        File.WriteAllBytes(path, bytes);
        using var target = Model();
        long before = SerialCollection.SettledLiveTensorCount();
        var e = Assert.Throws<CheckpointFormatException>(() => TorchSerializer.LoadStateDictInto(target, path));
        Assert.Contains("CRC-32", e.Message);
        Assert.Equal(before, SerialCollection.SettledLiveTensorCount());
    }
}
