using TransferKit.Engine;
namespace TransferKit.Tests.Engine;


[Trait("Category", "Unit")]
public class ThreadingTests
{
    [Fact]
    public void FourThreadsRunningOpsConcurrentlyGetCorrectResults()
    {
        Action Worker(int seed) => () =>
        {
            var data = Enumerable.Range(0, 16).Select(i => (i + seed) / 16f).ToArray();
            for (int k = 0; k < 300; k++)
            {
                using var scope = Torch.NewDisposeScope();
                var m = Torch.FromArray(data, 4, 4);
                var w = Torch.FromArray(data, 4, 4).RequiresGrad_();
                var loss = m.MatMul(w).Softmax(1).Log().Sum();
                loss.Backward();
                // Compare with the same computation in double precision done on this thread.
                var expected = Torch.FromArray(data.Select(v => (double)v).ToArray(), 4, 4);
                var product = expected.MatMul(expected);
                Assert.Equal(product.ToArray<double>().Select(v => (float)v).ToArray(), m.MatMul(m).ToArray<float>());
                Assert.Equal(new long[] { 4, 4 }, w.Grad!.Shape);
                Assert.True(float.IsFinite(loss.Item<float>()));
            }
        };
        Threads.Run(Worker(0), Worker(1), Worker(2), Worker(3));
    }

    [Fact]
    public void GradModeIsPerThread()
    {
        using var x = Torch.Ones(new long[] { 1 }, ScalarType.Float32, requiresGrad: true);
        using var noGradEntered = new ManualResetEventSlim();
        using var checkedOther = new ManualResetEventSlim();
        bool otherThreadRecorded = false;
        Threads.Run(
            () =>
            {
                using (Torch.NoGrad())
                {
                    noGradEntered.Set();
                    checkedOther.Wait();
                }
            },
            () =>
            {
                noGradEntered.Wait();
                using var y = x * 2;
                otherThreadRecorded = y.RequiresGrad;
                checkedOther.Set();
            });
        Assert.True(otherThreadRecorded);
    }
}
