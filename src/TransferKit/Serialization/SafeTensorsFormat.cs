using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TransferKit.Engine;
using TransferKit.NN;

namespace TransferKit.Serialization;

/// <summary>
/// The safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// <c>{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
/// "__metadata__": {"key": "value"}}</c> (possibly padded with spaces), then the tensors' bytes,
/// little-endian and row-major, with offsets relative to the end of the header. The byte ranges
/// must cover the data exactly, without gaps or overlaps.
/// </summary>
internal static class SafeTensorsFormat
{
    /// <summary>The reference implementation's limit on the header size.</summary>
    public const long MaxHeaderBytes = 100_000_000;
    private const string MetadataKey = "__metadata__";

    private static readonly (string Code, ScalarType Dtype)[] Dtypes =
    [
        ("F32", ScalarType.Float32), ("F64", ScalarType.Float64), ("F16", ScalarType.Float16), ("BF16", ScalarType.BFloat16),
        ("I64", ScalarType.Int64), ("I32", ScalarType.Int32), ("I16", ScalarType.Int16), ("I8", ScalarType.Int8),
        ("U8", ScalarType.Byte), ("BOOL", ScalarType.Bool),
    ];

    private sealed record Entry(string Name, ScalarType Dtype, long[] Shape, long Begin, long End);

    public static string Code(ScalarType dtype)
    {
        foreach (var (code, t) in Dtypes)
            if (t == dtype) return code;
        throw new NotSupportedException($"Tensors of {dtype.PyTorchName()} cannot be saved as safetensors.");
    }

    /// <summary>Reads the metadata only (the header's <c>__metadata__</c>; empty when absent).</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(Stream stream)
    {
        var (_, metadata, _) = ReadHeader(stream);
        return metadata;
    }

    /// <summary>Reads every tensor, in header order.</summary>
    public static StateDict Read(Stream stream)
    {
        var (entries, _, dataStart) = ReadHeader(stream);
        var result = new StateDict();
        try
        {
            foreach (var e in entries)
            {
                stream.Position = dataStart + e.Begin;
                long numel = (e.End - e.Begin) / e.Dtype.ElementSize();
                using var flat = StorageIO.ReadStorage(stream, e.Dtype, numel);
                result.Add(e.Name, flat.Reshape(e.Shape));
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    private static (List<Entry> Entries, Dictionary<string, string> Metadata, long DataStart) ReadHeader(Stream stream)
    {
        long start = stream.Position;
        long total = stream.Length - start;
        if (total < 8) throw new InvalidDataException($"the file has {total} bytes, fewer than the 8-byte header length");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)(total - 8))
            throw new InvalidDataException($"the header claims {headerLength} bytes but only {total - 8} follow");
        if (headerLength > MaxHeaderBytes)
            throw new InvalidDataException($"the header claims {headerLength} bytes, more than the {MaxHeaderBytes} allowed");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        if (header.Length == 0 || header[0] != '{') throw new InvalidDataException("the header does not start with '{'");
        long dataStart = start + 8 + (long)headerLength;
        long dataLength = total - 8 - (long)headerLength;

        var entries = new List<Entry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 16 });
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException("the header is not a JSON object");
        foreach (var property in doc.RootElement.EnumerateObject())
        {
            if (!names.Add(property.Name)) throw new InvalidDataException($"the header names '{property.Name}' twice");
            if (property.Name == MetadataKey)
            {
                if (property.Value.ValueKind != JsonValueKind.Object) throw new InvalidDataException("__metadata__ is not an object");
                foreach (var m in property.Value.EnumerateObject())
                {
                    if (m.Value.ValueKind != JsonValueKind.String) throw new InvalidDataException($"metadata '{m.Name}' is not a string");
                    metadata[m.Name] = m.Value.GetString()!;
                }
                continue;
            }
            entries.Add(ParseEntry(property));
        }

        // The byte ranges must tile [0, dataLength) exactly.
        long expected = 0;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin != expected)
                throw new InvalidDataException($"tensor '{e.Name}' starts at byte {e.Begin} of the data, expected {expected} (the ranges must be contiguous)");
            expected = e.End;
        }
        if (expected != dataLength)
            throw new InvalidDataException($"the tensors cover {expected} bytes but the data holds {dataLength}");
        return (entries, metadata, dataStart);
    }

    private static Entry ParseEntry(JsonProperty property)
    {
        string name = property.Name;
        var info = property.Value;
        if (info.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"tensor '{name}' is not described by an object");
        if (!info.TryGetProperty("dtype", out var dtypeText) || dtypeText.ValueKind != JsonValueKind.String)
            throw new InvalidDataException($"tensor '{name}' has no dtype");
        string code = dtypeText.GetString()!;
        ScalarType? dtype = null;
        foreach (var (c, t) in Dtypes)
            if (c == code) dtype = t;
        if (dtype is null)
            throw new InvalidDataException($"tensor '{name}' has dtype '{code}', which is not supported (supported: {string.Join(", ", Dtypes.Select(d => d.Code))})");

        if (!info.TryGetProperty("shape", out var shapeJson) || shapeJson.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"tensor '{name}' has no shape");
        if (shapeJson.GetArrayLength() > PickleGlobals.MaxDims)
            throw new InvalidDataException($"tensor '{name}' has {shapeJson.GetArrayLength()} dimensions (at most {PickleGlobals.MaxDims} supported)");
        var shape = new long[shapeJson.GetArrayLength()];
        long numel = 1;
        int k = 0;
        foreach (var d in shapeJson.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long size) || size < 0)
                throw new InvalidDataException($"tensor '{name}' has an invalid shape entry {d.GetRawText()}");
            shape[k++] = size;
            numel = size == 0 || numel == 0 ? 0 : numel > long.MaxValue / size ? throw new InvalidDataException($"tensor '{name}' has a shape overflowing 64 bits") : numel * size;
        }

        if (!info.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw new InvalidDataException($"tensor '{name}' has no data_offsets [begin, end]");
        if (!offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw new InvalidDataException($"tensor '{name}' has invalid data_offsets {offsets.GetRawText()}");
        long needed = StorageIO.ByteSize(dtype.Value, numel);
        if (end - begin != needed)
            throw new InvalidDataException($"tensor '{name}' of shape [{string.Join(", ", shape)}] and dtype {code} needs {needed} bytes but its data_offsets span {end - begin}");
        return new Entry(name, dtype.Value, shape, begin, end);
    }

    /// <summary>Writes tensors (and optional string metadata) in safetensors format, in the given order.</summary>
    public static void Write(Stream output, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var temporaries = new List<Tensor>();
        try
        {
            var items = new List<(string Name, Tensor Data, long Bytes)>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (name, tensor) in tensors)
            {
                ArgumentNullException.ThrowIfNull(name, "tensor name");
                ArgumentNullException.ThrowIfNull(tensor, $"tensor '{name}'");
                if (name == MetadataKey) throw new ArgumentException($"'{MetadataKey}' cannot name a tensor.", nameof(tensors));
                if (!names.Add(name)) throw new ArgumentException($"The name '{name}' appears twice.", nameof(tensors));
                Code(tensor.Dtype);
                var data = tensor;
                using (Torch.NoGrad())
                {
                    if (data.Device.Type != DeviceType.Cpu) temporaries.Add(data = data.To(Device.Cpu));
                    if (!data.IsContiguous) temporaries.Add(data = data.Contiguous());
                }
                items.Add((name, data, StorageIO.ByteSize(data.Dtype, data.Numel)));
            }

            byte[] header = Header(items, metadata);
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            output.Write(length);
            output.Write(header);
            foreach (var (_, data, bytes) in items)
            {
                var (offset, _, _) = StorageIO.Info(data);
                StorageIO.WriteStorage(data, offset * data.Dtype.ElementSize(), bytes, output);
            }
        }
        finally
        {
            foreach (var t in temporaries) t.Dispose();
        }
    }

    private static byte[] Header(List<(string Name, Tensor Data, long Bytes)> items, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, data, bytes) in items)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", Code(data.Dtype));
                json.WriteStartArray("shape");
                foreach (long d in data.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        // Pad with spaces so that the data starts 8-byte aligned, as the reference implementation does.
        while (buffer.Length % 8 != 0) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }
}
