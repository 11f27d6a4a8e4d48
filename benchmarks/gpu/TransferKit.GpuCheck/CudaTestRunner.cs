using System.Diagnostics;
using System.Reflection;
using TransferKit.CudaTests;

namespace TransferKit.GpuCheck;

/// <summary>
/// Runs the test methods of tests/TransferKit.Cuda.Tests on a machine without .NET's test runner:
/// every public method with a <c>[Fact]</c>-derived attribute, on a fresh instance of its class
/// (disposed afterwards), reporting PASS/FAIL/SKIP per test; then the device-side assert check in a
/// child process (a device-side assert leaves CUDA unusable in the process that hit it).
/// </summary>
internal static class CudaTestRunner
{
    public static int Run()
    {
        var assembly = typeof(CudaFactAttribute).Assembly;
        int passed = 0, failed = 0, skipped = 0;
        foreach (var type in assembly.GetTypes().Where(t => t.IsPublic && !t.IsAbstract).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance).OrderBy(m => m.Name, StringComparer.Ordinal))
            {
                var fact = method.GetCustomAttributes().OfType<Xunit.FactAttribute>().FirstOrDefault();
                if (fact is null) continue;
                string name = $"{type.Name}.{method.Name}";
                if (fact.Skip is { } reason)
                {
                    Console.WriteLine($"SKIP {name}: {reason}");
                    skipped++;
                    continue;
                }
                var clock = Stopwatch.StartNew();
                try
                {
                    object instance = Activator.CreateInstance(type)!;
                    try
                    {
                        method.Invoke(instance, null);
                    }
                    finally
                    {
                        (instance as IDisposable)?.Dispose();
                    }
                    Console.WriteLine($"PASS {name} ({clock.ElapsedMilliseconds} ms)");
                    passed++;
                }
                catch (TargetInvocationException e)
                {
                    Console.WriteLine($"FAIL {name} ({clock.ElapsedMilliseconds} ms): {e.InnerException}");
                    failed++;
                }
            }
        }
        if (DeviceAssertProbe.CheckInChildProcess(out string detail)) { Console.WriteLine($"PASS DeviceSideAssertBecomesATorchDeviceException: {detail}"); passed++; }
        else { Console.WriteLine($"FAIL DeviceSideAssertBecomesATorchDeviceException: {detail}"); failed++; }
        Console.WriteLine($"{passed} passed, {failed} failed, {skipped} skipped");
        return failed;
    }
}
