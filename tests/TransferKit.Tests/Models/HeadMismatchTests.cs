using TransferKit.Models;
using TransferKit.NN;

namespace TransferKit.Tests.Models;

[Trait("Category", "Unit")]
public class HeadMismatchTests
{
    [Fact]
    public void Loading1000ClassWeightsIntoA2ClassResnet18ReportsExactlyTheHeadKeys()
    {
        using var imagenet = ModelRegistry.Create("resnet18", 1000);
        using var twoClasses = ModelRegistry.Create("resnet18", 2);
        var weights = imagenet.StateDict();
        try
        {
            var e = Assert.Throws<StateDictMismatchException>(() => twoClasses.LoadStateDict(weights));
            Assert.Empty(e.Report.MissingKeys);
            Assert.Empty(e.Report.UnexpectedKeys);
            Assert.Equal(new[] { "fc.weight", "fc.bias" }, e.Report.ShapeMismatches.Select(m => m.Key));
            Assert.Equal(new long[] { 2, 512 }, e.Report.ShapeMismatches[0].ModuleShape);
            Assert.Equal(new long[] { 1000, 512 }, e.Report.ShapeMismatches[0].LoadedShape);

            var report = twoClasses.LoadStateDict(weights, strict: false);
            Assert.Equal(weights.Count - 2, report.LoadedKeys.Count);
            Assert.Equal(weights["layer4.1.conv2.weight"].ToArray<float>(),
                twoClasses.NamedParameters().Single(p => p.Name == "layer4.1.conv2.weight").Parameter.ToArray<float>());
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }
}
