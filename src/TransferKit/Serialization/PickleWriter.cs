using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace TransferKit.Serialization;

/// <summary>
/// Emits pickle opcodes (protocol 2, as <c>torch.save</c> writes) into a buffer. Globals are
/// memoized (written once, then fetched with BINGET), like CPython's pickler does.
/// </summary>
internal sealed class PickleWriter
{
    private readonly MemoryStream _out = new();
    private readonly Dictionary<(string, string), uint> _globals = new();
    private uint _nextMemo;

    public byte[] ToArray() => _out.ToArray();

    public void Proto(byte version) { Op(PickleOp.Proto); _out.WriteByte(version); }
    public void Stop() => Op(PickleOp.Stop);
    public void Mark() => Op(PickleOp.Mark);
    public void None() => Op(PickleOp.None);
    public void Bool(bool value) => Op(value ? PickleOp.NewTrue : PickleOp.NewFalse);
    public void EmptyTuple() => Op(PickleOp.EmptyTuple);
    public void TupleFromMark() => Op(PickleOp.Tuple);
    public void EmptyList() => Op(PickleOp.EmptyList);
    public void Appends() => Op(PickleOp.Appends);
    public void EmptyDict() => Op(PickleOp.EmptyDict);
    public void SetItems() => Op(PickleOp.SetItems);
    public void Reduce() => Op(PickleOp.Reduce);
    public void BinPersId() => Op(PickleOp.BinPersId);

    /// <summary>A tuple of the last 1 to 3 values (TUPLE1..3).</summary>
    public void TupleOf(int count) => Op(count switch
    {
        1 => PickleOp.Tuple1,
        2 => PickleOp.Tuple2,
        3 => PickleOp.Tuple3,
        _ => throw new ArgumentOutOfRangeException(nameof(count)),
    });

    public void Int(long value)
    {
        Span<byte> b = stackalloc byte[8];
        if (value >= 0 && value <= byte.MaxValue)
        {
            Op(PickleOp.BinInt1);
            _out.WriteByte((byte)value);
        }
        else if (value >= 0 && value <= ushort.MaxValue)
        {
            Op(PickleOp.BinInt2);
            BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)value);
            _out.Write(b[..2]);
        }
        else if (value >= int.MinValue && value <= int.MaxValue)
        {
            Op(PickleOp.BinInt);
            BinaryPrimitives.WriteInt32LittleEndian(b, (int)value);
            _out.Write(b[..4]);
        }
        else
        {
            Long(value);
        }
    }

    /// <summary>LONG1 / LONG4: minimal little-endian two's complement, as CPython writes big ints.</summary>
    public void Long(BigInteger value)
    {
        byte[] bytes = value.IsZero ? Array.Empty<byte>() : value.ToByteArray(isUnsigned: false, isBigEndian: false);
        if (bytes.Length < 256)
        {
            Op(PickleOp.Long1);
            _out.WriteByte((byte)bytes.Length);
        }
        else
        {
            Op(PickleOp.Long4);
            Span<byte> n = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(n, bytes.Length);
            _out.Write(n);
        }
        _out.Write(bytes);
    }

    public void Float(double value)
    {
        Op(PickleOp.BinFloat);
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, value);
        _out.Write(b);
    }

    public void Unicode(string value)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        Op(PickleOp.BinUnicode);
        Span<byte> n = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(n, (uint)utf8.Length);
        _out.Write(n);
        _out.Write(utf8);
    }

    /// <summary>Bytes the way protocol 2 writes them on Python 3: <c>_codecs.encode(latin1_text, 'latin1')</c>.</summary>
    public void Bytes(ReadOnlySpan<byte> value)
    {
        if (value.Length == 0)
        {
            Global("__builtin__", "bytes");
            EmptyTuple();
            Reduce();
            return;
        }
        Global("_codecs", "encode");
        Unicode(Encoding.Latin1.GetString(value));
        Unicode("latin1");
        TupleOf(2);
        Reduce();
    }

    public void Global(string module, string name)
    {
        if (_globals.TryGetValue((module, name), out uint index))
        {
            Get(index);
            return;
        }
        Op(PickleOp.Global);
        _out.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
        index = _nextMemo++;
        _globals[(module, name)] = index;
        Put(index);
    }

    private void Get(uint index)
    {
        if (index <= byte.MaxValue)
        {
            Op(PickleOp.BinGet);
            _out.WriteByte((byte)index);
            return;
        }
        Op(PickleOp.LongBinGet);
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, index);
        _out.Write(b);
    }

    private void Put(uint index)
    {
        if (index <= byte.MaxValue)
        {
            Op(PickleOp.BinPut);
            _out.WriteByte((byte)index);
            return;
        }
        Op(PickleOp.LongBinPut);
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, index);
        _out.Write(b);
    }

    private void Op(byte op) => _out.WriteByte(op);
}
