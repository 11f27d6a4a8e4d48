using TransferKit.Tests.Fixtures;
using System.Numerics;
using TransferKit.Serialization;

namespace TransferKit.Tests.Serialization;

/// <summary>
/// The unpickler only interprets: dangerous globals are refused by name before anything else is
/// looked at, every protocol's opcodes read correctly, and hostile lengths, cycles and deep
/// nesting neither allocate wildly nor hang nor overflow the stack.
/// </summary>
[Trait("Category", "Unit")]
public class SafeUnpicklerTests
{
    private static object? LoadPickle(byte[] pickle) => TorchSerializer.Load(new MemoryStream(PickleBytes.TorchZip(pickle)), "test.pth");

    [Fact]
    public void GlobalsAreRefusedBeforeLaterOpcodesAreRead()
    {
        // GLOBAL posix.system followed by garbage: the refusal names the global, not the garbage.
        var pickle = PickleBytes.Of(0x80, 2, "cposix\nsystem\n", 0xFF, 0xFF, 0xFF);
        var e = Assert.Throws<UnsafePickleException>(() => LoadPickle(pickle));
        Assert.Equal("posix.system", e.GlobalName);
        Assert.Contains("data.pkl at byte 2", e.Message);
    }

    [Theory]
    [InlineData("os", "system")]
    [InlineData("builtins", "eval")]
    [InlineData("builtins", "exec")]
    [InlineData("builtins", "getattr")]
    [InlineData("subprocess", "Popen")]
    [InlineData("torch", "load")]
    [InlineData("torch.nn.modules.linear", "Linear")]
    [InlineData("numpy.core.multiarray", "_reconstruct")]
    [InlineData("copy_reg", "_reconstructor")]
    public void EveryGlobalOutsideTheWhitelistIsRefused(string module, string name)
    {
        // STACK_GLOBAL (protocol 4) and INST (protocol 0) are checked the same way as GLOBAL.
        var viaStack = PickleBytes.Of(0x80, 4, 0x8c, module.Length, module, 0x8c, name.Length, name, 0x93, ')', 'R', '.');
        Assert.Equal($"{module}.{name}", Assert.Throws<UnsafePickleException>(() => LoadPickle(viaStack)).GlobalName);
        var viaInst = PickleBytes.Of('(', 'i', module, '\n', name, '\n', '.');
        Assert.Equal($"{module}.{name}", Assert.Throws<UnsafePickleException>(() => LoadPickle(viaInst)).GlobalName);
    }

    [Fact]
    public void LegacyFilesAreCheckedFromTheirFirstPickle()
    {
        var pickle = PickleBytes.Of(0x80, 2, "cos\nsystem\n", 'X', 2, 0, 0, 0, "ls", 0x85, 'R', '.');
        var e = Assert.Throws<UnsafePickleException>(() => TorchSerializer.Load(new MemoryStream(pickle), "legacy.pth"));
        Assert.Equal("os.system", e.GlobalName);
        Assert.Contains("magic number", e.Message);
    }

    [Theory]
    [InlineData("string called", new byte[] { 0x80, 2, (byte)'X', 1, 0, 0, 0, (byte)'a', (byte)')', (byte)'R', (byte)'.' }, "only allowed globals may be called")]
    [InlineData("storage class called", new byte[] { 0x80, 2, (byte)'c', (byte)'t', (byte)'o', (byte)'r', (byte)'c', (byte)'h', 10, (byte)'F', (byte)'l', (byte)'o', (byte)'a', (byte)'t', (byte)'S', (byte)'t', (byte)'o', (byte)'r', (byte)'a', (byte)'g', (byte)'e', 10, (byte)')', (byte)'R', (byte)'.' }, "is not callable")]
    [InlineData("unknown opcode", new byte[] { 0x80, 2, 0xFE, (byte)'.' }, "unknown pickle opcode 0xfe")]
    [InlineData("no STOP", new byte[] { 0x80, 2, (byte)'N' }, "truncated")]
    [InlineData("empty", new byte[0], "truncated")]
    [InlineData("stack underflow", new byte[] { 0x80, 2, (byte)'.' }, "stack underflow")]
    [InlineData("memo miss", new byte[] { 0x80, 2, (byte)'h', 7, (byte)'.' }, "memo entry 7")]
    [InlineData("persistent id of a wrong shape", new byte[] { 0x80, 2, (byte)'K', 1, (byte)'Q', (byte)'.' }, "unsupported persistent id")]
    [InlineData("BUILD on a list", new byte[] { 0x80, 2, (byte)']', (byte)'}', (byte)'b', (byte)'.' }, "BUILD")]
    [InlineData("unhashable key", new byte[] { 0x80, 2, (byte)'}', (byte)']', (byte)'K', 1, (byte)'s', (byte)'.' }, "cannot be a dictionary key")]
    [InlineData("protocol 6", new byte[] { 0x80, 6, (byte)'N', (byte)'.' }, "unsupported pickle protocol 6")]
    [InlineData("bad rebuild args", new byte[] { 0x80, 2, (byte)'c', (byte)'t', (byte)'o', (byte)'r', (byte)'c', (byte)'h', (byte)'.', (byte)'_', (byte)'u', (byte)'t', (byte)'i', (byte)'l', (byte)'s', 10, (byte)'_', (byte)'r', (byte)'e', (byte)'b', (byte)'u', (byte)'i', (byte)'l', (byte)'d', (byte)'_', (byte)'t', (byte)'e', (byte)'n', (byte)'s', (byte)'o', (byte)'r', (byte)'_', (byte)'v', (byte)'2', 10, (byte)')', (byte)'R', (byte)'.' }, "expected 4 to 7 arguments")]
    public void MalformedPicklesAreFormatErrors(string what, byte[] pickle, string message)
    {
        var e = Assert.Throws<CheckpointFormatException>(() => LoadPickle(pickle));
        Assert.IsNotType<UnsafePickleException>(e);
        Assert.True(e.Message.Contains(message, StringComparison.Ordinal), $"{what}: {e.Message}");
        Assert.Contains("test.pth", e.Message);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'X', 0xF0, 0xFF, 0xFF, 0xFF })]                         // BINUNICODE of 4 GB
    [InlineData(new byte[] { 0x8e, 0, 0, 0, 0, 0, 0, 0, 0x7F })]                            // BINBYTES8 of 2^62 bytes
    [InlineData(new byte[] { 0x8b, 0xFF, 0xFF, 0xFF, 0x7F })]                               // LONG4 of 2 GB
    [InlineData(new byte[] { 0x95, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF })]      // FRAME of 2^64 bytes
    [InlineData(new byte[] { (byte)'T', 0xFF, 0xFF, 0xFF, 0xFF })]                          // BINSTRING of -1 bytes
    public void HugeLengthsAreRefusedWithoutAllocating(byte[] op)
    {
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<CheckpointFormatException>(() => LoadPickle([0x80, 2, .. op, (byte)'.']));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 10_000_000, "a huge buffer was allocated");
        Assert.Matches("truncated|not supported|negative|longer than", e.Message);
    }

    [Fact]
    public void TextIntegersAreLengthLimited()
    {
        var pickle = PickleBytes.Of('L', new string('9', 10_000), "L\n.");
        Assert.Contains("invalid integer text", Assert.Throws<CheckpointFormatException>(() => LoadPickle(pickle)).Message);
    }

    [Fact]
    public void CyclicStructuresLoad()
    {
        // l = []; l.append(l); d = {'self': d}
        var pickle = PickleBytes.Of(0x80, 2, '}', 'q', 0, 'X', 4, 0, 0, 0, "list", ']', 'q', 1, 'h', 1, 'a', 's',
                                    'X', 4, 0, 0, 0, "dict", 'h', 0, 's', '.');
        var root = Assert.IsType<OrderedDictionary<object, object?>>(LoadPickle(pickle));
        var list = Assert.IsType<List<object?>>(root["list"]);
        Assert.Same(list, list[0]);
        Assert.Same(root, root["dict"]);
    }

    [Fact]
    public void DeepNestingDoesNotOverflowTheStack()
    {
        const int Depth = 200_000;
        var ms = new MemoryStream();
        ms.Write([0x80, 2]);
        for (int k = 0; k < Depth; k++) ms.WriteByte((byte)']');
        for (int k = 1; k < Depth; k++) ms.WriteByte((byte)'a');
        ms.WriteByte((byte)'.');
        var root = Assert.IsType<List<object?>>(LoadPickle(ms.ToArray()));
        int depth = 1;
        for (var l = root; l.Count > 0; l = (List<object?>)l[0]!) depth++;
        Assert.Equal(Depth, depth);
    }

    /// <summary>The tests of this class that need the PyTorch reference (their own category).</summary>
    // Serial: one test sets an environment variable (where a command run by this process would write).
    [Collection(SerialCollection.Name)]
    [Trait("Category", "Parity")]
    public class WithPyTorch
    {
        [PyTorchTheory]
        [InlineData("malicious_system_zip.pth", "posix.system")]
        [InlineData("malicious_system_legacy.pth", "posix.system")]
        [InlineData("malicious_eval_zip.pth", "__builtin__.eval")]
        [InlineData("malicious_nested_zip.pth", "posix.system")]
        public void MaliciousFilesFromPyTorchAreRefusedAndNothingRuns(string name, string global)
        {
            var fixtures = SerializationFixtures.Fixtures;
            // The fixture is real: PyTorch's torch.load ran its shell command when the script checked it.
            Assert.True(fixtures.Manifest.GetProperty("malicious_verified").GetProperty(name).GetBoolean(), $"{name} did not run its command in PyTorch");

            string marker = Path.Combine(Path.GetTempPath(), $"tk-pwned-{Guid.NewGuid():N}");
            Environment.SetEnvironmentVariable("TK_PWNED_MARKER", marker); // where a command run by this process would write
            try
            {
                var e = Assert.Throws<UnsafePickleException>(() => TorchSerializer.Load(fixtures.PathOf(name)));
                Assert.Equal(global, e.GlobalName);
                Assert.Contains($"'{global}'", e.Message);
                Assert.Contains(name, e.Message);
                Assert.Throws<UnsafePickleException>(() => TorchSerializer.LoadStateDict(fixtures.PathOf(name)));
                Assert.False(File.Exists(marker), "the malicious command ran");
                Assert.False(File.Exists("/tmp/tk_pwned_marker"), "the malicious command ran");
            }
            finally
            {
                Environment.SetEnvironmentVariable("TK_PWNED_MARKER", null);
            }
        }

        [PyTorchTheory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(4)]
        [InlineData(5)]
        public void EveryPickleProtocolReads(int protocol)
        {
            string path = SerializationFixtures.Fixtures.PathOf($"plain_p{protocol}.pkl");
            using var stream = File.OpenRead(path);
            var root = Assert.IsType<OrderedDictionary<object, object?>>(new PickleReader(stream, path, "pickle", null).Load());
            Assert.Equal(5L, root["int"]);
            Assert.Equal(-70000L, root["neg"]);
            Assert.Equal(-BigInteger.Pow(2, 80), root["big"]);
            Assert.Equal(0.1, root["float"]);
            Assert.Equal(double.PositiveInfinity, root["inf"]);
            Assert.Equal("héllo\n\"quoted\" 'x' \\ ✓", root["str"]);
            Assert.Equal(new byte[] { 0, 1, 0xfe, 0xff }, root["bytes"]);
            Assert.Equal(Array.Empty<byte>(), root["empty_bytes"]);
            Assert.Null(root["none"]);
            Assert.Equal(true, root["true"]);
            Assert.Equal(false, root["false"]);
            Assert.Equal(new List<object?> { 1L, 2.5, "x", null }, root["list"]);
            var tuple = Assert.IsType<object?[]>(root["tuple"]);
            Assert.Equal(1L, tuple[0]);
            Assert.Equal(new object?[] { 2L, 3L }, tuple[1]);
            Assert.Empty(Assert.IsType<object?[]>(tuple[2]));
            Assert.True(Assert.IsType<HashSet<object>>(root["set"]).SetEquals([4L, 5L]));
            Assert.True(Assert.IsType<HashSet<object>>(root["frozenset"]).SetEquals([6L]));
            var dict = Assert.IsType<OrderedDictionary<object, object?>>(root["dict"]);
            Assert.Equal("one", dict[1L]);
            Assert.Equal("pair", dict[new object?[] { 1L, 2L }]); // tuple keys compare by value
            var deep = Assert.IsType<OrderedDictionary<object, object?>>(dict["k"]);
            Assert.IsType<List<object?>>(Assert.IsType<List<object?>>(Assert.IsType<List<object?>>(deep["deep"])[0])[0]);
            var shared = Assert.IsType<List<object?>>(root["shared"]);
            Assert.Same(shared[0], shared[1]); // the memo keeps identity
            Assert.Equal(new List<object?> { 7L, 8L }, shared[0]);
        }
    }
}
