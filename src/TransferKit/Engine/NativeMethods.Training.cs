using System.Runtime.InteropServices;

namespace TransferKit.Engine;

// P/Invoke declarations for src/TransferKit.Native/src/training.cpp.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial int tk_clip_grad_norm_(IntPtr* parameters, int count, double maxNorm, double normType, out double totalNorm);
    [LibraryImport(Library)] internal static partial IntPtr tk_get_rng_state();
    [LibraryImport(Library)] internal static partial int tk_set_rng_state(TensorHandle state);
    [LibraryImport(Library)] internal static partial int tk_autocast_cpu_enter(int dtype);
    [LibraryImport(Library)] internal static partial int tk_autocast_cpu_exit(int previousEnabled);
}
