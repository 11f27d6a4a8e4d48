using TransferKit.Tests.Fixtures;
using System.IO.Compression;
using System.Text.Json;
using TransferKit.Serialization;
using static TransferKit.Tests.Serialization.TensorExpectations;
using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Tests.Serialization;

/// <summary>Files TransferKit writes load in PyTorch (and back in TransferKit) with the same values and layouts.</summary>
[Trait("Category", "Unit")]
public class TorchSaveTests
{
    private static string TempFile(string extension) => Path.Combine(Path.GetTempPath(), $"tk-serial-{Guid.NewGuid():N}{extension}");

    [Fact]
    public void SaveThenLoadRoundTripsValuesLayoutsAndSharing()
    {
        using var sd = TestTensors.AllKinds();
        var stream = new MemoryStream();
        TorchSerializer.SaveStateDict(stream, sd);
        stream.Position = 0;
        using var loaded = TorchSerializer.LoadStateDict(stream, "roundtrip.pth");

        Assert.Equal(sd.Keys, loaded.Keys);
        foreach (var (key, original) in sd)
        {
            var copy = loaded[key];
            Assert.Equal(original.Dtype, copy.Dtype);
            Assert.Equal(original.Shape, copy.Shape);
            Assert.Equal(Strides(original), Strides(copy));
            Assert.Equal(StorageOffset(original), StorageOffset(copy));
            Assert.Equal(RawBytes(original), RawBytes(copy));
            Assert.Equal(original.RequiresGrad, copy.RequiresGrad);
        }
        Assert.Single(new[] { "base", "row", "col", "t" }.Select(k => StorageId(loaded[k])).Distinct());
        Assert.NotEqual(StorageId(loaded["base"]), StorageId(sd["base"])); // a copy, not the saved memory
    }

    [Fact]
    public void SaveThenLoadRoundTripsAnObjectTree()
    {
        using var scope = Torch.NewDisposeScope();
        var tensor = Torch.Ones(2, 2);
        var stream = new MemoryStream();
        TorchSerializer.Save(stream, new Dictionary<object, object?>
        {
            ["n"] = 1, [2L] = "two", ["big"] = System.Numerics.BigInteger.Pow(10, 30), ["bytes"] = new byte[] { 0, 200 },
            ["list"] = new List<object?> { 1.5, null, true }, ["tuple"] = new object?[] { "a", 1, 2, 3 }, ["set"] = new HashSet<long> { 4, 5 },
            ["dtype"] = ScalarType.BFloat16, ["t"] = tensor, ["same_t"] = tensor,
        });
        stream.Position = 0;
        var root = Assert.IsType<OrderedDictionary<object, object?>>(TorchSerializer.Load(stream));
        Assert.Equal(1L, root["n"]);
        Assert.Equal("two", root[2L]);
        Assert.Equal(System.Numerics.BigInteger.Pow(10, 30), root["big"]);
        Assert.Equal(new byte[] { 0, 200 }, root["bytes"]);
        Assert.Equal(new List<object?> { 1.5, null, true }, root["list"]);
        Assert.Equal(new object?[] { "a", 1L, 2L, 3L }, root["tuple"]);
        Assert.True(Assert.IsType<HashSet<object>>(root["set"]).SetEquals([4L, 5L]));
        Assert.Equal(ScalarType.BFloat16, root["dtype"]);
        var t = Assert.IsType<Tensor>(root["t"]);
        Assert.Equal([1f, 1, 1, 1], t.ToArray<float>());
        Assert.Equal(StorageId(t), StorageId(Assert.IsType<Tensor>(root["same_t"])));
    }

    [Fact]
    public void WritesStoredEntriesUnderOneArchiveFolder()
    {
        using var sd = new StateDict { { "w", Torch.Ones(3) } };
        var stream = new MemoryStream();
        TorchSerializer.SaveStateDict(stream, sd);
        stream.Position = 0;
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
        Assert.Equal(["archive/data.pkl", "archive/data/0", "archive/version"], zip.Entries.Select(e => e.FullName));
        Assert.All(zip.Entries, e => Assert.Equal(e.Length, e.CompressedLength));
        Assert.Equal(12, zip.GetEntry("archive/data/0")!.Length);
    }

    [Fact]
    public void FailedSavesLeaveNoFileBehind()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"tk-serial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "model.pth");
            File.WriteAllText(path, "previous");
            Assert.Throws<ArgumentException>(() => TorchSerializer.Save(path, new Dictionary<string, object?> { ["x"] = new Uri("http://example.com") }));
            Assert.Equal("previous", File.ReadAllText(path));
            Assert.Equal([path], Directory.GetFiles(dir));

            using var a = Torch.Ones(1);
            Assert.Throws<ArgumentException>(() => TorchSerializer.SaveStateDict(path, new KeyValuePair<string, Tensor>[] { new("a", a), new("a", a) }));
            var cycle = new List<object?>();
            cycle.Add(cycle);
            Assert.Contains("cycle", Assert.Throws<ArgumentException>(() => TorchSerializer.Save(path, cycle)).Message);
            Assert.Equal([path], Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void MissingFilesAreNotFormatErrors()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"tk-missing-{Guid.NewGuid():N}");
        Assert.Throws<FileNotFoundException>(() => TorchSerializer.Load(missing + ".pth"));
        Assert.Throws<FileNotFoundException>(() => TorchSerializer.LoadStateDict(missing + ".pth"));
        Assert.Throws<FileNotFoundException>(() => SafeTensors.Load(missing + ".safetensors"));
    }

    [Theory]
    [InlineData(new byte[0], "not a torch.save file")]
    [InlineData(new byte[] { (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o' }, "not a torch.save file")]
    [InlineData(new byte[] { (byte)'P', (byte)'K', 3, 4, 0, 0 }, "Cannot load 'bad.pth'")]
    public void UnrecognisedFilesAreFormatErrors(byte[] content, string message)
    {
        var e = Assert.Throws<CheckpointFormatException>(() => TorchSerializer.Load(new MemoryStream(content), "bad.pth"));
        Assert.Contains(message, e.Message);
        Assert.Equal("bad.pth", e.SourceName);
    }

    /// <summary>The tests of this class that need the PyTorch reference (their own category).</summary>
    [Trait("Category", "Parity")]
    public class WithPyTorch
    {
        [PyTorchFact]
        public void StateDictSavedByTransferKitLoadsInPyTorch()
        {
            string path = TempFile(".pth"), json = TempFile(".json");
            try
            {
                using var sd = TestTensors.AllKinds();
                TorchSerializer.SaveStateDict(path, sd);
                // weights_only=True: PyTorch's restricted unpickler accepts the file, so it names only standard globals.
                SerializationFixtures.RunScript("dump", path, json);
                var dumped = JsonDocument.Parse(File.ReadAllBytes(json)).RootElement;

                Assert.Equal("OrderedDict", dumped.GetProperty("type").GetString());
                Assert.Equal(sd.Keys.ToArray(), Strings(dumped.GetProperty("keys")));
                foreach (var (key, tensor) in sd) AssertMatches(dumped.GetProperty("tensors").GetProperty(key), tensor, key);
                var sharing = dumped.GetProperty("sharing").EnumerateArray().Select(Strings).ToArray();
                Assert.Equal([["base", "row", "col", "t"]], sharing);
            }
            finally
            {
                File.Delete(path);
                File.Delete(json);
            }
        }

        [PyTorchFact]
        public void CheckpointSavedByTransferKitLoadsInPyTorch()
        {
            string path = TempFile(".pth"), json = TempFile(".json");
            try
            {
                using var sd = TestTensors.AllKinds();
                TorchSerializer.Save(path, new Dictionary<string, object?>
                {
                    ["epoch"] = 3, ["best_acc"] = 0.75, ["arch"] = "resnet18", ["done"] = false, ["note"] = null,
                    ["state_dict"] = sd, ["history"] = new List<double> { 1.5, 0.5 }, ["shape"] = (2, 3),
                });
                SerializationFixtures.RunScript("dump", path, json, "full"); // PyTorch 1.13's weights_only cannot read floats
                var dumped = JsonDocument.Parse(File.ReadAllBytes(json)).RootElement;
                Assert.Equal(["epoch", "best_acc", "arch", "done", "note", "state_dict", "history", "shape"], Strings(dumped.GetProperty("keys")));
                var scalars = dumped.GetProperty("scalars");
                Assert.Equal(3, scalars.GetProperty("epoch").GetInt32());
                Assert.Equal(0.75, scalars.GetProperty("best_acc").GetDouble());
                Assert.Equal("resnet18", scalars.GetProperty("arch").GetString());
                Assert.False(scalars.GetProperty("done").GetBoolean());
                Assert.Equal(JsonValueKind.Null, scalars.GetProperty("note").ValueKind);
            }
            finally
            {
                File.Delete(path);
                File.Delete(json);
            }
        }
    }
}
