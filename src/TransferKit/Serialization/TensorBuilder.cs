using TransferKit.Engine;

namespace TransferKit.Serialization;

/// <summary>
/// Turns what the unpickler produced into the public object tree: every tensor spec becomes a
/// tensor over its (shared) storage, loaded on first use. Tracks every native tensor it creates so
/// that a failure part-way frees them all (<see cref="DisposeAll"/>); on success only the storage
/// tensors it used as building blocks are freed (<see cref="ReleaseStorages"/>) and the caller owns
/// <see cref="Tensors"/>.
/// </summary>
internal sealed class TensorBuilder
{
    private readonly Func<StorageRef, Tensor> _loadRoot;
    private readonly List<Tensor> _storages = new();
    private readonly List<Tensor> _tensors = new();
    private readonly Dictionary<TensorSpec, Tensor> _built = new(ReferenceEqualityComparer.Instance);

    /// <param name="loadRoot">Reads the bytes of a root storage into a new 1-D tensor of its dtype.</param>
    public TensorBuilder(Func<StorageRef, Tensor> loadRoot) => _loadRoot = loadRoot;

    /// <summary>The tensors of the tree, each once, in creation order.</summary>
    public IReadOnlyList<Tensor> Tensors => _tensors;

    /// <summary>Gives the builder a root storage's data read beforehand (legacy files); the builder then owns it.</summary>
    public void AdoptRoot(StorageRef root, Tensor data)
    {
        _storages.Add(data);
        if (root.Data is not null) throw new InvalidDataException($"storage '{root.Key}' has data twice");
        root.Data = data;
    }

    private void LoadRoot(StorageRef root)
    {
        if (root.Data is null) _storages.Add(root.Data = _loadRoot(root));
    }

    /// <summary>
    /// Replaces, in place, every tensor spec reachable from <paramref name="root"/> by a tensor, and
    /// refuses values that are not data (bare classes, functions, storages). The walk is iterative
    /// and visits each container once, so deep or cyclic structures are safe.
    /// </summary>
    public object? Materialize(object? root)
    {
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object>();
        object? result = Convert(root, visited, pending);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case List<object?> list:
                    for (int k = 0; k < list.Count; k++) list[k] = Convert(list[k], visited, pending);
                    break;
                case object?[] tuple:
                    for (int k = 0; k < tuple.Length; k++) tuple[k] = Convert(tuple[k], visited, pending);
                    break;
                case OrderedDictionary<object, object?> dict:
                    for (int k = 0; k < dict.Count; k++) dict.SetAt(k, Convert(dict.GetAt(k).Value, visited, pending));
                    break;
            }
        }
        return result;
    }

    /// <summary>
    /// Runs a reader's materialisation and hands out the result: on success the building-block
    /// storages are freed and the caller owns <see cref="Tensors"/>; on any failure everything
    /// created is freed and the exception goes on.
    /// </summary>
    /// <param name="materialize">Reads what remains and returns the materialised root (see <see cref="Materialize"/>).</param>
    /// <param name="verify">Runs after materialisation, before anything is handed out (e.g. checksums).</param>
    /// <param name="beforeFree">Runs on a failure before anything is freed (e.g. waiting for work still reading the storages).</param>
    public LoadResult Complete(Func<object?> materialize, Action? verify = null, Action? beforeFree = null)
    {
        try
        {
            object? root = materialize();
            verify?.Invoke();
            ReleaseStorages();
            return new LoadResult(root, _tensors.ToArray());
        }
        catch
        {
            beforeFree?.Invoke();
            DisposeAll();
            throw;
        }
    }

    /// <summary>Frees the storage tensors used as building blocks (the built tensors keep the memory alive).</summary>
    public void ReleaseStorages()
    {
        foreach (var s in _storages) s.Dispose();
        _storages.Clear();
    }

    /// <summary>Frees everything created so far (after a failure).</summary>
    public void DisposeAll()
    {
        foreach (var t in _tensors) t.Dispose();
        _tensors.Clear();
        ReleaseStorages();
    }

    private object? Convert(object? value, HashSet<object> visited, Stack<object> pending)
    {
        switch (value)
        {
            case TensorSpec spec:
                return Build(spec);
            case PyGlobal g:
                throw new InvalidDataException($"the Python class or function '{g.QualifiedName}' appears as a value, which is not supported");
            case StorageRef:
                throw new InvalidDataException("a bare storage (not wrapped in a tensor) appears as a value, which is not supported");
            case List<object?> or object?[] or OrderedDictionary<object, object?>:
                if (visited.Add(value)) pending.Push(value);
                return value;
            default:
                return value;
        }
    }

    private Tensor Build(TensorSpec spec)
    {
        if (_built.TryGetValue(spec, out var existing)) return existing;
        var view = spec.Storage;
        var root = view.Root ?? view;
        long last = LastElement(spec);
        if (last >= view.Numel || (last < 0 && spec.Offset > view.Numel))
            throw new InvalidDataException(
                $"a tensor of size [{string.Join(", ", spec.Size)}], stride [{string.Join(", ", spec.Stride)}] and offset {spec.Offset} " +
                $"does not fit in its storage '{view.Key}' of {view.Numel} elements");
        if (view.Root is not null && (view.RootOffset < 0 || view.RootOffset > root.Numel - view.Numel))
            throw new InvalidDataException($"storage view '{view.Key}' ({view.Numel} elements at {view.RootOffset}) lies outside storage '{root.Key}' of {root.Numel} elements");
        LoadRoot(root);
        var tensor = StorageIO.FromStorage(root.Data!, view.RootOffset + spec.Offset, spec.Size, spec.Stride);
        _tensors.Add(tensor);
        _built[spec] = tensor;
        if (spec.RequiresGrad) tensor.RequiresGrad = true;
        return tensor;
    }

    /// <summary>The highest element index a tensor touches, or -1 for an empty tensor; refuses overflow.</summary>
    private static long LastElement(TensorSpec spec)
    {
        long last = spec.Offset;
        for (int d = 0; d < spec.Size.Length; d++)
            if (spec.Size[d] == 0) return -1;
        try
        {
            for (int d = 0; d < spec.Size.Length; d++) last = checked(last + checked((spec.Size[d] - 1) * spec.Stride[d]));
        }
        catch (OverflowException)
        {
            throw new InvalidDataException($"tensor size [{string.Join(", ", spec.Size)}] with stride [{string.Join(", ", spec.Stride)}] overflows 64 bits");
        }
        return last;
    }
}
