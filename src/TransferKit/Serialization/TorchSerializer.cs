using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Serialization;

/// <summary>
/// Reads and writes PyTorch's <c>torch.save</c> files (<c>.pth</c>, <c>.pt</c>, <c>.ckpt</c>), with
/// a safe unpickler that only accepts the Python globals tensors and plain containers need.
/// </summary>
/// <remarks>
/// <para>Both formats are read: the zip format (PyTorch 1.6 and later) and the legacy format
/// (earlier versions, or <c>_use_new_zipfile_serialization=False</c>). Tensors of float32,
/// float64, float16, bfloat16, int64, int32, int16, int8, uint8 and bool are created on the CPU
/// (like <c>map_location="cpu"</c>), keep their shapes, strides and storage offsets, and share
/// storage where the file's tensors do. They belong to the caller, or to the current
/// <see cref="DisposeScope"/> when one is open.</para>
/// <para>Nothing in the file is executed. Any reference to a Python global other than
/// <c>collections.OrderedDict</c>, <c>torch._utils._rebuild_tensor_v2</c>,
/// <c>_rebuild_tensor</c>, <c>_rebuild_parameter</c>, the <c>torch.*Storage</c> classes, the
/// torch dtypes, <c>torch.device</c>, <c>torch.Size</c> and the builtins for sets and bytes is
/// refused with an <see cref="UnsafePickleException"/> naming it. Files holding whole pickled
/// modules, numpy values or TorchScript are therefore refused; save a state dict instead.</para>
/// <para>Corrupt or truncated files raise <see cref="CheckpointFormatException"/>; zip entries
/// have their CRC-32 checked, so damaged tensor data is reported rather than loaded.</para>
/// </remarks>
public static class TorchSerializer
{
    private static readonly string[] StateDictKeys = ["state_dict", "model_state_dict", "model", "module", "net", "network"];

    /// <summary>
    /// Loads everything a <c>torch.save</c> file holds, as an object tree: dictionaries are
    /// <see cref="OrderedDictionary{TKey, TValue}"/> of <c>object</c> to <c>object?</c> in file order
    /// (for <c>dict</c> and <c>OrderedDict</c>), lists are <see cref="List{T}"/> of <c>object?</c>,
    /// tuples (and <c>torch.Size</c>) are <c>object?[]</c>, sets are <see cref="HashSet{T}"/> of
    /// <c>object</c>, ints are <see cref="long"/> (<see cref="System.Numerics.BigInteger"/> beyond 64
    /// bits), floats are <see cref="double"/>, then <see cref="string"/>, <see cref="bool"/>,
    /// <c>byte[]</c>, null for None, <see cref="Tensor"/>, <see cref="ScalarType"/> for torch
    /// dtypes and strings such as <c>"cuda:0"</c> for <c>torch.device</c>.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CheckpointFormatException">The file is corrupt, truncated or not a torch.save file.</exception>
    /// <exception cref="UnsafePickleException">The file refers to a Python global that is not allowed.</exception>
    public static object? Load(string path)
    {
        using var stream = CheckpointIO.OpenRead(path);
        return Load(stream, path);
    }

    /// <summary>
    /// Loads a <c>torch.save</c> file from a stream holding exactly that file (non-seekable streams
    /// are first copied into memory); see <see cref="Load(string)"/>.
    /// </summary>
    /// <param name="stream">The file's bytes; read from its current position (zip files from its start).</param>
    /// <param name="sourceName">The name used in error messages (by default the file name of a <see cref="FileStream"/>).</param>
    public static object? Load(Stream stream, string? sourceName = null) => LoadResult(stream, sourceName).Root;

    /// <summary>
    /// Loads the state dict (parameter name → tensor, in file order) of a file: the file's root
    /// when it is a dictionary of tensors (<c>torch.save(model.state_dict(), path)</c>), otherwise
    /// the first of the root's entries <c>state_dict</c>, <c>model_state_dict</c>, <c>model</c>,
    /// <c>module</c>, <c>net</c>, <c>network</c> that is one (training checkpoints). Other tensors
    /// in the file (optimizer state, ...) are freed. Also reads <c>.safetensors</c> files,
    /// recognised by their content.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CheckpointFormatException">The file is corrupt, or holds no dictionary of tensors.</exception>
    public static StateDict LoadStateDict(string path)
    {
        using var stream = CheckpointIO.OpenRead(path);
        return LoadStateDict(stream, path);
    }

    /// <summary>Loads a state dict from a stream; see <see cref="LoadStateDict(string)"/>.</summary>
    public static StateDict LoadStateDict(Stream stream, string? sourceName = null)
    {
        string source = CheckpointIO.NameOf(stream, sourceName);
        stream = CheckpointIO.Seekable(stream);
        if (CheckpointIO.Guard(source, () => CheckpointIO.Detect(stream)) == CheckpointFormat.SafeTensors)
            return SafeTensors.Load(stream, source);

        return StateDictOf(LoadResult(stream, source), source);
    }

    /// <summary>
    /// Loads a state dict file into a module's parameters and buffers: PyTorch's
    /// <c>model.load_state_dict(torch.load(path))</c> in one call, with the rules of
    /// <see cref="Module.LoadStateDict"/> (with <paramref name="strict"/>, any missing key,
    /// unexpected key or shape mismatch throws <see cref="StateDictMismatchException"/> before
    /// anything changes; values are converted to each parameter's dtype; requires_grad is never
    /// taken from the file). Reads the files <see cref="LoadStateDict(string)"/> reads.
    /// </summary>
    /// <remarks>
    /// In zip-format files, a tensor whose dtype and layout already match its parameter is read
    /// straight into the parameter's memory, with no intermediate tensor and no second copy: for a
    /// ResNet-18 this halves the memory touched, which is most of the cost of loading. CRC-32s are
    /// still checked, but only once the data is read: if the file turns out corrupt, the exception
    /// (<see cref="CheckpointFormatException"/>) comes after some parameters took the file's values,
    /// so reload from a good file (or rebuild the model) before using it.
    /// </remarks>
    /// <returns>What was loaded, and the keys that were missing, unexpected or of another shape.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CheckpointFormatException">The file is corrupt, or holds no dictionary of tensors.</exception>
    /// <exception cref="StateDictMismatchException"><paramref name="strict"/> and the keys or shapes do not match.</exception>
    public static StateDictReport LoadStateDictInto(Module module, string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var stream = CheckpointIO.OpenRead(path);
        if (CheckpointIO.Guard(path, () => CheckpointIO.Detect(stream)) != CheckpointFormat.TorchZip)
        {
            using var other = LoadStateDict(stream, path);
            return module.LoadStateDict(other, strict);
        }
        var inPlace = new HashSet<string>(StringComparer.Ordinal);
        using var stateDict = StateDictOf(LoadResult(stream, path, root =>
        {
            var plan = PlanDirectReads(module, root, strict);
            foreach (var read in plan) inPlace.Add(read.Key);
            return plan.Select(read => (read.Storage, read.Destination)).ToList();
        }), path);
        return module.LoadStateDictCore(stateDict, strict, inPlace); // the keys read in place need no copy
    }

    /// <summary>The records of the file's state dict to read straight into the module (none when a strict load is going to fail).</summary>
    internal static List<(string Key, StorageRef Storage, Tensor Destination)> PlanDirectReads(Module module, object? root, bool strict)
    {
        if (FindStateDict(root) is not { } dict) return [];
        var (report, matched) = module.MatchStateDict(dict.Select(kv => ((string)kv.Key, ((TensorSpec)kv.Value!).Size)));
        if (strict && !report.IsExactMatch) return [];
        return DirectReadPlan.Choose(root, dict, matched);
    }

    /// <summary>The state dict of a loaded tree; every other tensor of the tree is freed.</summary>
    private static StateDict StateDictOf(LoadResult result, string source)
    {
        StateDict? found = null;
        try
        {
            var dict = FindStateDict(result.Root)
                ?? throw new CheckpointFormatException(source, $"no state dict found: the file holds {DescribeRoot(result.Root)}");
            found = new StateDict();
            foreach (var (key, value) in dict) found.Add((string)key, (Tensor)value!);
            return found;
        }
        finally
        {
            // Free every tensor that is not part of the state dict handed out.
            var kept = new HashSet<Tensor>(found?.Values ?? [], ReferenceEqualityComparer.Instance);
            foreach (var t in result.Tensors)
                if (!kept.Contains(t)) t.Dispose();
        }
    }

    /// <summary>
    /// Saves a state dict in the zip format that <c>torch.load</c> reads, as an
    /// <c>OrderedDict</c> in the given order. Tensors sharing a storage keep sharing it; tensors on
    /// another device are written from a CPU copy. The file is written to a temporary name and
    /// moved into place when complete.
    /// </summary>
    /// <exception cref="ArgumentException">A name appears twice.</exception>
    public static void SaveStateDict(string path, IEnumerable<KeyValuePair<string, Tensor>> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        CheckpointIO.WriteAtomically(path, stream => SaveStateDict(stream, stateDict));
    }

    /// <summary>Writes a state dict to a seekable stream; see <see cref="SaveStateDict(string, IEnumerable{KeyValuePair{string, Tensor}})"/>.</summary>
    public static void SaveStateDict(Stream stream, IEnumerable<KeyValuePair<string, Tensor>> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(stateDict);
        using var storages = new SaveStorageTable();
        byte[] pickle = new TorchPickler(storages).PickleStateDict(stateDict);
        TorchZipWriter.Write(stream, pickle, storages);
    }

    /// <summary>
    /// Saves a state dict like <see cref="SaveStateDict(string, IEnumerable{KeyValuePair{string, Tensor}})"/>,
    /// plus named extra records stored as <c>archive/extra/&lt;name&gt;</c> inside the zip, which
    /// <c>torch.load</c> ignores: a file that PyTorch loads as a plain state dict and that still
    /// carries metadata (TransferKit's model packages use this). Read them back with <see cref="ReadExtraRecord"/>.
    /// </summary>
    public static void SaveStateDict(string path, IEnumerable<KeyValuePair<string, Tensor>> stateDict, IReadOnlyDictionary<string, byte[]> extraRecords)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        ArgumentNullException.ThrowIfNull(extraRecords);
        foreach (var name in extraRecords.Keys)
            if (name.Length == 0 || name.Contains('\\') || name.Split('/').Any(part => part is "" or "." or ".."))
                throw new ArgumentException($"'{name}' is not a valid extra record name.", nameof(extraRecords));
        CheckpointIO.WriteAtomically(path, stream =>
        {
            using var storages = new SaveStorageTable();
            byte[] pickle = new TorchPickler(storages).PickleStateDict(stateDict);
            TorchZipWriter.Write(stream, pickle, storages, extraRecords);
        });
    }

    /// <summary>
    /// The extra record <paramref name="name"/> of a zip-format file written by
    /// <see cref="SaveStateDict(string, IEnumerable{KeyValuePair{string, Tensor}}, IReadOnlyDictionary{string, byte[]})"/>,
    /// or null when the file has none of that name.
    /// </summary>
    /// <exception cref="CheckpointFormatException">The file is not a zip-format checkpoint.</exception>
    public static byte[]? ReadExtraRecord(string path, string name)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(name);
        try
        {
            using var zip = System.IO.Compression.ZipFile.OpenRead(path);
            string? root = zip.Entries.Count > 0 ? zip.Entries[0].FullName.Split('/')[0] : null;
            var entry = root is null ? null : zip.GetEntry($"{root}/extra/{name}");
            if (entry is null) return null;
            if (entry.Length > 64L * 1024 * 1024) throw new CheckpointFormatException(path, $"extra record '{name}' is {entry.Length} bytes, more than the 64 MB allowed");
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return buffer.ToArray();
        }
        catch (System.IO.InvalidDataException e)
        {
            throw new CheckpointFormatException(path, "it is not a zip-format checkpoint", e);
        }
    }

    /// <summary>
    /// Saves an object tree in the zip format that <c>torch.load</c> reads, e.g. a checkpoint
    /// <c>{"epoch": 3, "state_dict": sd, "best_acc": 0.9}</c>. Accepted values: <see cref="Tensor"/>,
    /// <see cref="StateDict"/> (written as an <c>OrderedDict</c>), dictionaries (as <c>dict</c>),
    /// lists and arrays (as <c>list</c>), <c>object?[]</c> and C# tuples (as <c>tuple</c>), sets,
    /// integers, <see cref="System.Numerics.BigInteger"/>, floating-point numbers, strings, <c>byte[]</c>
    /// (as <c>bytes</c>), <see cref="bool"/>, <see cref="ScalarType"/> (as a torch dtype) and null.
    /// </summary>
    /// <exception cref="ArgumentException">The tree holds another type, or a cycle.</exception>
    public static void Save(string path, object? value) =>
        CheckpointIO.WriteAtomically(path, stream => Save(stream, value));

    /// <summary>Writes an object tree to a seekable stream; see <see cref="Save(string, object?)"/>.</summary>
    public static void Save(Stream stream, object? value)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var storages = new SaveStorageTable();
        byte[] pickle = new TorchPickler(storages).Pickle(value);
        TorchZipWriter.Write(stream, pickle, storages);
    }

    internal static LoadResult LoadResult(Stream stream, string? sourceName,
        Func<object?, IReadOnlyList<(StorageRef Storage, Tensor Destination)>>? directReads = null)
    {
        string source = CheckpointIO.NameOf(stream, sourceName);
        var seekable = CheckpointIO.Seekable(stream);
        return CheckpointIO.Guard(source, () => CheckpointIO.Detect(seekable) switch
        {
            CheckpointFormat.TorchZip => TorchZipReader.Read(seekable, source, directReads),
            CheckpointFormat.TorchLegacy => TorchLegacyReader.Read(seekable, source),
            CheckpointFormat.SafeTensors => throw new CheckpointFormatException(source, "this is a safetensors file: read it with SafeTensors.Load or TorchSerializer.LoadStateDict"),
            CheckpointFormat.TorchTar => throw new CheckpointFormatException(source, "this is the tar-based format of PyTorch before 0.4, which is not supported; re-save it with a recent PyTorch"),
            _ => throw new CheckpointFormatException(source, "not a torch.save file (neither a zip archive nor a pickle)"),
        });
    }

    private static OrderedDictionary<object, object?>? FindStateDict(object? root)
    {
        if (root is not OrderedDictionary<object, object?> dict) return null;
        if (IsTensorDict(dict)) return dict;
        foreach (var key in StateDictKeys)
            if (dict.TryGetValue(key, out var inner) && inner is OrderedDictionary<object, object?> candidate && IsTensorDict(candidate))
                return candidate;
        return null;
    }

    private static bool IsTensorDict(OrderedDictionary<object, object?> dict) =>
        dict.All(kv => kv.Key is string && kv.Value is Tensor or TensorSpec); // specs: before materialisation

    private static string DescribeRoot(object? root) => root switch
    {
        OrderedDictionary<object, object?> d when d.Count == 0 => "an empty dictionary",
        OrderedDictionary<object, object?> d =>
            $"a dictionary with the keys {string.Join(", ", d.Keys.Take(8).Select(k => k is string s ? $"'{s}'" : PickleGlobals.Describe(k)))}" +
            (d.Count > 8 ? ", ..." : "") + ", none of which is a dictionary of tensors",
        Tensor => "a single tensor",
        _ => PickleGlobals.Describe(root),
    };
}
