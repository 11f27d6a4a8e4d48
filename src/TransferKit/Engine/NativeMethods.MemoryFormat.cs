using System.Runtime.InteropServices;

namespace TransferKit.Engine;

// P/Invoke declarations for src/TransferKit.Native/src/memory_format.cpp.
internal static partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial IntPtr tk_contiguous_memory_format(TensorHandle t, int memoryFormat);
    [LibraryImport(Library)] internal static partial int tk_is_contiguous_memory_format(TensorHandle t, int memoryFormat);
    [LibraryImport(Library)] internal static partial int tk_suggest_memory_format(TensorHandle t);
    [LibraryImport(Library)] internal static partial int tk_to_memory_format_(TensorHandle t, int memoryFormat);
}
