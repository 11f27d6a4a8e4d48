using TransferKit.Models;
using TransferKit.Onnx;
using TransferKit.Serialization;

namespace TransferKit.Tests.Onnx;

/// <summary>
/// The ResNet mapper on 300 structurally damaged ResNet graphs (nodes dropped, inputs rewired, operators
/// and attributes changed): each is mapped or refused with <see cref="CheckpointFormatException"/> naming the file.
/// </summary>
[Trait("Category", "Integration")]
[Collection(SerialCollection.Name)] // Torch.ManualSeed is process-wide
public sealed class OnnxGraphFuzzTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tk-onnx-graphfuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void DamagedResNetGraphsAreMappedOrRefusedWithTheFormatException()
    {
        Torch.ManualSeed(0);
        string path = Path.Combine(_dir, "resnet18.onnx");
        using (var model = ModelRegistry.Create("resnet18", 2))
            model.ExportOnnx(path, new OnnxExportOptions { InputSize = 32 });
        byte[] bytes = File.ReadAllBytes(path);
        var options = new OnnxImportOptions { FileConvention = null };
        using (OnnxImport.MapResNet(OnnxModel.Parse(bytes, path), options)) { }

        var random = new Random(2024);
        string[] ops = { "Conv", "Relu", "Add", "BatchNormalization", "MaxPool", "Gemm", "Flatten", "Identity" };
        int refused = 0;
        for (int i = 0; i < 300; i++)
        {
            var model = OnnxModel.Parse(bytes, path);
            var nodes = model.Graph.Nodes;
            for (int k = random.Next(1, 4); k > 0; k--)
            {
                var node = nodes[random.Next(nodes.Count)];
                switch (random.Next(6))
                {
                    case 0: nodes.Remove(node); break;
                    case 1: if (node.Inputs.Count > 0) node.Inputs[random.Next(node.Inputs.Count)] = nodes[random.Next(nodes.Count)].Outputs[0]; break;
                    case 2: node.OpType = ops[random.Next(ops.Length)]; break;
                    case 3: node.Attributes.Clear(); break;
                    case 4: if (node.Inputs.Count > 0) node.Inputs.RemoveAt(random.Next(node.Inputs.Count)); break;
                    default:
                        foreach (var a in node.Attributes.Values) { a.I = random.Next(-2, 4); for (int j = 0; j < a.Ints.Count; j++) a.Ints[j] = random.Next(-1, 4); }
                        break;
                }
            }
            try
            {
                using var result = OnnxImport.MapResNet(model, options);
            }
            catch (CheckpointFormatException e)
            {
                Assert.Equal(path, e.SourceName);
                refused++;
            }
        }
        Assert.True(refused > 0, "no damaged graph was refused");
    }
}
