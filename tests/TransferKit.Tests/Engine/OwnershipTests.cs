using TransferKit.Engine;
namespace TransferKit.Tests.Engine;


[Collection(SerialCollection.Name)]
[Trait("Category", "Unit")]
public class OwnershipTests
{
    [Fact]
    public void ADisposeScopeFreesEverythingCreatedInsideIt()
    {
        long before = SerialCollection.SettledLiveTensorCount();
        Tensor kept;
        Tensor freed;
        using (var scope = Torch.NewDisposeScope())
        {
            var a = Torch.Ones(3);
            freed = a * 2 + 1;
            kept = scope.MoveToOuter(freed.Sum());
            Assert.Equal(before + 4, Torch.LiveTensorCount); // a, a*2, +1 and sum: nothing else
            Assert.Same(scope, DisposeScope.Current);
        }
        Assert.True(freed.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.Equal(9f, kept.Item<float>());
        Assert.Equal(before + 1, Torch.LiveTensorCount);
        kept.Dispose();
        Assert.Equal(before, Torch.LiveTensorCount);
        Assert.Null(DisposeScope.Current);
    }

    [Fact]
    public void NestedScopesMoveResultsOneLevelOut()
    {
        long before = SerialCollection.SettledLiveTensorCount();
        using (var outer = Torch.NewDisposeScope())
        {
            Tensor result;
            using (var inner = Torch.NewDisposeScope())
            {
                var x = Torch.Ones(2) * 3;
                result = x.Sum().MoveToOuterDisposeScope();
            }
            Assert.False(result.IsDisposed);
            Assert.Equal(1, outer.Count);
            Assert.Equal(6f, result.Item<float>());
        }
        Assert.Equal(before, Torch.LiveTensorCount);
    }

    [Fact]
    public void DetachedTensorsSurviveEveryScopeUntilDisposed()
    {
        long before = SerialCollection.SettledLiveTensorCount();
        Tensor detached;
        using (Torch.NewDisposeScope())
        using (Torch.NewDisposeScope())
            detached = Torch.Zeros(4).DetachFromDisposeScope();
        Assert.False(detached.IsDisposed);
        detached.Dispose();
        Assert.Equal(before, Torch.LiveTensorCount);
    }

    [Fact]
    public void DisposingAnOuterScopeClosesInnerScopesLeftOpen()
    {
        long before = SerialCollection.SettledLiveTensorCount();
        var outer = Torch.NewDisposeScope();
        Torch.Zeros(1);
        var inner = Torch.NewDisposeScope();
        var leftOpen = Torch.Zeros(1);
        outer.Dispose();
        Assert.True(leftOpen.IsDisposed);
        Assert.Null(DisposeScope.Current);
        inner.Dispose(); // harmless
        Assert.Equal(before, Torch.LiveTensorCount);
    }

    [Fact]
    public void TheFinalizerFreesTensorsNobodyDisposed()
    {
        long before = SerialCollection.SettledLiveTensorCount();
        CreateGarbage(100);
        for (int k = 0; k < 5 && Torch.LiveTensorCount > before; k++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.Equal(before, Torch.LiveTensorCount);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void CreateGarbage(int count)
    {
        for (int k = 0; k < count; k++) Torch.Zeros(10);
    }

    [Fact]
    public void TenThousandScopedIterationsKeepTheLiveCountFlatAndRssBounded()
    {
        using var w = Torch.Randn(64, 64).RequiresGrad_();
        using var x = Torch.Randn(32, 64);
        RunSteps(w, x, 500); // warm-up: allocator caches, JIT
        long liveBefore = SerialCollection.SettledLiveTensorCount();
        long rssBefore = ResidentBytes();

        RunSteps(w, x, 10_000);

        SerialCollection.Settle();
        Assert.Equal(liveBefore, Torch.LiveTensorCount);
        long growth = ResidentBytes() - rssBefore;
        Assert.True(growth < 20L * 1024 * 1024, $"RSS grew by {growth / 1024.0 / 1024.0:F1} MB over 10,000 iterations");
    }

    private static void RunSteps(Tensor w, Tensor x, int steps)
    {
        for (int k = 0; k < steps; k++)
        {
            using var scope = Torch.NewDisposeScope();
            var loss = (x.MatMul(w).Relu() - 0.5).Pow(2).Mean();
            loss.Backward();
            using (Torch.NoGrad())
            {
                var g = w.Grad!;
                w.Add_(g, alpha: -1e-3);
                g.Zero_();
            }
            _ = loss.Item<float>();
        }
    }

    private static long ResidentBytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        throw new InvalidOperationException("VmRSS not found in /proc/self/status");
    }

    [Fact]
    public void AliasIsAnIndependentOwnerOfTheSameTensor()
    {
        using var scope = Torch.NewDisposeScope();
        var a = Torch.Zeros(2);
        var b = a.Alias();
        a.Dispose();
        b.Fill_(3);
        Assert.Equal(new float[] { 3, 3 }, b.ToArray<float>());
    }
}
