using TransferKit.Engine;

namespace TransferKit.Serialization;

/// <summary>
/// The storages a save writes, like <c>torch.save</c>: tensors sharing a storage share one record,
/// written whole once, and keep their offsets and strides. Tensors not on the CPU are copied there
/// first (those copies are freed by <see cref="Dispose"/>).
/// </summary>
internal sealed class SaveStorageTable : IDisposable
{
    /// <summary>One storage record: its key, the element type, its size, and a tensor to read it through.</summary>
    public sealed record Record(string Key, ScalarType Dtype, long Numel, long Bytes, Tensor Owner);

    /// <summary>How one tensor is written: its record and layout within it.</summary>
    public sealed record Placement(Record Storage, long Offset, long[] Size, long[] Stride, bool RequiresGrad);

    private readonly Dictionary<ulong, Record> _byStorage = new();
    private readonly List<Record> _records = new();
    private readonly List<Tensor> _temporaries = new();

    /// <summary>The records in the order they were first used (their keys are "0", "1", ...).</summary>
    public IReadOnlyList<Record> Records => _records;

    public Placement Place(Tensor tensor)
    {
        bool requiresGrad = tensor.RequiresGrad;
        var cpu = tensor;
        if (tensor.Device.Type != DeviceType.Cpu)
        {
            using (Torch.NoGrad()) cpu = Keep(tensor.To(Device.Cpu));
        }
        var dtype = cpu.Dtype;
        var (offset, storageBytes, id) = StorageIO.Info(cpu);
        if (_byStorage.TryGetValue(id, out var record) && record.Dtype != dtype)
        {
            // The same memory seen as another element type: give this tensor its own copy.
            using (Torch.NoGrad()) cpu = Keep(cpu.Clone());
            (offset, storageBytes, id) = StorageIO.Info(cpu);
            record = null;
        }
        if (record is null)
        {
            long numel = storageBytes / dtype.ElementSize();
            record = new Record(_records.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), dtype, numel, numel * dtype.ElementSize(), cpu);
            _records.Add(record);
            _byStorage[id] = record;
        }
        return new Placement(record, offset, cpu.Shape, StorageIO.Strides(cpu), requiresGrad);
    }

    public void Dispose()
    {
        foreach (var t in _temporaries) t.Dispose();
        _temporaries.Clear();
    }

    private Tensor Keep(Tensor t)
    {
        _temporaries.Add(t);
        return t;
    }
}
