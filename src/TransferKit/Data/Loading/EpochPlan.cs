namespace TransferKit.Data;

/// <summary>
/// Which samples go into which batch in an epoch, the same for every loader: the indices in order,
/// or shuffled from (seed, epoch) when asked, one rank's share of it in a data-parallel run
/// (<see cref="DataShard"/>), cut into batches, the last incomplete one dropped on request.
/// </summary>
internal static class EpochPlan
{
    /// <summary>Batches per epoch of <paramref name="samples"/> samples.</summary>
    public static int BatchCount(int samples, int batchSize, bool dropLast, DataShard? shard = null)
    {
        if (shard is not null && samples > 0) samples = shard.SamplesPerShard(samples);
        return dropLast ? samples / batchSize : (samples + batchSize - 1) / batchSize;
    }

    /// <summary>The sample indices of each batch of <paramref name="epoch"/>.</summary>
    public static int[][] Batches(int samples, int batchSize, bool shuffle, ulong seed, bool dropLast, int epoch, DataShard? shard = null)
    {
        var order = Enumerable.Range(0, samples).ToArray();
        if (shuffle) new Random(SeedMixer.Mix(seed, epoch)).Shuffle(order);
        if (shard is not null) order = shard.Take(order);
        return order.Chunk(batchSize).Where(c => !dropLast || c.Length == batchSize).ToArray();
    }
}
