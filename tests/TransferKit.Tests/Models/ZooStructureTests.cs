using TransferKit.Tests.Fixtures;
using TransferKit.Models;

namespace TransferKit.Tests.Models;

/// <summary>Each architecture against torchvision 0.14: state-dict entries, module tree, parameter count.</summary>
[Trait("Category", "Parity")]
public class ZooStructureTests
{
    [PyTorchTheory]
    [InlineData("resnet18")]
    [InlineData("resnet34")]
    [InlineData("resnet50")]
    [InlineData("vgg16")]
    [InlineData("vgg16_bn")]
    [InlineData("mobilenet_v2")]
    [InlineData("mobilenet_v3_large")]
    [InlineData("efficientnet_b0")]
    public void StateDictModuleTreeAndParameterCountEqualTorchvision(string name)
    {
        var reference = ReferenceStructure.Of(name);
        using var model = ModelRegistry.Create(name);

        var stateDict = model.StateDict();
        List<string> mine;
        try
        {
            mine = stateDict.Select(kv => $"{kv.Key} [{string.Join(", ", kv.Value.Shape)}] {kv.Value.Dtype.ToString().ToLowerInvariant()}").ToList();
        }
        finally
        {
            foreach (var t in stateDict.Values) t.Dispose();
        }
        // Same keys in the same order with the same shapes and dtypes (num_batches_tracked: int64 scalars).
        Assert.Equal(reference.StateDictLines(), mine);

        // Same module tree: names and classes, in named_modules() order, parameter-free modules included.
        Assert.Equal(reference.Modules.Select(m => $"{m[0]}: {m[1]}"), model.NamedModules().Select(m => $"{m.Name}: {m.Module.TypeName}"));

        Assert.Equal(reference.NumParams, model.ParameterCount());
        Assert.Equal(reference.NumParams, PretrainedCatalog.Get(name).NumParameters);
    }
}
