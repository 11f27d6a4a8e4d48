using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Tests.Models;


/// <summary>The internal "read, load strictly with the file's head" path, with a stand-in for the .pth reader.</summary>
[Trait("Category", "Unit")]
public sealed class PretrainedModelsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("transferkit-pretrained-test-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void LoadsTheReadStateDictStrictlyWithTheHeadTheFileHas()
    {
        string file = Path.Combine(_root, "my-resnet18.pth");
        File.WriteAllBytes(file, new byte[] { 0 });
        using var source = ModelRegistry.Create("resnet18");
        using var fiveClasses = ModelRegistry.Create("resnet18", 5);
        string? readPath = null;
        IReadOnlyDictionary<string, Tensor> Reader(string path)
        {
            readPath = path;
            return source.StateDict();
        }

        using var model = PretrainedModels.Create(PretrainedCatalog.Get("resnet18"), file, Reader);
        Assert.Equal(file, readPath);
        Assert.Equal(((Conv2d)source.GetSubmodule("conv1")).Weight.ToArray<float>(), ((Conv2d)model.GetSubmodule("conv1")).Weight.ToArray<float>());
        Assert.Equal(((Linear)source.Head).Weight.ToArray<float>(), ((Linear)model.Head).Weight.ToArray<float>());

        using var five = PretrainedModels.Create(PretrainedCatalog.Get("resnet18"), file, _ => fiveClasses.StateDict());
        Assert.Equal(5L, five.HeadOutFeatures());
        Assert.Equal(((Linear)fiveClasses.Head).Weight.ToArray<float>(), ((Linear)five.Head).Weight.ToArray<float>());
    }

    [Fact]
    public void AStateDictOfAnotherArchitectureIsRefusedAndItsTensorsFreed()
    {
        string file = Path.Combine(_root, "weights.pth");
        File.WriteAllBytes(file, new byte[] { 0 });
        using var other = ModelRegistry.Create("resnet34");
        StateDict? given = null;
        var e = Assert.Throws<StateDictMismatchException>(() =>
            PretrainedModels.Create(PretrainedCatalog.Get("resnet18"), file, _ => given = other.StateDict()));
        Assert.Contains("layer1.2.conv1.weight", e.Message);
        Assert.All(given!.Values, t => Assert.True(t.IsDisposed));
    }
}
