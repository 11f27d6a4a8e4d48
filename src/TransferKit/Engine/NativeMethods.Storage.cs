using System.Runtime.InteropServices;

namespace TransferKit.Engine;

// Storage-level access used by TransferKit.Serialization (src/TransferKit.Native/src/tensor_storage.cpp).
internal static unsafe partial class NativeMethods
{
    /// <summary>Copies bytes into a CPU tensor's storage at a byte offset (0 ok, 1 failure).</summary>
    [LibraryImport(Library)] internal static partial int tk_storage_write(TensorHandle t, long byteOffset, void* src, long nbytes);

    /// <summary>The address and byte size of a CPU tensor's storage, for reading file data straight into it (0 ok, 1 failure).</summary>
    [LibraryImport(Library)] internal static partial int tk_storage_data(TensorHandle t, out void* data, out long nbytes);

    /// <summary>A new 1-D CPU tensor on a 2 MiB-aligned buffer advised for transparent huge pages, reused from freed ones of the same size; zero on failure.</summary>
    [LibraryImport(Library)] internal static partial IntPtr tk_empty_huge(long numel, int dtype);

    /// <summary>Unmaps the freed buffers tk_empty_huge keeps for reuse; returns the bytes released.</summary>
    [LibraryImport(Library)] internal static partial long tk_release_file_buffers();

    /// <summary>Copies bytes out of a CPU tensor's storage at a byte offset (0 ok, 1 failure).</summary>
    [LibraryImport(Library)] internal static partial int tk_storage_read(TensorHandle t, long byteOffset, void* dst, long nbytes);

    /// <summary>Storage offset (elements), storage size (bytes) and storage identity of a CPU tensor (0 ok, 1 failure).</summary>
    [LibraryImport(Library)] internal static partial int tk_storage_info(TensorHandle t, out long storageOffset, out long storageBytes, out ulong storageId);

    /// <summary>Writes up to <paramref name="capacity"/> strides; returns the dimension count, or -1 on failure.</summary>
    [LibraryImport(Library)] internal static partial long tk_strides(TensorHandle t, long* strides, long capacity);

    /// <summary>A new tensor sharing the storage of <paramref name="source"/> with the given layout; zero on failure.</summary>
    [LibraryImport(Library)] internal static partial IntPtr tk_from_storage(TensorHandle source, long storageOffset, long* sizes, long* strides, int ndim);
}
