using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace TransferKit.Serialization;

/// <summary>
/// A safe unpickler: it interprets pickle opcodes (protocols 0 to 5) into plain data and never
/// executes anything. Globals are checked against <see cref="PickleGlobals"/> as soon as they are
/// read, so a file naming <c>os.system</c> is refused before any later opcode is looked at.
/// Lengths are checked against the bytes left in the stream before anything is allocated, every
/// opcode consumes input, and text numbers are length-limited, so corrupt input cannot cause huge
/// allocations or long computations.
/// </summary>
/// <remarks>
/// Values: None → null, bool, int → <see cref="long"/> (or <see cref="BigInteger"/> beyond 64 bits),
/// float → double, str → string, bytes → byte[], tuple → object?[], list → List&lt;object?&gt;,
/// dict → OrderedDictionary&lt;object, object?&gt; (insertion order), set → HashSet&lt;object&gt;,
/// plus the values <see cref="PickleGlobals.Call"/> builds (tensor specs, dtypes, devices).
/// </remarks>
internal sealed class PickleReader
{
    private const int MaxLineLength = 1 << 16;
    private const int MaxTextIntDigits = 4300; // CPython's default int_max_str_digits
    private const int MaxLongBytes = 1 << 16;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Stream _in;
    private readonly long _end;
    private readonly string _source;
    private readonly string _part;
    private readonly Func<object?, object?>? _persistentLoad;
    private readonly List<object?> _stack = new();
    private readonly List<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = new();
    private long _pos;
    private long _opStart;

    /// <param name="input">A readable stream positioned at the pickle; it must support Length (seekable).</param>
    /// <param name="source">The file name, for messages.</param>
    /// <param name="part">Which pickle of the file this is (e.g. <c>data.pkl</c>), for messages.</param>
    /// <param name="persistentLoad">Resolves persistent ids (PERSID, BINPERSID); null refuses them.</param>
    public PickleReader(Stream input, string source, string part, Func<object?, object?>? persistentLoad)
    {
        _in = input;
        _pos = input.Position;
        _end = input.Length;
        _source = source;
        _part = part;
        _persistentLoad = persistentLoad;
    }

    /// <summary>Which pickle of the file this reader reads, for messages.</summary>
    public string Part => _part;

    /// <summary>Reads one pickle, up to and including its STOP opcode, leaving the stream just after it.</summary>
    public object? Load()
    {
        _stack.Clear();
        _marks.Clear();
        _memo.Clear();
        while (true)
        {
            _opStart = _pos;
            if (_pos >= _end) throw Fail("the pickle is truncated (no STOP opcode before the end of the data)");
            byte op = U8();
            try
            {
                if (op == PickleOp.Stop) return Pop();
                Step(op);
            }
            catch (PickleDataException e)
            {
                throw Fail(e.Message);
            }
        }
    }

    /// <summary>An error at the current opcode, naming the file, the pickle and the byte offset.</summary>
    public CheckpointFormatException Fail(string detail) =>
        new(_source, $"{_part} at byte {_opStart}: {detail}");

    private void Step(byte op)
    {
        switch (op)
        {
            case PickleOp.Proto:
                int protocol = U8();
                if (protocol > 5) throw new PickleDataException($"unsupported pickle protocol {protocol}");
                break;
            case PickleOp.Frame:
                ulong frame = U64();
                if (frame > (ulong)Remaining) throw new PickleDataException($"a frame of {frame} bytes is longer than the {Remaining} bytes left");
                break;
            case PickleOp.Mark: _marks.Add(_stack.Count); break;
            case PickleOp.Pop:
                if (_stack.Count > Floor) _stack.RemoveAt(_stack.Count - 1);
                else PopMark();
                break;
            case PickleOp.PopMark: PopMark(); break;
            case PickleOp.Dup: Push(Peek()); break;

            // Constants and numbers.
            case PickleOp.None: Push(null); break;
            case PickleOp.NewTrue: Push(true); break;
            case PickleOp.NewFalse: Push(false); break;
            case PickleOp.BinInt: Push((long)BinaryPrimitives.ReadInt32LittleEndian(Bytes(4))); break;
            case PickleOp.BinInt1: Push((long)U8()); break;
            case PickleOp.BinInt2: Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2))); break;
            case PickleOp.Int:
                string intText = Line();
                Push(intText switch { "00" => false, "01" => true, _ => ParseInt(intText) });
                break;
            case PickleOp.Long: Push(ParseInt(Line().TrimEnd('L'))); break;
            case PickleOp.Long1: Push(FromTwosComplement(Bytes(U8()))); break;
            case PickleOp.Long4:
                int longLength = BinaryPrimitives.ReadInt32LittleEndian(Bytes(4));
                if (longLength < 0 || longLength > MaxLongBytes) throw new PickleDataException($"LONG4 of {longLength} bytes is not supported");
                Push(FromTwosComplement(Bytes(longLength)));
                break;
            case PickleOp.Float: Push(ParseFloat(Line())); break;
            case PickleOp.BinFloat: Push(BinaryPrimitives.ReadDoubleBigEndian(Bytes(8))); break;

            // Strings and bytes.
            case PickleOp.String: Push(Utf8(DecodeQuotedRepr(Line()))); break;
            case PickleOp.BinString:
                int strLength = BinaryPrimitives.ReadInt32LittleEndian(Bytes(4));
                if (strLength < 0) throw new PickleDataException($"negative string length {strLength}");
                Push(Utf8(Bytes(strLength)));
                break;
            case PickleOp.ShortBinString: Push(Utf8(Bytes(U8()))); break;
            case PickleOp.Unicode: Push(DecodeRawUnicodeEscape(LineBytes())); break;
            case PickleOp.BinUnicode: Push(Utf8(Bytes(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4))))); break;
            case PickleOp.ShortBinUnicode: Push(Utf8(Bytes(U8()))); break;
            case PickleOp.BinUnicode8: Push(Utf8(Bytes(U64()))); break;
            case PickleOp.BinBytes: Push(Bytes(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4)))); break;
            case PickleOp.ShortBinBytes: Push(Bytes(U8())); break;
            case PickleOp.BinBytes8:
            case PickleOp.ByteArray8: Push(Bytes(U64())); break;
            case PickleOp.NextBuffer: throw new PickleDataException("out-of-band buffers (pickle protocol 5 NEXT_BUFFER) are not supported");
            case PickleOp.ReadOnlyBuffer: Peek(); break;

            // Tuples.
            case PickleOp.EmptyTuple: Push(Array.Empty<object?>()); break;
            case PickleOp.Tuple: Push(PopMark()); break;
            case PickleOp.Tuple1: Push(new[] { Pop() }); break;
            case PickleOp.Tuple2:
            {
                var b = Pop();
                var a = Pop();
                Push(new[] { a, b });
                break;
            }
            case PickleOp.Tuple3:
            {
                var c = Pop();
                var b = Pop();
                var a = Pop();
                Push(new[] { a, b, c });
                break;
            }

            // Lists.
            case PickleOp.EmptyList: Push(new List<object?>()); break;
            case PickleOp.List: Push(new List<object?>(PopMark())); break;
            case PickleOp.Append:
            {
                var value = Pop();
                ListOnTop("APPEND").Add(value);
                break;
            }
            case PickleOp.Appends:
            {
                var items = PopMark();
                ListOnTop("APPENDS").AddRange(items);
                break;
            }

            // Dictionaries.
            case PickleOp.EmptyDict: Push(NewDict()); break;
            case PickleOp.Dict:
            {
                var items = PopMark();
                var dict = NewDict();
                SetItems(dict, items);
                Push(dict);
                break;
            }
            case PickleOp.SetItem:
            {
                var value = Pop();
                var key = Pop();
                DictOnTop("SETITEM")[PickleGlobals.Key(key)] = value;
                break;
            }
            case PickleOp.SetItems:
            {
                var items = PopMark();
                SetItems(DictOnTop("SETITEMS"), items);
                break;
            }

            // Sets.
            case PickleOp.EmptySet: Push(new HashSet<object>(PickleKeyComparer.Instance)); break;
            case PickleOp.AddItems:
            {
                var items = PopMark();
                if (Peek() is not HashSet<object> set) throw new PickleDataException($"ADDITEMS on {PickleGlobals.Describe(Peek())}");
                foreach (var item in items) set.Add(PickleGlobals.Key(item));
                break;
            }
            case PickleOp.FrozenSet:
            {
                var set = new HashSet<object>(PickleKeyComparer.Instance);
                foreach (var item in PopMark()) set.Add(PickleGlobals.Key(item));
                Push(set);
                break;
            }

            // Memo.
            case PickleOp.Get: Push(MemoGet(ParseMemoIndex(Line()))); break;
            case PickleOp.BinGet: Push(MemoGet(U8())); break;
            case PickleOp.LongBinGet: Push(MemoGet(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4)))); break;
            case PickleOp.Put: _memo[ParseMemoIndex(Line())] = Peek(); break;
            case PickleOp.BinPut: _memo[U8()] = Peek(); break;
            case PickleOp.LongBinPut: _memo[BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4))] = Peek(); break;
            case PickleOp.Memoize: _memo[_memo.Count] = Peek(); break;

            // Globals and objects: only whitelisted globals, interpreted by fixed rules.
            case PickleOp.Global:
            {
                string module = Utf8(LineBytes());
                string name = Utf8(LineBytes());
                Push(ValueOf(Resolve(module, name)));
                break;
            }
            case PickleOp.StackGlobal:
            {
                var name = Pop();
                var module = Pop();
                if (module is not string m || name is not string n)
                    throw new PickleDataException($"STACK_GLOBAL needs two strings, found {PickleGlobals.Describe(module)} and {PickleGlobals.Describe(name)}");
                Push(ValueOf(Resolve(m, n)));
                break;
            }
            case PickleOp.Reduce:
            {
                var args = Pop();
                var callable = Pop();
                Push(Call(callable, args, "REDUCE"));
                break;
            }
            case PickleOp.NewObj:
            {
                var args = Pop();
                var cls = Pop();
                Push(NewObject(cls, args));
                break;
            }
            case PickleOp.NewObjEx:
            {
                var kwargs = Pop();
                var args = Pop();
                var cls = Pop();
                if (kwargs is not OrderedDictionary<object, object?> { Count: 0 })
                    throw new PickleDataException("NEWOBJ_EX with keyword arguments is not supported");
                Push(NewObject(cls, args));
                break;
            }
            case PickleOp.Inst:
            {
                string module = Utf8(LineBytes());
                string name = Utf8(LineBytes());
                var cls = Resolve(module, name);
                Push(Call(cls, PopMark(), "INST"));
                break;
            }
            case PickleOp.Obj:
            {
                var items = PopMark();
                if (items.Length == 0) throw new PickleDataException("OBJ without a class");
                Push(Call(items[0], items[1..], "OBJ"));
                break;
            }
            case PickleOp.Build:
            {
                var state = Pop();
                Build(Peek(), state);
                break;
            }
            case PickleOp.PersId: Push(PersistentLoad(Utf8(LineBytes()))); break;
            case PickleOp.BinPersId: Push(PersistentLoad(Pop())); break;
            case PickleOp.Ext1:
            case PickleOp.Ext2:
            case PickleOp.Ext4:
                throw new PickleDataException("extension registry codes (EXT1/EXT2/EXT4) are not supported");
            default:
                throw new PickleDataException($"unknown pickle opcode 0x{op:x2}");
        }
    }

    // ---- the stack ----

    private int Floor => _marks.Count > 0 ? _marks[^1] : 0;

    private void Push(object? value) => _stack.Add(value);

    private object? Pop()
    {
        if (_stack.Count <= Floor) throw new PickleDataException("unpickling stack underflow");
        var value = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object? Peek() =>
        _stack.Count > Floor ? _stack[^1] : throw new PickleDataException("unpickling stack underflow");

    private object?[] PopMark()
    {
        if (_marks.Count == 0) throw new PickleDataException("could not find MARK");
        int mark = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(mark, _stack.Count - mark).ToArray();
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private List<object?> ListOnTop(string op) =>
        Peek() as List<object?> ?? throw new PickleDataException($"{op} on {PickleGlobals.Describe(Peek())}, not a list");

    private OrderedDictionary<object, object?> DictOnTop(string op) =>
        Peek() as OrderedDictionary<object, object?> ?? throw new PickleDataException($"{op} on {PickleGlobals.Describe(Peek())}, not a dict");

    private static OrderedDictionary<object, object?> NewDict() => new(PickleKeyComparer.Instance);

    private static void SetItems(OrderedDictionary<object, object?> dict, object?[] items)
    {
        if (items.Length % 2 != 0) throw new PickleDataException("odd number of items for a dict");
        for (int k = 0; k < items.Length; k += 2) dict[PickleGlobals.Key(items[k])] = items[k + 1];
    }

    private object? MemoGet(long index) =>
        _memo.TryGetValue(index, out var value) ? value : throw new PickleDataException($"memo entry {index} was never stored");

    // ---- globals and objects ----

    private PyGlobal Resolve(string module, string name) =>
        PickleGlobals.TryResolve(module, name)
        ?? throw new UnsafePickleException(_source, $"{module}.{name}",
            $"{_part} at byte {_opStart}: {PickleGlobals.RefusalDetail(module, name)}");

    /// <summary>What a global stands for as a value: torch dtypes are values; classes and functions stay globals.</summary>
    private static object ValueOf(PyGlobal g) => g.Kind == GlobalKind.Dtype ? g.Dtype : g;

    private static object? Call(object? callable, object? args, string op)
    {
        if (callable is not PyGlobal g)
            throw new PickleDataException($"{op} on {PickleGlobals.Describe(callable)}: only allowed globals may be called");
        if (args is not object?[] tuple)
            throw new PickleDataException($"{op} arguments for '{g.QualifiedName}' are {PickleGlobals.Describe(args)}, not a tuple");
        return PickleGlobals.Call(g, tuple);
    }

    private static object? NewObject(object? cls, object? args)
    {
        if (cls is not PyGlobal g) throw new PickleDataException($"NEWOBJ on {PickleGlobals.Describe(cls)}, not a class");
        if (args is not object?[] tuple) throw new PickleDataException($"NEWOBJ arguments are {PickleGlobals.Describe(args)}, not a tuple");
        return PickleGlobals.New(g, tuple);
    }

    private static void Build(object? instance, object? state)
    {
        // An OrderedDict's attributes (a state dict's `_metadata`, module versions) are not needed: drop them.
        bool dictState = state is null or OrderedDictionary<object, object?> ||
                         state is object?[] { Length: 2 } pair && pair[0] is null or OrderedDictionary<object, object?> && pair[1] is null or OrderedDictionary<object, object?>;
        if (instance is OrderedDictionary<object, object?> && dictState) return;
        throw new PickleDataException($"BUILD (setting the state of) {PickleGlobals.Describe(instance)} is not supported");
    }

    private object? PersistentLoad(object? pid) =>
        _persistentLoad is null
            ? throw new PickleDataException("a persistent id is not allowed in this pickle")
            : _persistentLoad(pid);

    // ---- input ----

    private long Remaining => _end - _pos;

    private byte U8()
    {
        if (_pos >= _end) throw Truncated(1);
        int b = _in.ReadByte();
        if (b < 0) throw Truncated(1);
        _pos++;
        return (byte)b;
    }

    private ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8));

    private byte[] Bytes(ulong count)
    {
        if (count > (ulong)Remaining) throw Truncated(count);
        if (count > (ulong)Array.MaxLength) throw new PickleDataException($"a value of {count} bytes is too large");
        var buffer = new byte[(int)count];
        int read = _in.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read < buffer.Length) throw Truncated(count);
        _pos += read;
        return buffer;
    }

    private byte[] Bytes(long count) => count < 0 ? throw new PickleDataException($"negative length {count}") : Bytes((ulong)count);

    private byte[] Bytes(int count) => Bytes((long)count);

    private PickleDataException Truncated(ulong needed) =>
        new($"the pickle is truncated (needed {needed} bytes, {Math.Max(0, Remaining)} left)");

    private byte[] LineBytes()
    {
        var line = new List<byte>();
        while (true)
        {
            if (_pos >= _end) throw new PickleDataException("the pickle is truncated inside a text line");
            byte b = U8();
            if (b == (byte)'\n') return line.ToArray();
            if (line.Count >= MaxLineLength) throw new PickleDataException($"a text line longer than {MaxLineLength} bytes");
            line.Add(b);
        }
    }

    private string Line() => Encoding.ASCII.GetString(LineBytes()).TrimEnd('\r');

    private static string Utf8(byte[] bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new PickleDataException("a string is not valid UTF-8");
        }
    }

    // ---- text forms of protocol 0 ----

    private static object ParseInt(string text)
    {
        string t = text.Trim();
        int digits = t.StartsWith('-') || t.StartsWith('+') ? t.Length - 1 : t.Length;
        if (digits <= 0 || digits > MaxTextIntDigits || t.AsSpan(t.Length - digits).ContainsAnyExcept("0123456789"))
            throw new PickleDataException($"invalid integer text '{Clip(text)}'");
        if (long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value)) return value;
        return BigInteger.Parse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
    }

    private static long ParseMemoIndex(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long index)
            ? index
            : throw new PickleDataException($"invalid memo index '{Clip(text)}'");

    private static double ParseFloat(string text)
    {
        string t = text.Trim();
        switch (t)
        {
            case "inf": case "+inf": return double.PositiveInfinity;
            case "-inf": return double.NegativeInfinity;
            case "nan": case "-nan": case "+nan": return double.NaN;
        }
        if (t.Length > 400 || !double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            throw new PickleDataException($"invalid float text '{Clip(text)}'");
        return value;
    }

    /// <summary>
    /// Converts a little-endian two's-complement integer (LONG1, LONG4) to long or BigInteger.
    /// </summary>
    private static object FromTwosComplement(byte[] bytes)
    {
        if (bytes.Length == 0) return 0L;
        var big = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return big >= long.MinValue && big <= long.MaxValue ? (object)(long)big : big;
    }

    /// <summary>Decodes Python's repr of a byte string (<c>'...'</c> or <c>"..."</c>) as STRING writes it.</summary>
    private static byte[] DecodeQuotedRepr(string text)
    {
        if (text.Length < 2 || (text[0] != '\'' && text[0] != '"') || text[^1] != text[0])
            throw new PickleDataException("the STRING opcode argument must be quoted");
        var body = text.AsSpan(1, text.Length - 2);
        var output = new List<byte>(body.Length);
        for (int k = 0; k < body.Length; k++)
        {
            char ch = body[k];
            if (ch > 0x7F) throw new PickleDataException("non-ASCII character in a STRING literal");
            if (ch != '\\' || k + 1 == body.Length)
            {
                output.Add((byte)ch);
                continue;
            }
            char esc = body[++k];
            switch (esc)
            {
                case '\\': output.Add((byte)'\\'); break;
                case '\'': output.Add((byte)'\''); break;
                case '"': output.Add((byte)'"'); break;
                case 'a': output.Add(7); break;
                case 'b': output.Add(8); break;
                case 'f': output.Add(12); break;
                case 'n': output.Add(10); break;
                case 'r': output.Add(13); break;
                case 't': output.Add(9); break;
                case 'v': output.Add(11); break;
                case '\n': break;
                case 'x':
                    if (k + 2 >= body.Length || !byte.TryParse(body.Slice(k + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte hex))
                        throw new PickleDataException("invalid \\x escape in a STRING literal");
                    output.Add(hex);
                    k += 2;
                    break;
                case >= '0' and <= '7':
                    int octal = esc - '0';
                    for (int n = 0; n < 2 && k + 1 < body.Length && body[k + 1] is >= '0' and <= '7'; n++)
                        octal = octal * 8 + (body[++k] - '0');
                    output.Add((byte)(octal & 0xFF));
                    break;
                default:
                    output.Add((byte)'\\');
                    output.Add((byte)esc);
                    break;
            }
        }
        return output.ToArray();
    }

    /// <summary>Decodes Python's raw-unicode-escape (UNICODE opcode): latin-1 bytes plus \uXXXX and \UXXXXXXXX.</summary>
    private static string DecodeRawUnicodeEscape(byte[] bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        for (int k = 0; k < bytes.Length; k++)
        {
            byte b = bytes[k];
            if (b == (byte)'\\' && k + 1 < bytes.Length && (bytes[k + 1] == (byte)'u' || bytes[k + 1] == (byte)'U'))
            {
                int digits = bytes[k + 1] == (byte)'u' ? 4 : 8;
                if (k + 2 + digits > bytes.Length ||
                    !int.TryParse(Encoding.ASCII.GetString(bytes, k + 2, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code) ||
                    code < 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
                    throw new PickleDataException("invalid \\u escape in a UNICODE literal");
                sb.Append(char.ConvertFromUtf32(code));
                k += 1 + digits;
            }
            else
            {
                sb.Append((char)b);
            }
        }
        return sb.ToString();
    }

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
