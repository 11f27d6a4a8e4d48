using System.Runtime.InteropServices;

namespace TransferKit.Engine;

// P/Invoke declarations for src/TransferKit.Native/src/training.cpp.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial int tk_clip_grad_norm_(IntPtr* parameters, int count, double maxNorm, double normType, out double totalNorm);
    [LibraryImport(Library)] internal static partial IntPtr tk_get_rng_state();
    [LibraryImport(Library)] internal static partial int tk_set_rng_state(TensorHandle state);
    [LibraryImport(Library)] internal static partial int tk_autocast_enter(int deviceType, int dtype, out int previousEnabled, out int previousDtype);
    [LibraryImport(Library)] internal static partial int tk_autocast_exit(int deviceType, int previousEnabled, int previousDtype);

    // ---- amp_and_foreach.cpp ----
    [LibraryImport(Library)] internal static partial int tk_amp_unscale_(IntPtr* grads, int count, TensorHandle foundInf, TensorHandle invScale);
    [LibraryImport(Library)] internal static partial int tk_amp_update_scale_(TensorHandle scale, TensorHandle growthTracker, TensorHandle foundInf, double growth, double backoff, long growthInterval);
    [LibraryImport(Library)] internal static partial int tk_sgd_foreach_(IntPtr* parameters, int count, IntPtr* buffers, IntPtr* newBuffers,
        double lr, double momentum, double dampening, double weightDecay, int nesterov);
}
