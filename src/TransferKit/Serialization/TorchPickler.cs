using System.Collections;
using System.Numerics;
using System.Runtime.CompilerServices;
using TransferKit.Engine;
using TransferKit.Data;
using TransferKit.NN;

namespace TransferKit.Serialization;

/// <summary>
/// Writes an object tree as the <c>data.pkl</c> of a <c>torch.save</c> zip file, the way PyTorch
/// does: protocol 2, tensors as <c>torch._utils._rebuild_tensor_v2</c> calls whose storages are
/// persistent ids <c>('storage', torch.FloatStorage, key, 'cpu', numel)</c>.
/// </summary>
internal sealed class TorchPickler
{
    private const int MaxDepth = 1000;

    private readonly PickleWriter _w = new();
    private readonly SaveStorageTable _storages;
    private readonly HashSet<object> _open = new(ReferenceEqualityComparer.Instance);

    public TorchPickler(SaveStorageTable storages) => _storages = storages;

    /// <summary>Pickles a value; see <see cref="TorchSerializer.Save(string, object?)"/> for the types accepted.</summary>
    public byte[] Pickle(object? root)
    {
        _w.Proto(2);
        Write(root, 0);
        _w.Stop();
        return _w.ToArray();
    }

    /// <summary>Pickles name → tensor pairs as a <c>collections.OrderedDict</c>, like a state dict.</summary>
    public byte[] PickleStateDict(IEnumerable<KeyValuePair<string, Tensor>> stateDict)
    {
        _w.Proto(2);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        OrderedDictStart();
        foreach (var (key, tensor) in stateDict)
        {
            ArgumentNullException.ThrowIfNull(key, "state dict key");
            if (!seen.Add(key)) throw new ArgumentException($"The state dict holds the key '{key}' twice.", nameof(stateDict));
            ArgumentNullException.ThrowIfNull(tensor, $"tensor '{key}'");
            _w.Unicode(key);
            WriteTensor(tensor);
        }
        DictEnd();
        _w.Stop();
        return _w.ToArray();
    }

    private void Write(object? value, int depth)
    {
        if (depth > MaxDepth) throw new ArgumentException($"The object tree is nested more than {MaxDepth} levels deep.");
        switch (value)
        {
            case null: _w.None(); return;
            case bool b: _w.Bool(b); return;
            case long or int or short or sbyte or byte or ushort or uint: _w.Int(System.Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)); return;
            case ulong u: if (u <= long.MaxValue) _w.Int((long)u); else _w.Long(u); return;
            case BigInteger big: if (big >= long.MinValue && big <= long.MaxValue) _w.Int((long)big); else _w.Long(big); return;
            case double d: _w.Float(d); return;
            case float f: _w.Float(f); return;
            case Half h: _w.Float((double)h); return;
            case string s: _w.Unicode(s); return;
            case byte[] bytes: _w.Bytes(bytes); return;
            case ScalarType dtype: _w.Global("torch", dtype.PyTorchName()); return;
            case Tensor tensor: WriteTensor(tensor); return;
        }

        if (!_open.Add(value)) throw new ArgumentException("The object tree contains a cycle, which cannot be saved.");
        try
        {
            switch (value)
            {
                case StateDict stateDict:
                    OrderedDictStart();
                    foreach (var (key, tensor) in stateDict)
                    {
                        _w.Unicode(key);
                        WriteTensor(tensor);
                    }
                    DictEnd();
                    break;
                case IDictionary dict:
                    _w.EmptyDict();
                    var entries = new List<(object Key, object? Value)>();
                    for (var e = dict.GetEnumerator(); e.MoveNext();) entries.Add((e.Key, e.Value));
                    WriteBatched(entries, e => { Write(e.Key, depth + 1); Write(e.Value, depth + 1); }, _w.SetItems);
                    break;
                case object?[] tuple:
                    WriteTuple(tuple, depth);
                    break;
                case ITuple tuple:
                    var items = new object?[tuple.Length];
                    for (int k = 0; k < items.Length; k++) items[k] = tuple[k];
                    WriteTuple(items, depth);
                    break;
                case IList list:
                    _w.EmptyList();
                    WriteBatched(list.Cast<object?>(), item => Write(item, depth + 1), _w.Appends);
                    break;
                case IEnumerable set when IsSet(value):
                    _w.Global("__builtin__", "set");
                    _w.EmptyList();
                    WriteBatched(set.Cast<object?>(), item => Write(item, depth + 1), _w.Appends);
                    _w.TupleOf(1);
                    _w.Reduce();
                    break;
                default:
                    throw new ArgumentException(
                        $"Cannot save a value of type {value.GetType()}: use tensors, StateDict, dictionaries, lists, tuples, sets, numbers, strings, byte[], bool or null.");
            }
        }
        finally
        {
            _open.Remove(value);
        }
    }

    private static bool IsSet(object value) =>
        value.GetType().GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ISet<>));

    private void WriteTuple(object?[] items, int depth)
    {
        if (items.Length == 0)
        {
            _w.EmptyTuple();
            return;
        }
        if (items.Length <= 3)
        {
            foreach (var item in items) Write(item, depth + 1);
            _w.TupleOf(items.Length);
            return;
        }
        _w.Mark();
        foreach (var item in items) Write(item, depth + 1);
        _w.TupleFromMark();
    }

    /// <summary>Items between MARK and APPENDS/SETITEMS, at most 1000 per batch as CPython writes them.</summary>
    private void WriteBatched<T>(IEnumerable<T> items, Action<T> write, Action close)
    {
        const int Batch = 1000;
        int n = 0;
        foreach (var item in items)
        {
            if (n == 0) _w.Mark();
            write(item);
            if (++n == Batch)
            {
                close();
                n = 0;
            }
        }
        if (n > 0) close();
    }

    private void OrderedDictStart()
    {
        _w.Global("collections", "OrderedDict");
        _w.EmptyTuple();
        _w.Reduce();
        _w.Mark();
    }

    private void DictEnd() => _w.SetItems();

    private void WriteTensor(Tensor tensor)
    {
        var p = _storages.Place(tensor);
        _w.Global("torch._utils", "_rebuild_tensor_v2");
        _w.Mark();
        // The persistent id: ('storage', torch.FloatStorage, key, 'cpu', numel).
        _w.Mark();
        _w.Unicode("storage");
        _w.Global("torch", StorageClass(p.Storage.Dtype));
        _w.Unicode(p.Storage.Key);
        _w.Unicode("cpu");
        _w.Int(p.Storage.Numel);
        _w.TupleFromMark();
        _w.BinPersId();
        _w.Int(p.Offset);
        WriteTuple(Array.ConvertAll(p.Size, d => (object?)d), 0);
        WriteTuple(Array.ConvertAll(p.Stride, d => (object?)d), 0);
        _w.Bool(p.RequiresGrad);
        _w.Global("collections", "OrderedDict"); // backward hooks: an empty OrderedDict
        _w.EmptyTuple();
        _w.Reduce();
        _w.TupleFromMark();
        _w.Reduce();
    }

    private static string StorageClass(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "FloatStorage",
        ScalarType.Float64 => "DoubleStorage",
        ScalarType.Float16 => "HalfStorage",
        ScalarType.BFloat16 => "BFloat16Storage",
        ScalarType.Int64 => "LongStorage",
        ScalarType.Int32 => "IntStorage",
        ScalarType.Int16 => "ShortStorage",
        ScalarType.Int8 => "CharStorage",
        ScalarType.Byte => "ByteStorage",
        ScalarType.Bool => "BoolStorage",
        _ => throw new NotSupportedException($"Tensors of {dtype.PyTorchName()} cannot be saved."),
    };
}
