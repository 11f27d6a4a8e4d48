using System.Numerics;
using TransferKit.Engine;

namespace TransferKit.Serialization;

/// <summary>A pickle is well-formed but means something this loader refuses; the reader adds where.</summary>
internal sealed class PickleDataException(string message) : Exception(message);

/// <summary>
/// The whitelist of the safe unpickler: the only Python globals a <c>torch.save</c> file may name,
/// and what calling them (REDUCE, NEWOBJ) means. Nothing is ever executed: each allowed global is
/// interpreted here by a fixed rule that builds plain data. Every other global is refused by name.
/// </summary>
internal static class PickleGlobals
{
    /// <summary>Most dimensions a tensor read from a file may have (libtorch's own limit is similar).</summary>
    public const int MaxDims = 64;

    private static readonly Dictionary<(string Module, string Name), PyGlobal> Allowed = Build();

    private static Dictionary<(string, string), PyGlobal> Build()
    {
        var map = new Dictionary<(string, string), PyGlobal>();
        void Add(string module, string name, GlobalKind kind, ScalarType dtype = ScalarType.Float32) =>
            map[(module, name)] = new PyGlobal(module, name, kind, dtype);

        Add("collections", "OrderedDict", GlobalKind.OrderedDict);
        Add("torch._utils", "_rebuild_tensor_v2", GlobalKind.RebuildTensorV2);
        Add("torch._utils", "_rebuild_tensor", GlobalKind.RebuildTensor);
        Add("torch._utils", "_rebuild_parameter", GlobalKind.RebuildParameter);
        Add("torch._utils", "_rebuild_parameter_with_state", GlobalKind.RebuildParameterWithState);
        Add("torch", "device", GlobalKind.TorchDevice);
        Add("torch", "Size", GlobalKind.TorchSize);
        Add("_codecs", "encode", GlobalKind.CodecsEncode);
        foreach (var builtins in new[] { "builtins", "__builtin__" })
        {
            Add(builtins, "set", GlobalKind.Set);
            Add(builtins, "frozenset", GlobalKind.FrozenSet);
            Add(builtins, "bytes", GlobalKind.Bytes);
        }

        var storages = new (string Name, ScalarType Dtype)[]
        {
            ("DoubleStorage", ScalarType.Float64), ("FloatStorage", ScalarType.Float32),
            ("HalfStorage", ScalarType.Float16), ("BFloat16Storage", ScalarType.BFloat16),
            ("LongStorage", ScalarType.Int64), ("IntStorage", ScalarType.Int32),
            ("ShortStorage", ScalarType.Int16), ("CharStorage", ScalarType.Int8),
            ("ByteStorage", ScalarType.Byte), ("BoolStorage", ScalarType.Bool),
        };
        foreach (var (name, dtype) in storages)
        {
            Add("torch", name, GlobalKind.StorageType, dtype);
            Add("torch.cuda", name, GlobalKind.StorageType, dtype); // GPU storages load onto the CPU
        }
        Add("torch", "UntypedStorage", GlobalKind.StorageType, ScalarType.Byte);

        var dtypes = new (string Name, ScalarType Dtype)[]
        {
            ("float32", ScalarType.Float32), ("float", ScalarType.Float32), ("float64", ScalarType.Float64),
            ("double", ScalarType.Float64), ("float16", ScalarType.Float16), ("half", ScalarType.Float16),
            ("bfloat16", ScalarType.BFloat16), ("int64", ScalarType.Int64), ("long", ScalarType.Int64),
            ("int32", ScalarType.Int32), ("int", ScalarType.Int32), ("int16", ScalarType.Int16),
            ("short", ScalarType.Int16), ("int8", ScalarType.Int8), ("uint8", ScalarType.Byte), ("bool", ScalarType.Bool),
        };
        foreach (var (name, dtype) in dtypes) Add("torch", name, GlobalKind.Dtype, dtype);
        return map;
    }

    /// <summary>The allowed global, or null when <paramref name="module"/>.<paramref name="name"/> is refused.</summary>
    public static PyGlobal? TryResolve(string module, string name) =>
        Allowed.TryGetValue((module, name), out var g) ? g : null;

    /// <summary>Why a global is refused, with a hint for the usual cases.</summary>
    public static string RefusalDetail(string module, string name)
    {
        string qualified = $"{module}.{name}";
        string hint;
        if (module.StartsWith("__torch__", StringComparison.Ordinal))
            hint = "This looks like a TorchScript archive (torch.jit.save), which TransferKit does not read; save the model's state_dict() with torch.save instead.";
        else if (module.StartsWith("numpy", StringComparison.Ordinal))
            hint = "The file holds numpy objects, which TransferKit does not read; convert them to tensors or Python numbers before torch.save.";
        else if (module.StartsWith("torch.nn", StringComparison.Ordinal) || module == "__main__")
            hint = "The file holds pickled Python objects (for example a whole nn.Module saved with torch.save(model)); save model.state_dict() instead.";
        else
            hint = "Only tensors, storages and plain containers (dict, OrderedDict, list, tuple, set, numbers, strings, bytes, None) are read. A file that names other globals may run code when loaded by Python's pickle; it was refused before anything was interpreted.";
        return $"the pickle refers to the Python global '{qualified}', which is not allowed. {hint}";
    }

    /// <summary>REDUCE: <c>callable(*args)</c> for an allowed global.</summary>
    public static object? Call(PyGlobal callable, object?[] args)
    {
        switch (callable.Kind)
        {
            case GlobalKind.OrderedDict:
                return NewDict(callable, args);
            case GlobalKind.RebuildTensorV2:
            case GlobalKind.RebuildTensor:
                Arity(callable, args, 4, 7);
                var spec = new TensorSpec(
                    args[0] as StorageRef ?? throw Bad(callable, "argument 1 is not a storage"),
                    NonNegative(callable, "storage offset", args[1]),
                    Dims(callable, "size", args[2]),
                    Dims(callable, "stride", args[3]));
                if (spec.Size.Length != spec.Stride.Length)
                    throw Bad(callable, $"size has {spec.Size.Length} dimensions but stride has {spec.Stride.Length}");
                if (args.Length > 4) spec.RequiresGrad = args[4] is bool rg ? rg : throw Bad(callable, "requires_grad is not a bool");
                return spec;
            case GlobalKind.RebuildParameter:
            case GlobalKind.RebuildParameterWithState:
                Arity(callable, args, 2, 4);
                var data = args[0] as TensorSpec ?? throw Bad(callable, "argument 1 is not a tensor");
                data.RequiresGrad = args[1] is bool prg ? prg : throw Bad(callable, "requires_grad is not a bool");
                return data;
            case GlobalKind.TorchDevice:
                Arity(callable, args, 1, 2);
                string type = args[0] as string ?? throw Bad(callable, "the device type is not a string");
                if (args.Length == 2 && args[1] is not null)
                    return $"{type}:{(args[1] is long index ? index : throw Bad(callable, "the device index is not an int"))}";
                return type;
            case GlobalKind.TorchSize:
                Arity(callable, args, 1, 1);
                return Array.ConvertAll(Dims(callable, "size", args[0]), d => (object?)d);
            case GlobalKind.Set:
            case GlobalKind.FrozenSet:
                Arity(callable, args, 0, 1);
                var set = new HashSet<object>(PickleKeyComparer.Instance);
                if (args.Length == 1)
                    foreach (var item in Items(callable, args[0])) set.Add(Key(item));
                return set;
            case GlobalKind.Bytes:
                Arity(callable, args, 0, 0);
                return Array.Empty<byte>();
            case GlobalKind.CodecsEncode:
                Arity(callable, args, 2, 2);
                string text = args[0] as string ?? throw Bad(callable, "argument 1 is not a string");
                if (args[1] is not ("latin1" or "latin-1"))
                    throw Bad(callable, $"only the latin1 encoding (used by pickle for bytes) is supported, not {Describe(args[1])}");
                var bytes = new byte[text.Length];
                for (int k = 0; k < text.Length; k++)
                    bytes[k] = text[k] <= 0xFF ? (byte)text[k] : throw Bad(callable, "the text is not latin1");
                return bytes;
            default:
                throw new PickleDataException($"'{callable.QualifiedName}' is not callable");
        }
    }

    /// <summary>NEWOBJ: <c>cls.__new__(cls, *args)</c>; only dictionaries and sets are created this way.</summary>
    public static object? New(PyGlobal cls, object?[] args) => cls.Kind switch
    {
        GlobalKind.OrderedDict => new OrderedDictionary<object, object?>(PickleKeyComparer.Instance),
        GlobalKind.Set or GlobalKind.FrozenSet => new HashSet<object>(PickleKeyComparer.Instance),
        _ => throw new PickleDataException($"cannot create an instance of '{cls.QualifiedName}' with NEWOBJ"),
    };

    /// <summary>A value checked to be usable as a dictionary key or set member.</summary>
    public static object Key(object? key)
    {
        if (key is null) throw new PickleDataException("None as a dictionary key or set member is not supported");
        if (!PickleKeyComparer.IsHashable(key))
            throw new PickleDataException($"{Describe(key)} cannot be a dictionary key or set member");
        return key;
    }

    /// <summary>A short description of a pickle value for messages.</summary>
    public static string Describe(object? value) => value switch
    {
        null => "None",
        string s => s.Length <= 40 ? $"'{s}'" : $"a string of {s.Length} characters",
        long or BigInteger or double or bool => $"the {value.GetType().Name} {value}",
        object?[] t => $"a tuple of {t.Length}",
        List<object?> l => $"a list of {l.Count}",
        OrderedDictionary<object, object?> d => $"a dict of {d.Count}",
        HashSet<object> => "a set",
        byte[] b => $"bytes of length {b.Length}",
        PyGlobal g => $"the global '{g.QualifiedName}'",
        StorageRef => "a storage",
        TensorSpec => "a tensor",
        ScalarType dt => $"the dtype {dt.PyTorchName()}",
        _ => value.GetType().Name,
    };

    private static OrderedDictionary<object, object?> NewDict(PyGlobal callable, object?[] args)
    {
        Arity(callable, args, 0, 1);
        var dict = new OrderedDictionary<object, object?>(PickleKeyComparer.Instance);
        if (args.Length == 1)
        {
            foreach (var pair in Items(callable, args[0]))
            {
                var kv = pair switch
                {
                    object?[] { Length: 2 } t => t,
                    List<object?> { Count: 2 } l => l.ToArray(),
                    _ => throw Bad(callable, $"expected (key, value) pairs, found {Describe(pair)}"),
                };
                dict[Key(kv[0])] = kv[1];
            }
        }
        return dict;
    }

    private static IEnumerable<object?> Items(PyGlobal callable, object? iterable) => iterable switch
    {
        object?[] t => t,
        List<object?> l => l,
        _ => throw Bad(callable, $"expected a list or tuple, found {Describe(iterable)}"),
    };

    private static void Arity(PyGlobal callable, object?[] args, int min, int max)
    {
        if (args.Length < min || args.Length > max)
            throw Bad(callable, min == max ? $"expected {min} arguments, got {args.Length}" : $"expected {min} to {max} arguments, got {args.Length}");
    }

    private static long NonNegative(PyGlobal callable, string what, object? value) =>
        value is long v && v >= 0 ? v : throw Bad(callable, $"the {what} is {Describe(value)}, not a non-negative int");

    private static long[] Dims(PyGlobal callable, string what, object? value)
    {
        if (value is not object?[] tuple) throw Bad(callable, $"the {what} is {Describe(value)}, not a tuple");
        if (tuple.Length > MaxDims) throw Bad(callable, $"the {what} has {tuple.Length} dimensions (at most {MaxDims} supported)");
        var dims = new long[tuple.Length];
        for (int k = 0; k < dims.Length; k++) dims[k] = NonNegative(callable, $"{what}[{k}]", tuple[k]);
        return dims;
    }

    private static PickleDataException Bad(PyGlobal callable, string what) => new($"{callable.QualifiedName}: {what}");
}
