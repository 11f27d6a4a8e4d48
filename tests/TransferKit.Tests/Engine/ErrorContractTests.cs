using TransferKit.Engine;
namespace TransferKit.Tests.Engine;


[Trait("Category", "Unit")]
public class ErrorContractTests
{
    [Fact]
    public void ShapeMismatchInMatmulCarriesLibtorchsMessageWithoutBacktrace()
    {
        using var scope = Torch.NewDisposeScope();
        var a = Torch.Zeros(2, 3);
        var b = Torch.Zeros(4, 5);
        var e = Assert.Throws<TorchException>(() => a.MatMul(b));
        Assert.Equal("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)", e.Message);
        Assert.DoesNotContain("Exception raised from", e.Message);
        Assert.DoesNotContain("frame #", e.Message);
    }

    [Fact]
    public void CleanDropsTheCppTrailerAndBacktrace()
    {
        string raw = "size mismatch\nException raised from check at foo.cpp:12 (most recent call first):\nframe #0: c10::Error::Error";
        Assert.Equal("size mismatch", TorchException.Clean(raw));
        Assert.Equal("unknown native error", TorchException.Clean("\n \n"));
    }

    public static TheoryData<string, Func<Tensor>, string> InvalidOperations() => new()
    {
        { "broadcast mismatch", () => Torch.Zeros(3) + Torch.Zeros(4), "must match the size of tensor b" },
        { "matmul shapes", () => Torch.Zeros(2, 3).MatMul(Torch.Zeros(2, 3)), "cannot be multiplied" },
        { "view of a wrong size", () => Torch.Zeros(6).View(4, 2), "is invalid for input of size 6" },
        { "select out of range", () => Torch.Zeros(3).Select(0, 7), "out of range" },
        { "dimension out of range", () => Torch.Zeros(3).Sum(5), "Dimension out of range" },
        { "index_select with float indices", () => Torch.Zeros(3).IndexSelect(0, Torch.Zeros(2)), "Expected dtype int32 or int64 for index" },
        { "index_select out of range", () => Torch.Zeros(3).IndexSelect(0, Torch.FromArray(new long[] { 9 })), "out of range" },
        { "mean of an integer tensor", () => Torch.Arange(4).Mean(), "Long" },
        { "cat of different ranks", () => Torch.Cat(new[] { Torch.Zeros(2), Torch.Zeros(2, 2) }), "Tensors must have same number of dimensions" },
    };

    [Theory]
    [MemberData(nameof(InvalidOperations))]
    public void InvalidOperationsRaiseTorchExceptionWithLibtorchsText(string what, Func<Tensor> operation, string expected)
    {
        using var scope = Torch.NewDisposeScope();
        var e = Assert.Throws<TorchException>(operation);
        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), $"{what}: message was '{e.Message}'");
    }

    [Fact]
    public void AThousandInvalidOperationsInARowEachThrowAndLeaveTheEngineHealthy()
    {
        var operations = InvalidOperations().Select(row => (Func<Tensor>)row[1]).ToArray();
        var inPlace = new Action[]
        {
            () => { using var t = Torch.Zeros(2); using var u = Torch.Zeros(3); t.Add_(u); },
            () => { using var t = Torch.Zeros(2); using var u = Torch.Zeros(2, 2); t.Copy_(u); },
            () => { using var t = Torch.Zeros(2); t.Backward(); },
        };
        for (int k = 0; k < 1000; k++)
        {
            using var scope = Torch.NewDisposeScope();
            if (k % 4 == 3)
                Assert.Throws<TorchException>(inPlace[k % inPlace.Length]);
            else
                Assert.Throws<TorchException>(operations[k % operations.Length]);
        }

        // Still healthy: a normal computation gives the right answer afterwards.
        using var check = Torch.NewDisposeScope();
        var a = Torch.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, a.MatMul(a).ToArray<float>());
    }

    [Fact]
    public void ErrorsAreKeptPerThread()
    {
        // Two threads fail differently at the same time: each reads its own message, because the
        // shim keeps the last error per thread.
        Threads.Run(
            () =>
            {
                for (int k = 0; k < 200; k++)
                {
                    using var a = Torch.Zeros(2, 3);
                    using var b = Torch.Zeros(4, 5);
                    Assert.Contains("cannot be multiplied", Assert.Throws<TorchException>(() => a.MatMul(b)).Message);
                }
            },
            () =>
            {
                for (int k = 0; k < 200; k++)
                {
                    using var a = Torch.Zeros(6);
                    Assert.Contains("is invalid for input of size 6", Assert.Throws<TorchException>(() => a.View(4, 2)).Message);
                }
            });
    }

    [Fact]
    public void UsingADisposedTensorThrowsObjectDisposedException()
    {
        var t = Torch.Zeros(2);
        t.Dispose();
        t.Dispose(); // twice is fine
        Assert.True(t.IsDisposed);
        var e = Assert.Throws<ObjectDisposedException>(() => t.Sum());
        Assert.Contains("disposed", e.Message);
    }

    [Fact]
    public void LoadFailureMessagesSayWhatIsMissingAndHowToInstallIt()
    {
        string torchMissing = NativeLibraryLoader.DescribeLoadFailure(
            "/app/libTransferKitNative.so", "libtorch_cpu.so.1.13: cannot open shared object file: No such file or directory");
        Assert.Contains("libtorch 1.13", torchMissing);
        Assert.Contains("apt-get install libtorch-dev", torchMissing);
        Assert.Contains("libtorch_cpu.so.1.13: cannot open shared object file", torchMissing);

        string shimBroken = NativeLibraryLoader.DescribeLoadFailure("/app/libTransferKitNative.so", "invalid ELF header");
        Assert.Contains("/app/libTransferKitNative.so could not be loaded", shimBroken);
    }
}
