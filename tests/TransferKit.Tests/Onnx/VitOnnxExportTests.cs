using TransferKit.Models;
using TransferKit.Onnx;
using TransferKit.Transfer;

namespace TransferKit.Tests.Onnx;

/// <summary>A Vision Transformer exported with ExportOnnx gives TransferKit's logits when ONNX Runtime runs it (within 1e-4).</summary>
[Trait("Category", "Unit")]
public sealed class VitOnnxExportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tk-vit-export-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void OnnxRuntimeRunsTheExportedVitWithTheSameLogitsAtTwoBatchSizes()
    {
        using var model = ModelBuilder.FromArchitecture(VisionTransformer.TinyName, 3, Preprocessing.HuggingFaceVit(32)).Build();
        using (var perturb = Torch.NewDisposeScope())
            foreach (var p in model.Parameters()) p.Detach().Add_(Torch.Randn(p.Shape).Mul(0.2));
        model.Eval();
        string path = Path.Combine(_dir, "vit.onnx");
        model.ExportOnnx(path);
        using var session = OnnxTestSupport.Session(path);
        foreach (int n in new[] { 1, 3 })
        {
            using var scope = Torch.NewDisposeScope();
            var x = Torch.Randn(n, 3, 32, 32);
            var expected = model.Forward(x).ToArray<float>();
            var actual = OnnxTestSupport.RunOrt(session, x.ToArray<float>(), new long[] { n, 3, 32, 32 }, out var shape);
            Assert.Equal(new long[] { n, 3 }, shape);
            Approx.Equal(expected, actual, 1e-4);
        }
    }

    [Fact]
    public void AnotherInputSizeIsRefusedWithTheViTsSize()
    {
        using var vit = new VisionTransformer(VitConfig.Tiny);
        var e = Assert.Throws<NotSupportedException>(() => vit.ExportOnnx(Path.Combine(_dir, "bad.onnx"), new OnnxExportOptions { InputSize = 48 }));
        Assert.Contains("[3, 32, 32]", e.Message);
    }
}
