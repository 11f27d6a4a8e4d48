using System.Reflection;
using System.Runtime.InteropServices;

namespace TransferKit.Engine;

/// <summary>
/// Finds and loads <c>libTransferKitNative.so</c> (and through it libtorch) the first time any
/// native function is called, and turns every way that can fail into one
/// <see cref="TorchNativeLoadException"/> that says what is missing and how to install it.
/// </summary>
internal static partial class NativeLibraryLoader
{
    /// <summary>Must equal tk_abi_version() in src/TransferKit.Native/src/runtime.cpp.</summary>
    internal const int ExpectedAbiVersion = 15;

    private const string FileName = "libTransferKitNative.so";
    private const string InstallHint =
        "Install the prerequisites with `bash scripts/setup.sh` from the TransferKit repository, or on Debian/Ubuntu: " +
        "`sudo apt-get install libtorch-dev libopenblas0-pthread`.";

    private static readonly object Gate = new();
    private static IntPtr _handle;

    /// <summary>Installs the resolver; called once from <see cref="NativeMethods"/>'s static constructor.</summary>
    internal static void Register() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != NativeMethods.Library) return IntPtr.Zero;
        lock (Gate)
        {
            if (_handle == IntPtr.Zero) _handle = Load(assembly);
            return _handle;
        }
    }

    /// <summary>Folders searched for the shim, in order.</summary>
    internal static IEnumerable<string> CandidateDirectories(Assembly assembly)
    {
        string? assemblyDir = Path.GetDirectoryName(assembly.Location);
        string rid = RuntimeInformation.RuntimeIdentifier.StartsWith("linux-arm64", StringComparison.Ordinal) ? "linux-arm64" : "linux-x64";
        var dirs = new List<string>();
        string? overrideDir = Environment.GetEnvironmentVariable("TRANSFERKIT_NATIVE_DIR");
        if (!string.IsNullOrEmpty(overrideDir)) dirs.Add(overrideDir);
        foreach (string? root in new[] { AppContext.BaseDirectory, assemblyDir })
        {
            if (string.IsNullOrEmpty(root)) continue;
            dirs.Add(root);
            dirs.Add(Path.Combine(root, "runtimes", rid, "native"));
        }
        return dirs.Distinct();
    }

    private static IntPtr Load(Assembly assembly)
    {
        if (!OperatingSystem.IsLinux())
            throw new TorchNativeLoadException(
                $"TransferKit's native engine is built for Linux (x64) only; this is {RuntimeInformation.OSDescription}.");

        ConfigureOpenMp();
        var searched = new List<string>();
        foreach (string dir in CandidateDirectories(assembly))
        {
            string path = Path.Combine(dir, FileName);
            searched.Add(path);
            if (!File.Exists(path)) continue;
            IntPtr handle;
            try
            {
                handle = NativeLibrary.Load(path);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                throw new TorchNativeLoadException(DescribeLoadFailure(path, e.Message), e);
            }
            Initialize(handle, path);
            return handle;
        }

        // Last resort: the system loader's own search (LD_LIBRARY_PATH, ldconfig cache).
        if (NativeLibrary.TryLoad(FileName, out IntPtr systemHandle))
        {
            Initialize(systemHandle, FileName);
            return systemHandle;
        }

        throw new TorchNativeLoadException(
            $"TransferKit's native shim {FileName} was not found. Searched: {string.Join(", ", searched)}. " +
            "It is built by `dotnet build` from src/TransferKit.Native (needs cmake, g++ and libtorch-dev) and ships in the " +
            $"TransferKit package under runtimes/linux-x64/native/. {InstallHint}");
    }

    /// <summary>
    /// libtorch's CPU kernels run on OpenMP (libgomp), whose worker threads by default spin for a
    /// while at every barrier. When the machine has other work (a second process, the data loader's
    /// workers), spinning threads steal the cores the other threads need: a small MLP training step
    /// measured 15-30x slower on a busy 2-core machine. Unless the user chose a policy
    /// (<c>OMP_WAIT_POLICY</c> or <c>GOMP_SPINCOUNT</c>), TransferKit asks OpenMP to wait passively.
    /// libgomp reads its environment once, when it loads with libtorch, so this runs before that.
    /// </summary>
    private static void ConfigureOpenMp()
    {
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null || Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is not null)
            return;
        try
        {
            _ = setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: keep OpenMP's default policy.
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);

    internal static string DescribeLoadFailure(string path, string loaderMessage)
    {
        bool torchMissing = loaderMessage.Contains("libtorch", StringComparison.Ordinal) ||
                            loaderMessage.Contains("libc10", StringComparison.Ordinal);
        string what = torchMissing
            ? "libtorch 1.13 (libtorch_cpu.so.1.13, libc10.so.1.13), which the shim was built against, could not be loaded"
            : $"the native shim {path} could not be loaded";
        return $"TransferKit: {what}. Loader said: {loaderMessage.Trim()}. {InstallHint} " +
               "If you built the shim against another libtorch, put its lib/ folder on LD_LIBRARY_PATH.";
    }

    private static unsafe void Initialize(IntPtr handle, string path)
    {
        if (!NativeLibrary.TryGetExport(handle, "tk_abi_version", out IntPtr abiExport))
            throw new TorchNativeLoadException($"{path} is not a TransferKit native shim (it has no tk_abi_version export). {InstallHint}");
        int abi = ((delegate* unmanaged<int>)abiExport)();
        if (abi != ExpectedAbiVersion)
            throw new TorchNativeLoadException(
                $"{path} implements native ABI version {abi} but this TransferKit assembly needs version {ExpectedAbiVersion}: " +
                "the shim and the managed assembly come from different builds. Rebuild with `dotnet build` or reinstall the package.");

        // PyTorch picks one intra-op thread per physical core (1 on a 2-vCPU machine), which leaves
        // half the machine idle for convolutions. Use every logical core unless the user said otherwise.
        int threads = int.TryParse(Environment.GetEnvironmentVariable("TRANSFERKIT_NUM_THREADS"), out int requested) && requested > 0
            ? requested
            : Environment.GetEnvironmentVariable("OMP_NUM_THREADS") is null ? Environment.ProcessorCount : 0;
        if (threads > 0)
            ((delegate* unmanaged<int, int>)NativeLibrary.GetExport(handle, "tk_set_num_threads"))(threads);
    }
}
