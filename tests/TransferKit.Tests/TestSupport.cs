namespace TransferKit.Tests;

/// <summary>Tests that read process-wide counters (live tensors, RSS) run alone, not beside others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial (process-wide counters)";

    /// <summary>The live tensor count once tensors that earlier code left to the finalizer are released.</summary>
    public static long SettledLiveTensorCount()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return TransferKit.Torch.Torch.LiveTensorCount;
    }
}

/// <summary>
/// The project's shared folder (data sets, trained weights), which lives beside the repository
/// root as ../shared; $TRANSFERKIT_SHARED overrides.
/// </summary>
internal static class SharedFolder
{
    private static readonly Lazy<string> Root = new(Locate);

    public static string Path => Root.Value;

    public static string Data => System.IO.Path.Combine(Path, "data");

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable("TRANSFERKIT_SHARED") is { Length: > 0 } overridden) return overridden;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "TransferKit.sln")))
                return System.IO.Path.Combine(dir.Parent?.FullName ?? dir.FullName, "shared");
        throw new InvalidOperationException("Cannot find the repository root (TransferKit.sln) above " + AppContext.BaseDirectory);
    }
}

internal static class Approx
{
    public static void Equal(IReadOnlyList<float> expected, IReadOnlyList<float> actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int k = 0; k < expected.Count; k++)
            Assert.True(Math.Abs(expected[k] - actual[k]) <= tolerance * Math.Max(1, Math.Abs(expected[k])),
                $"element {k}: expected {expected[k]}, got {actual[k]}");
    }
}

internal static class Threads
{
    /// <summary>Runs each body on its own thread, all released together; rethrows any failure.</summary>
    public static void Run(params Action[] bodies)
    {
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        using var barrier = new Barrier(bodies.Length);
        var threads = bodies.Select(body => new Thread(() =>
        {
            try
            {
                barrier.SignalAndWait();
                body();
            }
            catch (Exception e)
            {
                errors.Enqueue(e);
            }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        if (!errors.IsEmpty) throw new AggregateException(errors);
    }
}
