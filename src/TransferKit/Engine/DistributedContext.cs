namespace TransferKit.Engine;

/// <summary>
/// One process's membership in a data-parallel run on libtorch's distributed engine (c10d, Gloo
/// backend): created by every rank with the same world size, it meets the others through a store
/// (rank 0's TCPStore, or a shared file), and offers the collectives data-parallel training needs:
/// <see cref="Broadcast"/> (parameters from rank 0 at the start), <see cref="AllReduceMean"/>
/// (gradients after backward, in buckets), <see cref="AllReduceSum(double[])"/> (metrics) and
/// <see cref="Barrier"/>. Every call gives up after <see cref="DistributedOptions.Timeout"/>, or as soon
/// as a peer's connection breaks, with a <see cref="TorchException"/>: a rank that dies makes the
/// others fail, never hang. Not thread-safe: one thread per context.
/// </summary>
public sealed unsafe class DistributedContext : IDisposable
{
    private IntPtr _group;

    private DistributedContext(IntPtr group, DistributedOptions options)
    {
        _group = group;
        Options = options;
    }

    /// <summary>The options this context was created with.</summary>
    public DistributedOptions Options { get; }

    /// <summary>This process's rank.</summary>
    public int Rank => Options.Rank;

    /// <summary>Number of processes.</summary>
    public int WorldSize => Options.WorldSize;

    /// <summary>True on rank 0, the one that writes checkpoints and logs.</summary>
    public bool IsMain => Rank == 0;

    /// <summary>Joins the run described by <c>torchrun</c>'s environment variables (<see cref="DistributedOptions.FromEnvironment"/>).</summary>
    public static DistributedContext FromEnvironment() => Create(DistributedOptions.FromEnvironment());

    /// <summary>
    /// Joins the run: waits (up to the timeout) until all <see cref="DistributedOptions.WorldSize"/>
    /// ranks have met, then connects them.
    /// </summary>
    /// <exception cref="TorchException">The rendezvous failed or timed out; the message says why.</exception>
    public static DistributedContext Create(DistributedOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        string? device = options.InterfaceAddress
            ?? (options.MasterAddress is "127.0.0.1" or "localhost" or "::1" ? "127.0.0.1" : null);
        IntPtr group = NativeMethods.tk_dist_init(options.StorePath is null ? 0 : 1, options.StorePath ?? options.MasterAddress,
            options.MasterPort, options.Rank, options.WorldSize, (long)Math.Ceiling(options.Timeout.TotalMilliseconds), device);
        if (group == IntPtr.Zero) throw TorchException.FromLastError();
        return new DistributedContext(group, options);
    }

    /// <summary>Copies rank <paramref name="root"/>'s values into these tensors on every rank, in place.</summary>
    public void Broadcast(IReadOnlyList<Tensor> tensors, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        using var handles = new HandleArray(tensors);
        fixed (IntPtr* p = handles.Raw)
            Tensor.Check(NativeMethods.tk_dist_broadcast_(Group, p, handles.Raw.Length, root));
    }

    /// <summary>
    /// Replaces each tensor with its mean over the ranks, in place: summed in buckets of about
    /// <see cref="DistributedOptions.BucketBytes"/> (tensors of one dtype concatenated), then divided by the world size.
    /// Every rank must pass tensors of the same shapes in the same order.
    /// </summary>
    public void AllReduceMean(IReadOnlyList<Tensor> tensors) => AllReduce(tensors, 1.0 / WorldSize);

    /// <summary>Replaces each tensor with its sum over the ranks, in place.</summary>
    public void AllReduceSum(IReadOnlyList<Tensor> tensors) => AllReduce(tensors, 1.0);

    /// <summary>The element-wise sum of <paramref name="values"/> over the ranks (counts, sums of losses).</summary>
    public double[] AllReduceSum(double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0) return values;
        using var t = Torch.FromArray((double[])values.Clone(), values.Length);
        AllReduce(new[] { t }, 1.0);
        return t.ToArray<double>();
    }

    /// <summary>Waits until every rank has called it.</summary>
    public void Barrier() => Tensor.Check(NativeMethods.tk_dist_barrier(Group));

    /// <summary>Leaves the run and closes the connections.</summary>
    public void Dispose()
    {
        var group = Interlocked.Exchange(ref _group, IntPtr.Zero);
        if (group != IntPtr.Zero) NativeMethods.tk_dist_free(group);
    }

    private void AllReduce(IReadOnlyList<Tensor> tensors, double scale)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) return;
        using var handles = new HandleArray(tensors);
        fixed (IntPtr* p = handles.Raw)
            Tensor.Check(NativeMethods.tk_dist_allreduce_(Group, p, handles.Raw.Length, scale, Options.BucketBytes));
    }

    private IntPtr Group => _group != IntPtr.Zero ? _group : throw new ObjectDisposedException(nameof(DistributedContext));
}
