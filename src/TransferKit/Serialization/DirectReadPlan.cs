using TransferKit.Engine;

namespace TransferKit.Serialization;

/// <summary>
/// Chooses which tensor records of a state dict can be read straight into existing tensors (a
/// module's parameters and buffers) instead of into new memory that would then be copied: the
/// record's storage must be used by this one tensor only, hold exactly its elements in order
/// (offset 0, contiguous strides), and have the destination's dtype; the destination must be a
/// contiguous CPU tensor of the same size. Everything else takes the ordinary path.
/// </summary>
internal static class DirectReadPlan
{
    /// <param name="root">The unpickled tree (tensor specs not yet materialised).</param>
    /// <param name="stateDict">The state dict inside <paramref name="root"/>.</param>
    /// <param name="destinations">Key → tensor that key loads into (same shape already checked).</param>
    public static List<(string Key, StorageRef Storage, Tensor Destination)> Choose(object? root, OrderedDictionary<object, object?> stateDict,
        IEnumerable<(string Key, Tensor Target)> destinations)
    {
        var uses = CountStorageUses(root);
        var result = new List<(string, StorageRef, Tensor)>();
        foreach (var (key, destination) in destinations)
        {
            if (!stateDict.TryGetValue(key, out var value) || value is not TensorSpec spec) continue;
            var storage = spec.Storage;
            if (storage.Root is not null || storage.Data is not null || uses.GetValueOrDefault(storage) != 1) continue;
            if (storage.Dtype != destination.Dtype || spec.Offset != 0 || !IsContiguous(spec.Size, spec.Stride)) continue;
            if (destination.Device.Type != DeviceType.Cpu || !destination.IsContiguous || destination.Numel != storage.Numel) continue;
            result.Add((key, storage, destination));
        }
        return result;
    }

    /// <summary>How many tensor specs in the tree use each root storage (containers visited once each, iteratively).</summary>
    private static Dictionary<StorageRef, int> CountStorageUses(object? root)
    {
        var uses = new Dictionary<StorageRef, int>(ReferenceEqualityComparer.Instance);
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object?>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case TensorSpec spec:
                    var storage = spec.Storage.Root ?? spec.Storage;
                    uses[storage] = uses.GetValueOrDefault(storage) + 1;
                    break;
                case List<object?> list when visited.Add(list):
                    foreach (var item in list) pending.Push(item);
                    break;
                case object?[] tuple when visited.Add(tuple):
                    foreach (var item in tuple) pending.Push(item);
                    break;
                case OrderedDictionary<object, object?> dict when visited.Add(dict):
                    foreach (var (_, item) in dict) pending.Push(item);
                    break;
            }
        }
        return uses;
    }

    private static bool IsContiguous(long[] size, long[] stride)
    {
        long expected = 1;
        for (int d = size.Length - 1; d >= 0; d--)
        {
            if (size[d] != 1 && stride[d] != expected) return false;
            expected *= size[d];
        }
        return true;
    }
}
