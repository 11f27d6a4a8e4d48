using System.Buffers;
using System.Buffers.Binary;
using TransferKit.Engine;

namespace TransferKit.Serialization;

/// <summary>
/// Moves tensor bytes between streams and native storages in bounded chunks (no managed copy of a
/// whole tensor, no 2 GB array limit), and wraps the storage-level shim calls.
/// </summary>
internal static class StorageIO
{
    private const int ChunkBytes = 1 << 20; // a multiple of every element size, so byte swaps never straddle chunks; also the checksum's unit of overlap

    /// <summary>
    /// A new 1-D CPU tensor of <paramref name="numel"/> elements filled with the next bytes of
    /// <paramref name="input"/> (little-endian unless <paramref name="bigEndian"/>), read straight
    /// into the tensor's native memory. Throws <see cref="EndOfStreamException"/> when the stream
    /// ends early. <paramref name="checksum"/>, if given, receives the bytes as read (before any
    /// byte swap; a background checksum is waited for before the tensor is freed on a failure).
    /// </summary>
    public static Tensor ReadStorage(Stream input, ScalarType dtype, long numel, RecordChecksum? checksum = null, bool bigEndian = false)
    {
        long nbytes = ByteSize(dtype, numel);
        return FillOrFree(Allocate(dtype, numel, nbytes), input, nbytes, checksum, bigEndian ? dtype.ElementSize() : 1);
    }

    /// <summary>
    /// Reads the next bytes of <paramref name="input"/> straight into the memory of
    /// <paramref name="destination"/> (a contiguous CPU tensor, all of its elements) and returns a
    /// new 1-D tensor owner over that memory. See <see cref="ReadStorage"/> for the other arguments;
    /// on a failure the destination holds part of the data.
    /// </summary>
    public static Tensor ReadInto(Tensor destination, Stream input, RecordChecksum? checksum = null, bool bigEndian = false)
    {
        if (!destination.IsContiguous)
            throw new ArgumentException("the destination of a direct read must be contiguous", nameof(destination));
        var flat = FromStorage(destination, Info(destination).Offset, [destination.Numel], [1]);
        return FillOrFree(flat, input, ByteSize(destination.Dtype, destination.Numel), checksum,
            bigEndian ? destination.Dtype.ElementSize() : 1);
    }

    /// <summary>Records of this size or more get memory of their own on transparent huge pages (see <see cref="Allocate"/>).</summary>
    internal const long HugePageThreshold = 2L << 20;

    /// <summary>
    /// A new 1-D tensor for <paramref name="nbytes"/> of file data. Large ones get buffers of their
    /// own (<c>tk_empty_huge</c>, src/TransferKit.Native/src/file_buffers.cpp): 2 MiB-aligned and
    /// advised for transparent huge pages, and kept after being freed (up to 256 MiB, reclaimable
    /// by the kernel) for the next load of the same sizes. Filling fresh memory is dominated by
    /// page faults, which cost microseconds each on virtual machines (45 MB: ~20 ms on 4 KiB pages,
    /// ~3 ms on huge pages, ~2 ms when already mapped, measured on the benchmark machine).
    /// </summary>
    private static Tensor Allocate(ScalarType dtype, long numel, long nbytes) =>
        nbytes >= HugePageThreshold && OperatingSystem.IsLinux()
            ? Tensor.FromNative(NativeMethods.tk_empty_huge(numel, (int)dtype))
            : Torch.Empty([numel], dtype);

    /// <summary>Writes <paramref name="nbytes"/> of the storage of <paramref name="tensor"/>, from a byte offset, to a stream.</summary>
    public static unsafe void WriteStorage(Tensor tensor, long byteOffset, long nbytes, Stream output)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(nbytes, 1, ChunkBytes));
        try
        {
            for (long done = 0; done < nbytes;)
            {
                int n = (int)Math.Min(buffer.Length, nbytes - done);
                fixed (byte* p = buffer)
                    Tensor.Check(NativeMethods.tk_storage_read(tensor.Handle, byteOffset + done, p, n));
                output.Write(buffer, 0, n);
                done += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Where a CPU tensor lies in its storage: offset in elements, storage size in bytes, storage identity.</summary>
    public static (long Offset, long StorageBytes, ulong StorageId) Info(Tensor tensor)
    {
        Tensor.Check(NativeMethods.tk_storage_info(tensor.Handle, out long offset, out long bytes, out ulong id));
        return (offset, bytes, id);
    }

    /// <summary>The strides of a tensor, in elements.</summary>
    public static unsafe long[] Strides(Tensor tensor)
    {
        var handle = tensor.Handle;
        var strides = new long[PickleGlobals.MaxDims];
        long n;
        fixed (long* p = strides) n = NativeMethods.tk_strides(handle, p, strides.Length);
        if (n < 0) throw TorchException.FromLastError();
        if (n <= strides.Length) return strides[..(int)n];
        strides = new long[n];
        fixed (long* p = strides) NativeMethods.tk_strides(handle, p, n);
        return strides;
    }

    /// <summary>A tensor over the storage of <paramref name="storage"/> (shared) with the given layout; checked to fit.</summary>
    public static unsafe Tensor FromStorage(Tensor storage, long offset, long[] sizes, long[] strides)
    {
        fixed (long* s = sizes)
        fixed (long* st = strides)
            return Tensor.FromNative(NativeMethods.tk_from_storage(storage.Handle, offset, s, st, sizes.Length));
    }

    /// <summary>numel × element size, refusing overflow.</summary>
    public static long ByteSize(ScalarType dtype, long numel)
    {
        int size = dtype.ElementSize();
        if (numel < 0 || numel > long.MaxValue / size)
            throw new InvalidDataException($"a storage of {numel} {dtype.PyTorchName()} elements is not possible");
        return numel * size;
    }

    /// <summary>Reverses the bytes of each element in place (for big-endian data).</summary>
    public static void SwapBytes(Span<byte> data, int elementSize)
    {
        switch (elementSize)
        {
            case 2:
                var u16 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(data);
                BinaryPrimitives.ReverseEndianness(u16, u16);
                break;
            case 4:
                var u32 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(data);
                BinaryPrimitives.ReverseEndianness(u32, u32);
                break;
            case 8:
                var u64 = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(data);
                BinaryPrimitives.ReverseEndianness(u64, u64);
                break;
        }
    }

    /// <summary><see cref="Fill"/>, returning <paramref name="target"/>; on a failure it is freed once no checksum reads it any more.</summary>
    private static Tensor FillOrFree(Tensor target, Stream input, long nbytes, RecordChecksum? checksum, int swapSize)
    {
        try
        {
            Fill(target, input, nbytes, checksum, swapSize);
            return target;
        }
        catch
        {
            checksum?.WaitIdle();
            target.Dispose();
            throw;
        }
    }

    private static unsafe void Fill(Tensor storage, Stream input, long nbytes, RecordChecksum? checksum, int swapSize)
    {
        Tensor.Check(NativeMethods.tk_storage_data(storage.Handle, out void* data, out long capacity));
        long skip = Info(storage).Offset * storage.Dtype.ElementSize();
        if (capacity - skip < nbytes)
            throw new InvalidOperationException($"a storage of {capacity} bytes cannot hold {nbytes} bytes from byte {skip}");
        byte* start = (byte*)data + skip;
        for (long done = 0; done < nbytes;)
        {
            int want = (int)Math.Min(ChunkBytes, nbytes - done);
            var chunk = new Span<byte>(start + done, want);
            int got = input.ReadAtLeast(chunk, want, throwOnEndOfStream: false);
            if (got < want)
                throw new EndOfStreamException($"the data ends after {done + got} of {nbytes} bytes");
            checksum?.Append(start + done, want);
            if (swapSize > 1) SwapBytes(chunk, swapSize);
            done += want;
        }
        GC.KeepAlive(storage);
    }
}
