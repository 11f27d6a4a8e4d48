using System.Runtime.InteropServices;
using TransferKit.Engine;

namespace Benchmarks;

/// <summary>
/// Unmanaged function pointers to a few shim exports, bypassing TransferKit's P/Invoke layer
/// (no SafeHandle, no Tensor object): the floor that the managed wrapper adds its cost to.
/// </summary>
internal static unsafe class RawShim
{
    public static readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr> Add;
    public static readonly delegate* unmanaged<IntPtr, IntPtr> Alias;
    public static readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr> MatMul;
    public static readonly delegate* unmanaged<IntPtr, void> Free;
    public static readonly delegate* unmanaged<int> IsGradEnabled;

    static RawShim()
    {
        _ = Torch.NumThreads; // makes TransferKit load the shim (and libtorch) first
        IntPtr lib = Load();
        Add = (delegate* unmanaged<IntPtr, IntPtr, IntPtr>)NativeLibrary.GetExport(lib, "tk_add");
        MatMul = (delegate* unmanaged<IntPtr, IntPtr, IntPtr>)NativeLibrary.GetExport(lib, "tk_matmul");
        Alias = (delegate* unmanaged<IntPtr, IntPtr>)NativeLibrary.GetExport(lib, "tk_alias");
        Free = (delegate* unmanaged<IntPtr, void>)NativeLibrary.GetExport(lib, "tk_tensor_free");
        IsGradEnabled = (delegate* unmanaged<int>)NativeLibrary.GetExport(lib, "tk_is_grad_enabled");
    }

    // Same search as TransferKit's resolver; dlopen of an already loaded file returns the same module.
    private static IntPtr Load()
    {
        foreach (string dir in NativeLibraryLoader.CandidateDirectories(typeof(Tensor).Assembly))
        {
            string path = Path.Combine(dir, "libTransferKitNative.so");
            if (File.Exists(path)) return NativeLibrary.Load(path);
        }
        throw new DllNotFoundException("libTransferKitNative.so not found next to the benchmark");
    }

    /// <summary>The raw at::Tensor* a tensor wraps (valid while the tensor is alive).</summary>
    public static IntPtr Ptr(Tensor t) => t.Handle.DangerousGetHandle();
}
