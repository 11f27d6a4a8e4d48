using TransferKit.Tests.Fixtures;
using System.Numerics;
using System.Security.Cryptography;
using TransferKit.Serialization;
using static TransferKit.Tests.Serialization.TensorExpectations;
using TransferKit.Engine;

namespace TransferKit.Tests.Serialization;

/// <summary>Files written by PyTorch's torch.save load with exactly PyTorch's values and layouts.</summary>
[Trait("Category", "Parity")]
public class TorchLoadTests
{
    private static FixtureSet F => SerializationFixtures.Fixtures;

    [PyTorchTheory]
    [InlineData("zip")]
    [InlineData("legacy")]
    public void AllDtypesLoadExactly(string format)
    {
        string name = $"all_dtypes_{format}.pth";
        using var sd = TorchSerializer.LoadStateDict(F.PathOf(name));
        var expected = F.File(name);
        Assert.Equal(Strings(expected.GetProperty("keys")), sd.Keys.ToArray());
        foreach (var key in sd.Keys) AssertMatches(expected.GetProperty("tensors").GetProperty(key), sd[key], key);
        Assert.True(sd["param"].RequiresGrad); // saved as an nn.Parameter (_rebuild_parameter)
    }

    [PyTorchTheory]
    [InlineData("zip")]
    [InlineData("legacy")]
    public void ViewsKeepOffsetsStridesAndShareStorage(string format)
    {
        string name = $"shared_views_{format}.pth";
        using var sd = TorchSerializer.LoadStateDict(F.PathOf(name));
        var expected = F.File(name);
        foreach (var key in sd.Keys) AssertMatches(expected.GetProperty("tensors").GetProperty(key), sd[key], key);

        var groups = expected.GetProperty("sharing").EnumerateArray().Select(Strings).ToArray();
        Assert.Equal(2, groups.Length);
        foreach (var group in groups)
            Assert.Single(group.Select(k => StorageId(sd[k])).Distinct());
        Assert.NotEqual(StorageId(sd["base"]), StorageId(sd["other"]));

        // Shared for real: writing through one view shows in the others.
        sd["row"].Zero_();
        Assert.Equal(0f, sd["base"].ToArray<float>()[7]);
        Assert.Equal(0f, sd["t"].Contiguous().ToArray<float>()[3 * 4 + 1]); // t[3, 1] = base[1, 3]
    }

    [PyTorchTheory]
    [InlineData("zip")]
    [InlineData("legacy")]
    public void CheckpointLoadsAsObjectTree(string format)
    {
        string name = $"checkpoint_{format}.pth";
        var expected = F.File(name);
        using var scope = Torch.NewDisposeScope();
        var root = Assert.IsType<OrderedDictionary<object, object?>>(TorchSerializer.Load(F.PathOf(name)));

        Assert.Equal(Strings(expected.GetProperty("top_keys")), root.Keys.Cast<string>().ToArray());
        Assert.Equal(7L, root["epoch"]);
        Assert.Equal(0.875, root["best_acc"]);
        Assert.Equal("résumé ✓", root["name"]);
        Assert.Equal(new object?[] { "a", "b", 3L }, root["tags"]);
        Assert.Null(root["none"]);
        Assert.Equal(new byte[] { 0x00, 0xff, (byte)'a', (byte)'b' }, root["blob"]);
        Assert.Equal(Array.Empty<byte>(), root["empty_blob"]);
        Assert.Equal(BigInteger.Pow(2, 70), root["big"]);
        Assert.Equal(-123456789012L, root["neg"]);
        Assert.Equal(true, root["flag"]);
        Assert.Equal(ScalarType.Float16, root["dtype"]);
        Assert.Equal("cpu", root["device"]);
        Assert.Equal(new object?[] { 2L, 3L }, root["size"]);
        Assert.True(new HashSet<object> { 1L, 2L, 3L }.SetEquals(Assert.IsType<HashSet<object>>(root["set"])));
        Assert.Empty(Assert.IsType<List<object?>>(root["empty_list"]));
        var nested = Assert.IsType<List<object?>>(Assert.IsType<List<object?>>(root["nested"])[0]);
        Assert.Equal(1L, nested[0]);
        Assert.Equal(new List<object?> { 0.5, -1.25, 1e100 }, root["float_list"]);

        var sd = Assert.IsType<OrderedDictionary<object, object?>>(root["state_dict"]);
        Assert.Equal(Strings(expected.GetProperty("keys")), sd.Keys.Cast<string>().ToArray());
        foreach (var (key, value) in sd)
            AssertMatches(expected.GetProperty("state_dict").GetProperty((string)key), Assert.IsType<Tensor>(value), (string)key);

        var optimizer = Assert.IsType<OrderedDictionary<object, object?>>(root["optimizer"]);
        var state = Assert.IsType<OrderedDictionary<object, object?>>(optimizer["state"]);
        var slot = Assert.IsType<OrderedDictionary<object, object?>>(state[0L]);
        AssertMatches(expected.GetProperty("momentum_buffer"), Assert.IsType<Tensor>(slot["momentum_buffer"]), "momentum_buffer");
        var group = Assert.IsType<OrderedDictionary<object, object?>>(Assert.IsType<List<object?>>(optimizer["param_groups"])[0]);
        Assert.Equal(0.1, group["lr"]);
        Assert.Equal(false, group["nesterov"]);
        Assert.Equal(new List<object?> { 0L, 1L }, group["params"]);
    }

    [PyTorchTheory]
    [InlineData("zip")]
    [InlineData("legacy")]
    public void SingleTensorLoadsAndIsNotAStateDict(string format)
    {
        string name = $"single_tensor_{format}.pth";
        using var t = Assert.IsType<Tensor>(TorchSerializer.Load(F.PathOf(name)));
        AssertMatches(F.File(name).GetProperty("tensor"), t, "tensor");
        var e = Assert.Throws<CheckpointFormatException>(() => TorchSerializer.LoadStateDict(F.PathOf(name)));
        Assert.Contains("a single tensor", e.Message);
        Assert.Contains(name, e.Message);
    }

    [PyTorchFact(NeedsSharedWeights = true)]
    public void TrainedResnet18MatchesPyTorch()
    {
        var expected = F.Manifest.GetProperty("weights");
        using var sd = TorchSerializer.LoadStateDict(SerializationFixtures.WeightsPath);
        Assert.Equal(Strings(expected.GetProperty("keys")), sd.Keys.ToArray());
        Assert.Equal(122, sd.Count);
        foreach (var (key, tensor) in sd)
        {
            var e = expected.GetProperty("tensors").GetProperty(key);
            Assert.Equal(e.GetProperty("dtype").GetString(), tensor.Dtype.PyTorchName());
            Assert.Equal(Longs(e.GetProperty("shape")), tensor.Shape);
            Assert.True(e.GetProperty("sha256").GetString() == Convert.ToHexString(SHA256.HashData(RawBytes(tensor))).ToLowerInvariant(),
                $"{key}: bytes differ from PyTorch's");
        }
        Assert.Equal([64L, 3, 7, 7], sd["conv1.weight"].Shape);
        Assert.Equal([5L, 512], sd["fc.weight"].Shape);
        var first = expected.GetProperty("tensors").GetProperty("fc.weight").GetProperty("first").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        using var scope = Torch.NewDisposeScope();
        Assert.Equal(first, sd["fc.weight"].Flatten().ToArray<float>()[..4]);
    }
}
