using TransferKit.Data;

namespace TransferKit.Tests.Distributed;

/// <summary>Distributed options from torchrun's variables, the data shard of a rank, and a one-process group.</summary>
[Trait("Category", "Unit")]
public sealed class DistributedContextTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tk-dist-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void OptionsAreReadFromTorchrunsVariables()
    {
        var options = DistributedOptions.FromEnvironment(new Dictionary<string, string?>
        {
            ["RANK"] = "1", ["WORLD_SIZE"] = "4", ["LOCAL_RANK"] = "1", ["MASTER_ADDR"] = "10.0.0.5", ["MASTER_PORT"] = "29501",
        });
        Assert.Equal((1, 4, 1, "10.0.0.5", 29501), (options.Rank, options.WorldSize, options.LocalRank, options.MasterAddress, options.MasterPort));
        var defaults = DistributedOptions.FromEnvironment(new Dictionary<string, string?> { ["RANK"] = "0", ["WORLD_SIZE"] = "2" });
        Assert.Equal(("127.0.0.1", 29500, 0), (defaults.MasterAddress, defaults.MasterPort, defaults.LocalRank));
    }

    [Fact]
    public void AMissingOrInvalidVariableIsNamed()
    {
        var missing = Assert.Throws<InvalidOperationException>(() => DistributedOptions.FromEnvironment(new Dictionary<string, string?> { ["RANK"] = "0" }));
        Assert.Contains("WORLD_SIZE", missing.Message);
        var bad = Assert.Throws<InvalidOperationException>(() => DistributedOptions.FromEnvironment(new Dictionary<string, string?> { ["RANK"] = "x", ["WORLD_SIZE"] = "2" }));
        Assert.Contains("RANK", bad.Message);
        var outside = Assert.Throws<ArgumentException>(() => DistributedOptions.FromEnvironment(new Dictionary<string, string?> { ["RANK"] = "2", ["WORLD_SIZE"] = "2" }));
        Assert.Contains("Rank must be in [0, 2)", outside.Message);
        var all = Assert.Throws<ArgumentException>(() => new DistributedOptions { WorldSize = 0, MasterPort = 0, Timeout = TimeSpan.Zero, BucketBytes = 0 }.Validate());
        foreach (var word in new[] { "WorldSize", "MasterPort", "Timeout", "BucketBytes" }) Assert.Contains(word, all.Message);
    }

    [Fact]
    public void ShardsFollowDistributedSamplerStridingAndPadding()
    {
        int[] order = { 7, 3, 9, 0, 5, 1, 8, 2, 6, 4 };
        var shards = Enumerable.Range(0, 3).Select(r => new DataShard(r, 3).Take(order)).ToArray();
        Assert.Equal(new[] { 7, 0, 8, 4 }, shards[0]);
        Assert.Equal(new[] { 3, 5, 2, 7 }, shards[1]); // padded with the order's first samples
        Assert.Equal(new[] { 9, 1, 6, 3 }, shards[2]);
        Assert.Equal(order.Order(), shards.SelectMany(s => s).Distinct().Order());
        Assert.Equal(4, new DataShard(0, 3).SamplesPerShard(10));
        Assert.Throws<ArgumentException>(() => new DataLoaderOptions { Shard = new DataShard(3, 3) }.Validate());
    }

    [Fact]
    public void EachRanksLoaderBatchesItsShareOfTheSameShuffledOrder()
    {
        var dataset = new SyntheticShapesDataset(new[] { ShapeKind.Circle, ShapeKind.Square }, 10, 16, seed: 1);
        int[][] Indices(DataShard? shard, int batch) => EpochPlan.Batches(dataset.Count, batch, shuffle: true, seed: 3, dropLast: false, epoch: 2, shard);
        var all = Indices(null, 10)[0];
        var rank0 = Indices(new DataShard(0, 2), 2);
        var rank1 = Indices(new DataShard(1, 2), 2);
        Assert.Equal(3, rank0.Length);
        Assert.Equal(3, EpochPlan.BatchCount(10, 2, dropLast: false, new DataShard(0, 2)));
        for (int b = 0; b < 2; b++)
            Assert.Equal(all.Skip(4 * b).Take(4).Order(), rank0[b].Concat(rank1[b]).Order()); // batch b of both ranks = batch b of one process with twice the batch size
    }

    [Fact]
    public void AOneProcessGroupBroadcastsAndAveragesAsTheIdentity()
    {
        using var context = DistributedContext.Create(new DistributedOptions { StorePath = Path.Combine(_dir, "store"), Timeout = TimeSpan.FromSeconds(20) });
        Assert.True(context.IsMain);
        using var a = Torch.FromArray(new[] { 1f, 2f, 3f, 4f }, 2, 2);
        using var b = Torch.FromArray(new[] { 5.0, 6.0 }, 2);
        using var cl = Torch.FromArray(Enumerable.Range(0, 24).Select(v => (float)v).ToArray(), 1, 2, 3, 4).Contiguous(MemoryFormat.ChannelsLast);
        var before = cl.ToArray<float>();
        context.Broadcast(new[] { a, cl });
        context.AllReduceMean(new[] { a, b, cl });
        context.Barrier();
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, a.ToArray<float>());
        Assert.Equal(new[] { 5.0, 6.0 }, b.ToArray<double>());
        Assert.Equal(before, cl.ToArray<float>());
        Assert.True(cl.IsContiguousIn(MemoryFormat.ChannelsLast));
        Assert.Equal(new[] { 1.5, 2.0 }, context.AllReduceSum(new[] { 1.5, 2.0 }));
    }

    [Fact]
    public void ARendezvousThatNobodyJoinsFailsWithATorchExceptionAfterTheTimeout()
    {
        var error = Assert.Throws<TorchException>(() => DistributedContext.Create(new DistributedOptions
        {
            Rank = 0, WorldSize = 2, StorePath = Path.Combine(_dir, "lonely"), Timeout = TimeSpan.FromSeconds(2),
        }));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }
}
