using System.Runtime.InteropServices;

namespace TransferKit.Engine;

// P/Invoke declarations for src/TransferKit.Native/src/distributed.cpp.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr tk_dist_init(int storeKind, string host, int port, int rank, int worldSize, long timeoutMs, string? deviceHost);
    [LibraryImport(Library)] internal static partial void tk_dist_free(IntPtr group);
    [LibraryImport(Library)] internal static partial int tk_dist_broadcast_(IntPtr group, IntPtr* tensors, int count, int root);
    [LibraryImport(Library)] internal static partial int tk_dist_allreduce_(IntPtr group, IntPtr* tensors, int count, double scale, long bucketBytes);
    [LibraryImport(Library)] internal static partial int tk_dist_barrier(IntPtr group);
}
