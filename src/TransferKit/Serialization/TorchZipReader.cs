using System.IO.Compression;
using System.Text;
using TransferKit.Engine;

namespace TransferKit.Serialization;

/// <summary>What a loader produced: the object tree and every tensor in it (owned by the caller).</summary>
internal sealed record LoadResult(object? Root, IReadOnlyList<Tensor> Tensors);

/// <summary>
/// Reads the zip format of <c>torch.save</c> (PyTorch 1.6 and later): <c>&lt;name&gt;/data.pkl</c>
/// (the object tree, with storages as persistent ids), <c>&lt;name&gt;/data/&lt;key&gt;</c> (the raw
/// little-endian bytes of each storage), <c>&lt;name&gt;/version</c> and, from PyTorch 2.1,
/// <c>&lt;name&gt;/byteorder</c>. Entries may be stored or deflated; every entry read has its CRC-32
/// checked (the tensor records' on another core while reading goes on, see <see cref="ChecksumVerifier"/>).
/// </summary>
internal static class TorchZipReader
{
    private const long MaxPickleBytes = 1L << 30;

    /// <param name="stream">The archive.</param>
    /// <param name="source">The file's name for error messages.</param>
    /// <param name="directReads">
    /// Called with the unpickled tree before any tensor data is read; names root storages to read
    /// straight into existing contiguous tensors of the same dtype and size (see <see cref="DirectReadPlan"/>).
    /// </param>
    public static LoadResult Read(Stream stream, string source, Func<object?, IReadOnlyList<(StorageRef Storage, Tensor Destination)>>? directReads = null)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var e in zip.Entries)
            if (!entries.TryAdd(e.FullName, e))
                throw new InvalidDataException($"the zip archive holds '{e.FullName}' twice");
        if (zip.Entries.Count == 0) throw new InvalidDataException("the zip archive is empty");

        // Like PyTorch: the folder of the first entry names the archive; every record lies in it.
        string first = zip.Entries[0].FullName;
        int slash = first.IndexOf('/');
        if (slash <= 0) throw new InvalidDataException($"'{first}' is not inside a folder, as torch.save files are");
        string prefix = first[..(slash + 1)];
        if (!entries.TryGetValue(prefix + "data.pkl", out var pickleEntry))
        {
            bool script = entries.ContainsKey(prefix + "constants.pkl") || entries.Keys.Any(k => k.StartsWith(prefix + "code/", StringComparison.Ordinal));
            throw new InvalidDataException(script
                ? "this is a TorchScript archive (torch.jit.save), which TransferKit does not read; save the model's state_dict() with torch.save instead"
                : $"the zip archive has no '{prefix}data.pkl', so it is not a torch.save file");
        }

        bool bigEndian = false;
        if (entries.TryGetValue(prefix + "byteorder", out var order))
        {
            string text = Encoding.ASCII.GetString(ReadSmallEntry(order, 64)).Trim();
            bigEndian = text switch
            {
                "little" => false,
                "big" => true,
                _ => throw new InvalidDataException($"unknown byteorder '{text}'"),
            };
        }

        byte[] pickle = ReadSmallEntry(pickleEntry, MaxPickleBytes);
        var storages = new Dictionary<string, StorageRef>(StringComparer.Ordinal);
        var reader = new PickleReader(new MemoryStream(pickle, writable: false), source, "data.pkl",
            pid => PersistentLoad(pid, storages));
        object? root = reader.Load();
        var direct = directReads?.Invoke(root) ?? [];

        var checksums = new ChecksumVerifier();
        var builder = new TensorBuilder(storage => LoadRecord(entries, prefix, storage, bigEndian, checksums));
        return builder.Complete(() =>
            {
                foreach (var (storage, destination) in direct)
                    builder.AdoptRoot(storage, LoadRecord(entries, prefix, storage, bigEndian, checksums, destination));
                return builder.Materialize(root);
            },
            verify: checksums.VerifyAll,
            beforeFree: checksums.WaitIdle); // no checksum may still read a storage that is about to be freed
    }

    /// <summary>('storage', storage_type, key, location, numel): the zip format's persistent id.</summary>
    private static StorageRef PersistentLoad(object? pid, Dictionary<string, StorageRef> storages)
    {
        if (pid is not object?[] { Length: 5 } t || t[0] is not "storage")
            throw new PickleDataException($"unsupported persistent id {PickleGlobals.Describe(pid)} (expected ('storage', type, key, location, numel))");
        if (t[1] is not PyGlobal { Kind: GlobalKind.StorageType } type)
            throw new PickleDataException($"persistent id storage type is {PickleGlobals.Describe(t[1])}, not a storage class");
        if (t[2] is not string key) throw new PickleDataException($"persistent id key is {PickleGlobals.Describe(t[2])}, not a string");
        if (t[3] is not string) throw new PickleDataException($"persistent id location is {PickleGlobals.Describe(t[3])}, not a string");
        if (t[4] is not long numel || numel < 0) throw new PickleDataException($"persistent id size is {PickleGlobals.Describe(t[4])}, not a non-negative int");
        StorageIO.ByteSize(type.Dtype, numel);
        if (storages.TryGetValue(key, out var existing))
        {
            if (existing.Dtype != type.Dtype || existing.Numel != numel)
                throw new PickleDataException($"storage '{key}' is referenced as {existing.Numel} {existing.Dtype.PyTorchName()} and as {numel} {type.Dtype.PyTorchName()}");
            return existing;
        }
        var storage = new StorageRef(key, type.Dtype, numel);
        storages.Add(key, storage);
        return storage;
    }

    /// <summary>Reads a storage's record into a new tensor, or into <paramref name="destination"/> (returning a 1-D view of it).</summary>
    private static Tensor LoadRecord(Dictionary<string, ZipArchiveEntry> entries, string prefix, StorageRef storage, bool bigEndian,
        ChecksumVerifier checksums, Tensor? destination = null)
    {
        string name = $"{prefix}data/{storage.Key}";
        if (!entries.TryGetValue(name, out var entry))
            throw new InvalidDataException($"the record '{name}' of storage '{storage.Key}' is missing");
        long expected = StorageIO.ByteSize(storage.Dtype, storage.Numel);
        if (entry.Length != expected)
            throw new InvalidDataException($"the record '{name}' holds {entry.Length} bytes but {storage.Numel} {storage.Dtype.PyTorchName()} elements need {expected}");
        CheckPlausibleSize(entry);
        // The CRC-32 is checked by ChecksumVerifier.VerifyAll once every record is read (large records
        // are summed on another core meanwhile); nothing loaded reaches the caller before that.
        var checksum = checksums.Begin(name, entry.Crc32, expected, inline: bigEndian);
        using var input = entry.Open();
        return destination is null
            ? StorageIO.ReadStorage(input, storage.Dtype, storage.Numel, checksum, bigEndian)
            : StorageIO.ReadInto(destination, input, checksum, bigEndian);
    }

    private static byte[] ReadSmallEntry(ZipArchiveEntry entry, long maxBytes)
    {
        if (entry.Length < 0 || entry.Length > maxBytes)
            throw new InvalidDataException($"the record '{entry.FullName}' declares {entry.Length} bytes (at most {maxBytes} expected)");
        CheckPlausibleSize(entry);
        var bytes = new byte[entry.Length];
        using (var input = entry.Open())
        {
            int read = input.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            if (read < bytes.Length) throw new InvalidDataException($"the record '{entry.FullName}' ends after {read} of {bytes.Length} bytes");
        }
        uint crc = Crc32.Compute(bytes);
        if (crc != entry.Crc32)
            throw ChecksumVerifier.Corrupt(entry.FullName, crc, entry.Crc32);
        return bytes;
    }

    /// <summary>Refuses sizes no deflate stream of the entry's compressed length could produce (bounds allocations).</summary>
    private static void CheckPlausibleSize(ZipArchiveEntry entry)
    {
        const long MaxDeflateRatio = 1032; // deflate's theoretical maximum
        long compressed = entry.CompressedLength;
        if (compressed < 0 || entry.Length > checked(compressed * MaxDeflateRatio + 1024))
            throw new InvalidDataException($"the record '{entry.FullName}' declares {entry.Length} bytes from {compressed} compressed bytes, which is impossible");
    }
}
