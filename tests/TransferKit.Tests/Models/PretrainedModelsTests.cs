using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Engine;

namespace TransferKit.Tests.Models;


/// <summary>The internal "resolve, read, load strictly, swap the head" path, with a stand-in for the .pth reader.</summary>
[Trait("Category", "Unit")]
public sealed class PretrainedModelsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("transferkit-pretrained-test-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task LoadsTheReadStateDictAndReplacesTheHeadForOtherClassCounts()
    {
        string file = Path.Combine(_root, "my-resnet18.pth");
        File.WriteAllBytes(file, new byte[] { 0 });
        using var source = ModelRegistry.Create("resnet18");
        string? readPath = null;
        IReadOnlyDictionary<string, Tensor> Reader(string path)
        {
            readPath = path;
            return source.StateDict();
        }
        var resolver = new WeightsResolver(new WeightsResolverOptions { AllowDownload = false, TorchHubDirectory = _root, CacheDirectory = _root });

        using var model = await PretrainedModels.CreateAsync("resnet18", Reader, resolver, numClasses: 5, explicitFile: file);
        Assert.Equal(file, readPath);
        var conv = ((Conv2d)model.GetSubmodule("conv1")).Weight.ToArray<float>();
        Assert.Equal(((Conv2d)source.GetSubmodule("conv1")).Weight.ToArray<float>(), conv);
        Assert.Equal(5L, ((Linear)model.Head).OutFeatures);

        using var same = await PretrainedModels.CreateAsync("resnet18", Reader, resolver, explicitFile: file);
        Assert.Equal(((Linear)source.Head).Weight.ToArray<float>(), ((Linear)same.Head).Weight.ToArray<float>());
    }

    [Fact]
    public async Task AStateDictOfAnotherArchitectureIsRefusedAndItsTensorsFreed()
    {
        string file = Path.Combine(_root, "weights.pth");
        File.WriteAllBytes(file, new byte[] { 0 });
        using var other = ModelRegistry.Create("resnet34");
        StateDict? given = null;
        var resolver = new WeightsResolver(new WeightsResolverOptions { AllowDownload = false, TorchHubDirectory = _root, CacheDirectory = _root });
        var e = await Assert.ThrowsAsync<StateDictMismatchException>(() =>
            PretrainedModels.CreateAsync("resnet18", _ => given = other.StateDict(), resolver, explicitFile: file));
        Assert.Contains("layer1.2.conv1.weight", e.Message);
        Assert.All(given!.Values, t => Assert.True(t.IsDisposed));
    }
}
