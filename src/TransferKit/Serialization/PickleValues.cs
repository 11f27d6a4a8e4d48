using System.Numerics;
using TransferKit.Engine;

namespace TransferKit.Serialization;

// The values the safe unpickler builds besides plain .NET ones (null, bool, long, BigInteger,
// double, string, byte[], object?[] tuples, List<object?>, OrderedDictionary<object, object?>,
// HashSet<object>, ScalarType). None of these leave the loader: TensorBuilder replaces tensor
// specs by tensors and refuses the others where a value is expected.

/// <summary>What an allowed Python global stands for.</summary>
internal enum GlobalKind
{
    OrderedDict,
    RebuildTensorV2,
    RebuildTensor,
    RebuildParameter,
    RebuildParameterWithState,
    StorageType,
    Dtype,
    TorchDevice,
    TorchSize,
    Set,
    FrozenSet,
    Bytes,
    CodecsEncode,
}

/// <summary>An allowed Python global (a class or function reference); see <see cref="PickleGlobals"/>.</summary>
internal sealed record PyGlobal(string Module, string Name, GlobalKind Kind, ScalarType Dtype = ScalarType.Float32)
{
    public string QualifiedName => $"{Module}.{Name}";
}

/// <summary>
/// A storage referenced by a persistent id: a key naming its bytes in the file, its element type
/// and size. Legacy files may reference a view (a slice of a root storage).
/// </summary>
internal sealed class StorageRef
{
    public StorageRef(string key, ScalarType dtype, long numel)
    {
        Key = key;
        Dtype = dtype;
        Numel = numel;
    }

    public string Key { get; }
    public ScalarType Dtype { get; }
    /// <summary>Elements in the storage (as declared by the persistent id).</summary>
    public long Numel { get; set; }
    /// <summary>For a legacy storage view: the root storage it is a slice of.</summary>
    public StorageRef? Root { get; init; }
    /// <summary>For a legacy storage view: where the slice starts in the root, in elements.</summary>
    public long RootOffset { get; init; }
    /// <summary>The loaded bytes, as a 1-D tensor covering the whole storage (roots only).</summary>
    public Tensor? Data { get; set; }
}

/// <summary>The arguments of <c>torch._utils._rebuild_tensor_v2</c>: a tensor to create over a storage.</summary>
internal sealed class TensorSpec
{
    public TensorSpec(StorageRef storage, long offset, long[] size, long[] stride)
    {
        Storage = storage;
        Offset = offset;
        Size = size;
        Stride = stride;
    }

    public StorageRef Storage { get; }
    public long Offset { get; }
    public long[] Size { get; }
    public long[] Stride { get; }
    public bool RequiresGrad { get; set; }
}

/// <summary>
/// Python's equality for dictionary keys and set members: tuples (object?[]) and bytes (byte[])
/// compare by content, everything else with <see cref="object.Equals(object?)"/>. Only hashable
/// values reach it (see <see cref="IsHashable"/>), so the recursion is bounded.
/// </summary>
internal sealed class PickleKeyComparer : IEqualityComparer<object>
{
    public const int MaxKeyDepth = 32;

    public static readonly PickleKeyComparer Instance = new();

    public new bool Equals(object? x, object? y)
    {
        if (ReferenceEquals(x, y)) return true;
        if (x is null || y is null) return false;
        if (x is object?[] a && y is object?[] b)
        {
            if (a.Length != b.Length) return false;
            for (int k = 0; k < a.Length; k++)
                if (!Equals(a[k], b[k])) return false;
            return true;
        }
        if (x is byte[] p && y is byte[] q) return p.AsSpan().SequenceEqual(q);
        return x.Equals(y);
    }

    public int GetHashCode(object obj)
    {
        switch (obj)
        {
            case object?[] tuple:
                var h = new HashCode();
                foreach (var item in tuple) h.Add(item is null ? 0 : GetHashCode(item));
                return h.ToHashCode();
            case byte[] bytes:
                var hb = new HashCode();
                hb.AddBytes(bytes);
                return hb.ToHashCode();
            default:
                return obj.GetHashCode();
        }
    }

    /// <summary>True for values Python can hash and that this loader accepts as keys.</summary>
    public static bool IsHashable(object? value, int depth = 0)
    {
        switch (value)
        {
            case string or long or BigInteger or double or bool or byte[] or ScalarType:
                return true;
            case object?[] tuple when depth < MaxKeyDepth:
                foreach (var item in tuple)
                    if (item is not null && !IsHashable(item, depth + 1)) return false;
                return true;
            default:
                return false;
        }
    }
}
