using System.Buffers.Binary;
using System.Numerics;
using TransferKit.Engine;

namespace TransferKit.Serialization;

/// <summary>
/// Reads the legacy format of <c>torch.save</c> (before PyTorch 1.6, and later with
/// <c>_use_new_zipfile_serialization=False</c>): five consecutive pickles — the magic number
/// 0x1950a86a20f9469cfc6c, the protocol version 1001, a sys_info dict (endianness, type sizes),
/// the object tree (storages as persistent ids <c>('storage', type, key, location, numel,
/// view_metadata)</c>) and the list of storage keys — followed, for each key in that list, by the
/// storage's element count as an int64 and its raw bytes. PyTorch writes both little-endian on
/// every machine (sys_info only records the writer's byte order), so no byte swapping is needed.
/// </summary>
internal static class TorchLegacyReader
{
    private static readonly BigInteger Magic = BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.AllowHexSpecifier);
    private const long ProtocolVersion = 1001;

    public static LoadResult Read(Stream stream, string source)
    {
        object? magic = new PickleReader(stream, source, "magic number", null).Load();
        if (!(magic is BigInteger m && m == Magic))
            throw new InvalidDataException("the legacy header has the wrong magic number, so this is not a torch.save file");
        object? version = new PickleReader(stream, source, "protocol version", null).Load();
        if (version is not ProtocolVersion)
            throw new InvalidDataException($"legacy protocol version {PickleGlobals.Describe(version)} is not supported (expected {ProtocolVersion})");
        object? sysInfo = new PickleReader(stream, source, "sys_info", null).Load();
        if (sysInfo is not OrderedDictionary<object, object?>)
            throw new InvalidDataException($"the legacy sys_info is {PickleGlobals.Describe(sysInfo)}, not a dict");

        var roots = new Dictionary<string, StorageRef>(StringComparer.Ordinal);
        var views = new Dictionary<string, StorageRef>(StringComparer.Ordinal);
        object? root = new PickleReader(stream, source, "object pickle", pid => PersistentLoad(pid, roots, views)).Load();
        object? keys = new PickleReader(stream, source, "storage key list", null).Load();
        if (keys is not List<object?> keyList)
            throw new InvalidDataException($"the legacy storage key list is {PickleGlobals.Describe(keys)}, not a list");

        var builder = new TensorBuilder(storage => throw new InvalidDataException($"storage '{storage.Key}' has no data in the file"));
        return builder.Complete(() =>
        {
            ReadStorages(stream, keyList, roots, builder);
            return builder.Materialize(root);
        });
    }

    /// <summary>The data section: for each key of the list, an int64 element count and the storage's bytes.</summary>
    private static void ReadStorages(Stream stream, List<object?> keyList, Dictionary<string, StorageRef> roots, TensorBuilder builder)
    {
        long end = stream.Length;
        Span<byte> header = stackalloc byte[8];
        foreach (var item in keyList)
        {
            if (item is not string key) throw new InvalidDataException($"a storage key is {PickleGlobals.Describe(item)}, not a string");
            if (!roots.TryGetValue(key, out var storage))
                throw new InvalidDataException($"storage '{key}' has data in the file but no tensor refers to it, so its element type is unknown");
            if (storage.Data is not null) throw new InvalidDataException($"storage '{key}' has data twice");
            if (stream.ReadAtLeast(header, 8, throwOnEndOfStream: false) < 8)
                throw new EndOfStreamException($"the file ends before the data of storage '{key}'");
            long count = BinaryPrimitives.ReadInt64LittleEndian(header);
            long left = end - stream.Position;
            if (count < 0 || count > left / storage.Dtype.ElementSize())
                throw new InvalidDataException($"storage '{key}' declares {count} {storage.Dtype.PyTorchName()} elements but only {left} bytes are left");
            storage.Numel = count; // the count in the data is authoritative, as in PyTorch
            builder.AdoptRoot(storage, StorageIO.ReadStorage(stream, storage.Dtype, count));
        }
    }

    /// <summary>('storage', storage_type, root_key, location, numel, view_metadata): the legacy persistent id.</summary>
    private static StorageRef PersistentLoad(object? pid, Dictionary<string, StorageRef> roots, Dictionary<string, StorageRef> views)
    {
        if (pid is object?[] { Length: > 0 } m && m[0] is "module")
            throw new PickleDataException("the file holds a pickled Python module (torch.save of a whole model); save model.state_dict() instead");
        if (pid is not object?[] { Length: 6 } t || t[0] is not "storage")
            throw new PickleDataException($"unsupported persistent id {PickleGlobals.Describe(pid)} (expected ('storage', type, key, location, numel, view))");
        if (t[1] is not PyGlobal { Kind: GlobalKind.StorageType } type)
            throw new PickleDataException($"persistent id storage type is {PickleGlobals.Describe(t[1])}, not a storage class");
        if (t[2] is not string key) throw new PickleDataException($"persistent id key is {PickleGlobals.Describe(t[2])}, not a string");
        if (t[4] is not long numel || numel < 0) throw new PickleDataException($"persistent id size is {PickleGlobals.Describe(t[4])}, not a non-negative int");
        StorageIO.ByteSize(type.Dtype, numel);
        if (!roots.TryGetValue(key, out var root))
            roots.Add(key, root = new StorageRef(key, type.Dtype, numel));
        else if (root.Dtype != type.Dtype)
            throw new PickleDataException($"storage '{key}' is referenced as {root.Dtype.PyTorchName()} and as {type.Dtype.PyTorchName()}");
        if (t[5] is null) return root;

        if (t[5] is not object?[] { Length: 3 } view || view[0] is not string viewKey || view[1] is not long offset || view[2] is not long viewSize || offset < 0 || viewSize < 0)
            throw new PickleDataException($"persistent id view metadata is {PickleGlobals.Describe(t[5])}, not (key, offset, size)");
        if (!views.TryGetValue(viewKey, out var existing))
            views.Add(viewKey, existing = new StorageRef(viewKey, type.Dtype, viewSize) { Root = root, RootOffset = offset });
        return existing;
    }
}
