using TransferKit.Models;
using TransferKit.Onnx;
using TransferKit.Serialization;

namespace TransferKit.Tests.Onnx;

/// <summary>
/// 1,000 mutated ONNX files (bytes flipped, runs overwritten, truncated, varints inflated) are either
/// read or refused with <see cref="CheckpointFormatException"/> naming the file — never another exception or a crash.
/// </summary>
[Trait("Category", "Unit")]
[Collection(SerialCollection.Name)] // Torch.ManualSeed is process-wide
public sealed class OnnxFuzzTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tk-onnx-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ThousandMutatedFilesGiveTheFormatExceptionNamingTheFile()
    {
        Torch.ManualSeed(0);
        string original = Path.Combine(_dir, "seed.onnx");
        using (var model = new SmallCnn(2, width: 4))
            model.ExportOnnx(original, new OnnxExportOptions { InputSize = 16, Labels = new[] { "x", "y" } });
        byte[] seed = File.ReadAllBytes(original);
        var random = new Random(12345);
        string path = Path.Combine(_dir, "mutant.onnx");
        int refused = 0;
        for (int i = 0; i < 1000; i++)
        {
            byte[] bytes = Mutate(seed, random);
            File.WriteAllBytes(path, bytes);
            try
            {
                var parsed = OnnxModel.Load(path, new OnnxReadLimits { MaxTensorElements = 1 << 20 });
                foreach (var t in parsed.Graph.Initializers.Values)
                    if (t.DataType is OnnxDataType.Float or OnnxDataType.Double or OnnxDataType.Float16) _ = t.ToFloats(path);
                OnnxImport.LoadResNet(path).Dispose();
            }
            catch (CheckpointFormatException e)
            {
                Assert.Equal(path, e.SourceName);
                Assert.Contains(path, e.Message);
                refused++;
            }
        }
        // The mapper refuses every variant (a small CNN is no ResNet), so all 1,000 must be refused, and cleanly.
        Assert.Equal(1000, refused);
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        byte[] bytes = (byte[])seed.Clone();
        switch (random.Next(5))
        {
            case 0:
                for (int k = random.Next(1, 8); k > 0; k--) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                return bytes;
            case 1:
                return bytes[..random.Next(bytes.Length)];
            case 2:
                {
                    int at = random.Next(bytes.Length), n = Math.Min(random.Next(1, 32), bytes.Length - at);
                    random.NextBytes(bytes.AsSpan(at, n));
                    return bytes;
                }
            case 3:
                {
                    // A huge length prefix or varint in the first kilobyte, where the message structure is.
                    int at = random.Next(Math.Min(1024, bytes.Length - 5));
                    bytes[at] = 0xFF; bytes[at + 1] = 0xFF; bytes[at + 2] = 0xFF; bytes[at + 3] = 0xFF; bytes[at + 4] = 0x0F;
                    return bytes;
                }
            default:
                for (int k = random.Next(1, 4); k > 0; k--) bytes[random.Next(Math.Min(2048, bytes.Length))] ^= (byte)(1 << random.Next(8));
                return bytes;
        }
    }
}
