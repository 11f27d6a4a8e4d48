using TransferKit.Tests.Fixtures;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TransferKit.Serialization;
using static TransferKit.Tests.Serialization.TensorExpectations;
using TransferKit.Engine;

namespace TransferKit.Tests.Serialization;

/// <summary>safetensors files written from the format's spec load exactly; TransferKit's files follow the spec.</summary>
[Trait("Category", "Unit")]
public class SafeTensorsTests
{
    private static string TempFile() => Path.Combine(Path.GetTempPath(), $"tk-serial-{Guid.NewGuid():N}.safetensors");

    /// <summary>A safetensors file from a header text and data bytes.</summary>
    private static MemoryStream File(string header, byte[] data)
    {
        var ms = new MemoryStream();
        var bytes = Encoding.UTF8.GetBytes(header);
        Span<byte> n = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(n, (ulong)bytes.Length);
        ms.Write(n);
        ms.Write(bytes);
        ms.Write(data);
        ms.Position = 0;
        return ms;
    }

    [Fact]
    public void SaveThenLoadRoundTrips()
    {
        using var sd = TestTensors.AllKinds();
        var stream = new MemoryStream();
        SafeTensors.Save(stream, sd, new Dictionary<string, string> { ["k"] = "v" });
        stream.Position = 0;
        using var loaded = SafeTensors.Load(stream);
        Assert.Equal(sd.Keys, loaded.Keys);
        foreach (var (key, t) in sd)
        {
            Assert.Equal(t.Dtype, loaded[key].Dtype);
            Assert.Equal(t.Shape, loaded[key].Shape);
            Assert.Equal(RawBytes(t), RawBytes(loaded[key])); // views such as "t" are written in row-major order
            Assert.True(loaded[key].IsContiguous);
        }
        Assert.Equal(0, (8 + BinaryPrimitives.ReadInt64LittleEndian(stream.ToArray())) % 8);
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 4, "truncated|cover")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12, "contiguous")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "contiguous")]
    [InlineData("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8, "needs 12 bytes")]
    [InlineData("""{"a":{"dtype":"U16","shape":[1],"data_offsets":[0,2]}}""", 2, "'U16', which is not supported")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4, "invalid shape")]
    [InlineData("""{"a":{"shape":[1],"data_offsets":[0,4]}}""", 4, "no dtype")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "twice")]
    [InlineData("""{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}""", 4, "overflow")]
    [InlineData("""{"__metadata__":{"k":1}}""", 0, "not a string")]
    [InlineData("""{"a":""", 0, "")]
    [InlineData(""" {"a":1}""", 0, "start with")]
    [InlineData("""[1,2]""", 0, "start with")]
    public void MalformedFilesAreFormatErrors(string header, int dataBytes, string pattern)
    {
        var e = Assert.Throws<CheckpointFormatException>(() => SafeTensors.Load(File(header, new byte[dataBytes]), "bad.safetensors"));
        Assert.Matches(pattern, e.Message);
        Assert.StartsWith("Cannot load 'bad.safetensors'", e.Message);
    }

    [Fact]
    public void HeaderLengthBeyondTheFileIsRefusedWithoutAllocating()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue - 3);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<CheckpointFormatException>(() => SafeTensors.Load(new MemoryStream(bytes), "huge.safetensors"));
        Assert.Contains("only 8 follow", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 1_000_000);
    }

    [Fact]
    public void NamesMustBeUnique()
    {
        using var a = Torch.Ones(1);
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(new MemoryStream(), new KeyValuePair<string, Tensor>[] { new("x", a), new("x", a) }));
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(new MemoryStream(), new KeyValuePair<string, Tensor>[] { new("__metadata__", a) }));
    }

    /// <summary>The tests of this class that need the PyTorch reference (their own category).</summary>
    [Trait("Category", "Parity")]
    public class WithPyTorch
    {
        [PyTorchFact]
        public void FileWrittenFromTheSpecLoadsInHeaderOrder()
        {
            var f = SerializationFixtures.Fixtures;
            var expected = f.File("model.safetensors");
            string path = f.PathOf("model.safetensors");
            using var sd = SafeTensors.Load(path);
            Assert.Equal(Strings(expected.GetProperty("keys")), sd.Keys.ToArray());
            foreach (var (key, t) in sd) AssertMatches(expected.GetProperty("tensors").GetProperty(key), t, key, layout: false);
            var metadata = SafeTensors.ReadMetadata(path);
            Assert.Equal("pt", metadata["format"]);
            Assert.Equal("make_serialization_fixtures.py", metadata["source"]);

            using var viaTorch = TorchSerializer.LoadStateDict(path); // recognised by content
            Assert.Equal(sd.Keys, viaTorch.Keys);
        }

        [PyTorchFact]
        public void FileSavedByTransferKitFollowsTheSpec()
        {
            string path = TempFile(), json = Path.ChangeExtension(path, ".json");
            try
            {
                using var sd = TestTensors.AllKinds();
                SafeTensors.Save(path, sd, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode" });
                // The script parses the file from the spec: 8-byte aligned data, ranges tiling the data exactly.
                SerializationFixtures.RunScript("dump_safetensors", path, json);
                var dumped = JsonDocument.Parse(System.IO.File.ReadAllBytes(json)).RootElement;
                Assert.Equal(sd.Keys.ToArray(), Strings(dumped.GetProperty("keys")));
                foreach (var (key, t) in sd) AssertMatches(dumped.GetProperty("tensors").GetProperty(key), t, key, layout: false);
                Assert.Equal("ünïcode", dumped.GetProperty("metadata").GetProperty("note").GetString());
            }
            finally
            {
                System.IO.File.Delete(path);
                System.IO.File.Delete(json);
            }
        }
    }
}
