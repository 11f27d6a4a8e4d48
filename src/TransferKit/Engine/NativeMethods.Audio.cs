using System.Runtime.InteropServices;

namespace TransferKit.Engine;

// P/Invoke declarations for src/TransferKit.Native/src/audio_stft.cpp.
internal static partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial IntPtr tk_stft_magnitude(TensorHandle x, long nFft, long hop, TensorHandle window);
}
