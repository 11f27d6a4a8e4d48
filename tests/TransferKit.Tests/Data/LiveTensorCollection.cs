namespace TransferKit.Tests.Data;

/// <summary>
/// Tests that compare the process-wide count of live native tensors before and after some work:
/// they run alone (after the parallel tests), since tensors created by tests running at the same
/// time would change the count.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveTensorCollection
{
    public const string Name = "Live tensor count";

    /// <summary>The live count once tensors that earlier code left to the finalizer are released.</summary>
    public static long SettledCount()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return TensorHandle.LiveCount;
    }
}
