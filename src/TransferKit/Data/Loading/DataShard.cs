using TransferKit.Engine;

namespace TransferKit.Data;

/// <summary>
/// The share of a data set one rank of a data-parallel run loads (PyTorch's <c>DistributedSampler</c>):
/// each epoch's order (shuffled from seed and epoch, the same on every rank) is padded by repeating
/// its first samples to a multiple of <see cref="Count"/>, and rank <see cref="Index"/> takes every
/// <see cref="Count"/>-th sample starting at its own index. Every rank gets the same number of samples
/// and batches; together they cover every sample at least once.
/// </summary>
/// <param name="Index">This rank's share, 0 to <paramref name="Count"/> - 1.</param>
/// <param name="Count">Number of shares (the world size).</param>
public sealed record DataShard(int Index, int Count)
{
    /// <summary>The share of this process in a data-parallel run.</summary>
    public static DataShard Of(DistributedContext distributed)
    {
        ArgumentNullException.ThrowIfNull(distributed);
        return new DataShard(distributed.Rank, distributed.WorldSize);
    }

    /// <summary>Samples in each share of a data set of <paramref name="samples"/> samples.</summary>
    public int SamplesPerShard(int samples) => (samples + Count - 1) / Count;

    /// <summary>This share of an epoch's <paramref name="order"/>, padded as described above.</summary>
    public int[] Take(int[] order)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (order.Length == 0) return order;
        int per = SamplesPerShard(order.Length);
        var result = new int[per];
        for (int k = 0; k < per; k++) result[k] = order[(Index + k * Count) % order.Length];
        return result;
    }

    internal bool IsValid => Count >= 1 && Index >= 0 && Index < Count;
}
