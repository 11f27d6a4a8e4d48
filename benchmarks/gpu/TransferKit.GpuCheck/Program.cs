using TransferKit.Engine;
using TransferKit.GpuCheck;

// Verbs:
//   tests                      run the CUDA tests (exit code = failures)
//   device-assert              child process of `tests`: triggers a device-side assert, prints the exception type
//   bench [--out DIR] [--quick] [--device cpu]   the training-step benchmark; writes DIR/transferkit.json
string verb = args.Length > 0 ? args[0] : "";
switch (verb)
{
    case "tests":
        return CudaTestRunner.Run();
    case "device-assert":
        return DeviceAssertProbe.Run();
    case "bench":
        return GpuStepBenchmark.Run(args.Skip(1).ToArray());
    case "info":
        Console.WriteLine($"libtorch {Torch.LibTorchVersion}, CUDA available: {Cuda.IsAvailable}, devices: {Cuda.DeviceCount}");
        return 0;
    default:
        Console.Error.WriteLine("usage: TransferKit.GpuCheck tests | device-assert | bench [--out DIR] [--quick] [--device cpu|cuda] | info");
        return 2;
}
