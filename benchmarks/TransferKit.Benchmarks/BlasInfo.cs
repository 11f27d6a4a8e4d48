using System.Runtime.InteropServices;

namespace Benchmarks;

/// <summary>Which BLAS this process uses: the files it mapped and the library that provides sgemm_ to libtorch.</summary>
public static partial class BlasInfo
{
    /// <summary>Distinct paths of mapped files whose name contains "blas" (libblas, libopenblas).</summary>
    public static IReadOnlyList<string> MappedBlasLibraries()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return new[] { "unknown (no /proc/self/maps)" };
        return File.ReadLines(maps)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 6 && Path.GetFileName(f[5]).Contains("blas", StringComparison.Ordinal))
            .Select(f => f[5])
            .Distinct()
            .ToList();
    }

    /// <summary>
    /// The file whose sgemm_ libtorch binds to: dlsym on libtorch_cpu's handle searches its dependency
    /// tree in load order, as its own symbol lookup does. Several BLAS files can be mapped at once
    /// (Debian's liblapack.so.3 from OpenBLAS pulls in libopenblas.so.0), so the mapping alone does not tell.
    /// </summary>
    public static string SgemmProvider()
    {
        const int RTLD_LAZY = 1, RTLD_NOLOAD = 4;
        IntPtr torch = dlopen("libtorch_cpu.so.1.13", RTLD_LAZY | RTLD_NOLOAD);
        if (torch == IntPtr.Zero) return "unknown (libtorch_cpu.so.1.13 not loaded)";
        try
        {
            IntPtr sym = dlsym(torch, "sgemm_");
            if (sym == IntPtr.Zero || dladdr(sym, out DlInfo info) == 0) return "unknown (sgemm_ not found)";
            string path = Marshal.PtrToStringUTF8(info.FileName) ?? "unknown";
            // Debian's libblas.so.3 is an update-alternatives symlink: show where it leads.
            string? target = File.Exists(path) ? File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName : null;
            return target is null ? path : $"{path} -> {target}";
        }
        finally
        {
            dlclose(torch);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct DlInfo
    {
        public IntPtr FileName, FileBase, SymbolName, SymbolAddress;
    }

    [LibraryImport("libc.so.6", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr dlopen(string file, int mode);

    [LibraryImport("libc.so.6", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr dlsym(IntPtr handle, string name);

    [LibraryImport("libc.so.6")]
    private static partial int dladdr(IntPtr address, out DlInfo info);

    [LibraryImport("libc.so.6")]
    private static partial int dlclose(IntPtr handle);
}
