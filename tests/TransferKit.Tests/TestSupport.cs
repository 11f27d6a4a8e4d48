namespace TransferKit.Tests;

/// <summary>Tests that read process-wide counters (live tensors, RSS) run alone, not beside others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial (process-wide counters)";
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
