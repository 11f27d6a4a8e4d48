using System.Diagnostics;
using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.GpuCheck;

/// <summary>
/// A class index out of range in a CUDA cross-entropy trips a device-side assert. TransferKit must
/// turn it into a <see cref="TorchDeviceException"/> that the program can catch (the process goes
/// on and exits normally), never a crash. CUDA cannot be used again in that process, so the check
/// runs in a child process.
/// </summary>
internal static class DeviceAssertProbe
{
    private const string Caught = "caught TorchDeviceException";

    /// <summary>The child's body: prints what happened and exits 0 if the process survived.</summary>
    public static int Run()
    {
        try
        {
            using var logits = Torch.Randn(new long[] { 4, 3 }, ScalarType.Float32, Device.Cuda);
            using var targets = Torch.Full(new long[] { 4 }, 7L, ScalarType.Int64, Device.Cuda);
            using var loss = Functional.CrossEntropy(logits, targets);
            Console.WriteLine($"loss {loss.Item<float>()} (no error: unexpected)");
            return 1;
        }
        catch (TorchDeviceException e)
        {
            Console.WriteLine($"{Caught}: {e.Message.Split('\n')[0]}");
            return 0;
        }
        catch (TorchException e)
        {
            Console.WriteLine($"caught {e.GetType().Name} instead of TorchDeviceException: {e.Message.Split('\n')[0]}");
            return 1;
        }
    }

    /// <summary>Runs <see cref="Run"/> in a child process of this program and reads its verdict.</summary>
    public static bool CheckInChildProcess(out string detail)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!, "device-assert") { RedirectStandardOutput = true, RedirectStandardError = true };
        using var child = Process.Start(start)!;
        string output = child.StandardOutput.ReadToEnd() + child.StandardError.ReadToEnd();
        if (!child.WaitForExit(120_000)) { child.Kill(); detail = "the child hung"; return false; }
        detail = $"exit {child.ExitCode}: {output.Trim().Split('\n').FirstOrDefault()}";
        return child.ExitCode == 0 && output.Contains(Caught, StringComparison.Ordinal);
    }
}
