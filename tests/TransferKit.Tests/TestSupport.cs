using TransferKit.Engine;
namespace TransferKit.Tests;

/// <summary>
/// The one collection for tests that read or change process-wide state: the live tensor count, the
/// native file-buffer pool, the resident set size, the global random generator, environment
/// variables. xunit 2 runs collections marked <c>DisableParallelization</c> after every parallel
/// collection has finished, one test at a time, so nothing else runs beside these tests; they must
/// still tolerate what earlier tests left behind, so they measure after <see cref="Settle"/> and
/// compare with quantities they take themselves (deltas), never with absolute process totals.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial (process-wide state)";

    /// <summary>
    /// Runs the finalizers of everything earlier code left unreachable (twice: a finalizer may drop
    /// the last reference to another finalizable object), so that none of it is released while the
    /// caller measures.
    /// </summary>
    public static void Settle()
    {
        for (int k = 0; k < 2; k++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    /// <summary>The live tensor count once tensors that earlier code left to the finalizer are released.</summary>
    public static long SettledLiveTensorCount()
    {
        Settle();
        return Torch.LiveTensorCount;
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

/// <summary>Differences between a reference tensor (PyTorch's) and TransferKit's, computed in float64 by libtorch.</summary>
internal static class TensorDiff
{
    /// <summary>
    /// max |actual - expected|; the shapes must be equal. Floating-point tensors of one dtype are
    /// subtracted in that dtype (exact for equal values, and no float64 copies of VGG's 400 MB
    /// weights); anything else in float64.
    /// </summary>
    public static double MaxAbs(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        if (expected.Numel == 0) return 0;
        using var scope = Torch.NewDisposeScope();
        using var diff = expected.Dtype == actual.Dtype && expected.Dtype.IsFloatingPoint()
            ? actual.Sub(expected)
            : actual.To(ScalarType.Float64).Sub(expected.To(ScalarType.Float64));
        return diff.Abs().Max().To(ScalarType.Float64).Item<double>();
    }

    /// <summary>Norm-relative difference max |actual - expected| / max |expected| (0 when both are all zeros).</summary>
    public static double NormRelative(Tensor expected, Tensor actual)
    {
        double diff = MaxAbs(expected, actual);
        if (diff == 0) return 0;
        using var scope = Torch.NewDisposeScope();
        return diff / expected.Abs().Max().To(ScalarType.Float64).Item<double>();
    }

    /// <summary>Asserts equal shapes and max |actual - expected| within <paramref name="tolerance"/>.</summary>
    public static void AssertNear(Tensor expected, Tensor actual, double tolerance, string what)
    {
        double d = MaxAbs(expected, actual);
        Assert.True(d <= tolerance, $"{what}: max |difference| {d:g3} > {tolerance}");
    }

    /// <summary>Asserts equal dtype, shape and values, bit for bit (NaN-free tensors).</summary>
    public static void AssertIdentical(Tensor expected, Tensor actual, string what)
    {
        Assert.True(expected.Dtype == actual.Dtype, $"{what}: dtype {actual.Dtype}, expected {expected.Dtype}");
        Assert.True(expected.Shape.AsSpan().SequenceEqual(actual.Shape), $"{what}: shape [{string.Join(", ", actual.Shape)}], expected [{string.Join(", ", expected.Shape)}]");
        double d = MaxAbs(expected, actual);
        Assert.True(d == 0, $"{what}: values differ (max |difference| {d:g3})");
    }
}
