using System.Buffers.Binary;
using System.Text;
using TransferKit.Serialization;

namespace TransferKit.Onnx;

/// <summary>Protocol-buffer wire types (the low three bits of a field key).</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
}

/// <summary>
/// A bounds-checked reader of the protobuf wire format over one message's bytes. Every read checks
/// the remaining length first; anything malformed throws <see cref="CheckpointFormatException"/>
/// naming the file, the message being read and the byte offset.
/// </summary>
internal sealed class ProtoReader
{
    private readonly byte[] _buffer;
    private readonly int _end;
    private int _position;

    public ProtoReader(byte[] buffer, int start, int end, string sourceName, string context)
    {
        _buffer = buffer;
        _position = start;
        _end = end;
        SourceName = sourceName;
        Context = context;
    }

    public string SourceName { get; }

    /// <summary>What is being read, e.g. <c>graph.node[12] 'Conv_3'</c>, for error messages.</summary>
    public string Context { get; set; }

    public bool AtEnd => _position >= _end;

    public int Position => _position;

    public CheckpointFormatException Error(string detail) => new(SourceName, $"{Context} at byte {_position}: {detail}");

    /// <summary>Reads the next field key; returns false at the end of the message.</summary>
    public bool NextField(out int field, out WireType wire)
    {
        if (AtEnd)
        {
            field = 0;
            wire = 0;
            return false;
        }
        ulong key = ReadVarint();
        field = (int)Math.Min(key >> 3, int.MaxValue);
        wire = (WireType)(key & 7);
        if (field == 0) throw Error("field number 0 is invalid (the protobuf data is corrupt)");
        if (wire is WireType.StartGroup or WireType.EndGroup or > WireType.Fixed32)
            throw Error($"field {field} has wire type {(int)wire}, which ONNX files never use (the protobuf data is corrupt)");
        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _end) throw Error("truncated varint");
            byte b = _buffer[_position++];
            if (shift == 63 && b > 1) throw Error("varint longer than 64 bits");
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw Error("varint longer than 10 bytes");
    }

    public long ReadInt64() => (long)ReadVarint();

    /// <summary>An int32 field (negative values are sign-extended varints on the wire).</summary>
    public int ReadInt32(string what)
    {
        long v = ReadInt64();
        if (v is < int.MinValue or > int.MaxValue) throw Error($"{what} {v} does not fit in 32 bits");
        return (int)v;
    }

    public uint ReadFixed32()
    {
        Need(4, "fixed32");
        uint v = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_position, 4));
        _position += 4;
        return v;
    }

    public ulong ReadFixed64()
    {
        Need(8, "fixed64");
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(_buffer.AsSpan(_position, 8));
        _position += 8;
        return v;
    }

    public float ReadFloat() => BitConverter.UInt32BitsToSingle(ReadFixed32());

    public double ReadDouble() => BitConverter.UInt64BitsToDouble(ReadFixed64());

    /// <summary>Reads a length prefix and returns the [start, end) of the bytes it covers, advancing past them.</summary>
    public (int Start, int End) ReadLengthDelimited(string what)
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_end - _position))
            throw Error($"{what} claims {length:N0} bytes but only {_end - _position:N0} remain (the file is truncated or corrupt)");
        int start = _position;
        _position += (int)length;
        return (start, _position);
    }

    public ProtoReader ReadMessage(string context)
    {
        var (start, end) = ReadLengthDelimited(context);
        return new ProtoReader(_buffer, start, end, SourceName, context);
    }

    public string ReadString(string what)
    {
        var (start, end) = ReadLengthDelimited(what);
        try
        {
            return Strict.GetString(_buffer, start, end - start);
        }
        catch (DecoderFallbackException e)
        {
            throw new CheckpointFormatException(SourceName, $"{Context} at byte {start}: {what} is not valid UTF-8", e);
        }
    }

    public ReadOnlyMemory<byte> ReadBytes(string what)
    {
        var (start, end) = ReadLengthDelimited(what);
        return new ReadOnlyMemory<byte>(_buffer, start, end - start);
    }

    /// <summary>Appends a repeated int64 field, packed or not, checking the count against <paramref name="max"/>.</summary>
    public void ReadInt64s(WireType wire, List<long> into, int max, string what)
    {
        if (wire == WireType.LengthDelimited)
        {
            var (start, end) = ReadLengthDelimited(what);
            var inner = new ProtoReader(_buffer, start, end, SourceName, Context);
            while (!inner.AtEnd)
            {
                if (into.Count >= max) throw Error($"{what} has more than {max:N0} values");
                into.Add(inner.ReadInt64());
            }
        }
        else
        {
            Expect(wire, WireType.Varint, what);
            if (into.Count >= max) throw Error($"{what} has more than {max:N0} values");
            into.Add(ReadInt64());
        }
    }

    /// <summary>Appends a repeated float field, packed or not.</summary>
    public void ReadFloats(WireType wire, List<float> into, int max, string what)
    {
        if (wire == WireType.LengthDelimited)
        {
            var (start, end) = ReadLengthDelimited(what);
            if ((end - start) % 4 != 0) throw Error($"packed {what} has {end - start} bytes, not a multiple of 4");
            if (into.Count + (end - start) / 4 > max) throw Error($"{what} has more than {max:N0} values");
            for (int p = start; p < end; p += 4) into.Add(BinaryPrimitives.ReadSingleLittleEndian(_buffer.AsSpan(p, 4)));
        }
        else
        {
            Expect(wire, WireType.Fixed32, what);
            if (into.Count >= max) throw Error($"{what} has more than {max:N0} values");
            into.Add(ReadFloat());
        }
    }

    public void Expect(WireType actual, WireType expected, string what)
    {
        if (actual != expected) throw Error($"{what} has wire type {actual}, expected {expected}");
    }

    public void Skip(WireType wire)
    {
        switch (wire)
        {
            case WireType.Varint: ReadVarint(); break;
            case WireType.Fixed64: Need(8, "fixed64"); _position += 8; break;
            case WireType.Fixed32: Need(4, "fixed32"); _position += 4; break;
            case WireType.LengthDelimited: ReadLengthDelimited("a skipped field"); break;
            default: throw Error($"wire type {(int)wire} cannot be skipped");
        }
    }

    private void Need(int bytes, string what)
    {
        if (_end - _position < bytes) throw Error($"truncated {what} (needed {bytes} bytes, {_end - _position} left)");
    }

    private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);
}

/// <summary>Writes protobuf wire format into a growing buffer; nested messages are written into their own writer and embedded.</summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _stream = new();

    public long Length => _stream.Length;

    public void WriteTo(Stream target) => _stream.WriteTo(target);

    private void Key(int field, WireType wire) => Varint(((ulong)field << 3) | (ulong)wire);

    private void Varint(ulong value)
    {
        Span<byte> bytes = stackalloc byte[10];
        int n = 0;
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            bytes[n++] = value != 0 ? (byte)(b | 0x80) : b;
        }
        while (value != 0);
        _stream.Write(bytes[..n]);
    }

    public void Int64(int field, long value)
    {
        Key(field, WireType.Varint);
        Varint((ulong)value);
    }

    public void Float(int field, float value)
    {
        Key(field, WireType.Fixed32);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _stream.Write(bytes);
    }

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Key(field, WireType.LengthDelimited);
        Varint((ulong)value.Length);
        _stream.Write(value);
    }

    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public void Message(int field, ProtoWriter message)
    {
        Key(field, WireType.LengthDelimited);
        Varint((ulong)message._stream.Length);
        message._stream.WriteTo(_stream);
    }

    /// <summary>A packed repeated int64 field.</summary>
    public void PackedInt64s(int field, IEnumerable<long> values)
    {
        var inner = new ProtoWriter();
        foreach (long v in values) inner.Varint((ulong)v);
        Message(field, inner);
    }
}
