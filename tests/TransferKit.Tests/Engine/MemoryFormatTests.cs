using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;

namespace TransferKit.Tests.Engine;

[Trait("Category", "Unit")]
public class MemoryFormatTests
{
    [Fact]
    public void ChannelsLastKeepsTheValuesAndShapeAndChangesOnlyTheStrides()
    {
        using var x = Torch.Randn(2, 3, 4, 5);
        using var cl = x.Contiguous(MemoryFormat.ChannelsLast);
        Assert.Equal(x.Shape, cl.Shape);
        Assert.True(cl.IsContiguousIn(MemoryFormat.ChannelsLast));
        Assert.False(cl.IsContiguous);
        Assert.True(x.IsContiguousIn(MemoryFormat.Contiguous));
        Assert.False(x.IsContiguousIn(MemoryFormat.ChannelsLast));
        Assert.Equal(MemoryFormat.ChannelsLast, cl.SuggestedMemoryFormat);
        Assert.Equal(MemoryFormat.Contiguous, x.SuggestedMemoryFormat);
        Assert.Equal(x.ToArray<float>(), cl.ToArray<float>());
        using var back = cl.Contiguous();
        Assert.True(back.IsContiguous);
        Assert.Equal(x.ToArray<float>(), back.ToArray<float>());
    }

    [Fact]
    public void ChannelsLastOfANonFourDimensionalTensorIsATorchError()
    {
        using var x = Torch.Randn(3, 4);
        var error = Assert.Throws<TorchException>(() => x.Contiguous(MemoryFormat.ChannelsLast));
        Assert.Contains("rank 4", error.Message);
    }

    [Fact]
    public void ConvolutionBatchNormReluPoolingAndResidualAddKeepChannelsLastInFloat32AndUnderAutocast()
    {
        using var conv = new Conv2d(3, 8, 3, padding: 1);
        using var bn = new BatchNorm2d(8);
        using var pool = new MaxPool2d(2);
        conv.ToMemoryFormat(MemoryFormat.ChannelsLast);
        using var x = Torch.Randn(2, 3, 8, 8);
        foreach (bool autocast in new[] { false, true })
        {
            using var scope = Torch.NewDisposeScope();
            using (autocast ? Torch.Autocast() : (IDisposable?)null)
            {
                var input = x.Contiguous(MemoryFormat.ChannelsLast);
                var c = conv.Forward(input);
                var b = bn.Forward(c);
                var r = b.Relu_();
                var p = pool.Forward(r);
                var sum = p + p;
                foreach (var (name, t) in new[] { ("conv2d", c), ("batch_norm", b), ("relu_", r), ("max_pool2d", p), ("add", sum) })
                {
                    Assert.True(t.IsContiguousIn(MemoryFormat.ChannelsLast), $"{name} (autocast {autocast}) lost channels_last");
                }
                Assert.Equal(autocast ? ScalarType.BFloat16 : ScalarType.Float32, c.Dtype);
            }
        }
    }

    [Fact]
    public void ModuleToMemoryFormatConvertsFourDimensionalTensorsInPlaceKeepingIdentityGradAndValues()
    {
        using var model = new Sequential(new Conv2d(3, 4, 3), new BatchNorm2d(4), new Flatten(), new Linear(4 * 4 * 4, 2));
        var before = model.NamedParameters().ToDictionary(p => p.Name, p => (Tensor: p.Parameter, Values: p.Parameter.ToArray<float>()));
        Assert.Same(model, model.ToMemoryFormat(MemoryFormat.ChannelsLast));
        foreach (var (name, p) in model.NamedParameters())
        {
            Assert.Same(before[name].Tensor, p);
            Assert.True(p.RequiresGrad, name);
            Assert.True(p.IsLeaf, name); // still a leaf: autocast caches its bf16 copy within a forward pass
            Assert.Equal(before[name].Values, p.ToArray<float>());
            Assert.Equal(p.NDim == 4 ? MemoryFormat.ChannelsLast : MemoryFormat.Contiguous, p.SuggestedMemoryFormat);
        }
        model.ToMemoryFormat(MemoryFormat.Contiguous);
        Assert.All(model.Parameters(), p => Assert.True(p.IsContiguous));
        Assert.Throws<ArgumentException>(() => model.ToMemoryFormat(MemoryFormat.ChannelsLast3d));
    }

    [Fact]
    public void AChannelsLastResNetGivesTheSameLogitsAndGradientsAsTheContiguousOne()
    {
        using var model = ResNet.ResNet18(10);
        model.Eval();
        using var x = Torch.Randn(2, 3, 64, 64);
        var (logits, grads) = LogitsAndGradients(model, x);
        model.ToMemoryFormat(MemoryFormat.ChannelsLast);
        using var xl = x.Contiguous(MemoryFormat.ChannelsLast);
        var (logitsCl, gradsCl) = LogitsAndGradients(model, xl);
        Approx.Equal(logits, logitsCl, 1e-4);
        for (int k = 0; k < grads.Length; k++) Approx.Equal(grads[k], gradsCl[k], 1e-3);
    }

    private static (float[] Logits, float[][] Grads) LogitsAndGradients(Module model, Tensor x)
    {
        model.ZeroGrad();
        using var scope = Torch.NewDisposeScope();
        var logits = model.Forward(x);
        logits.Sum().Backward();
        var grads = model.Parameters().Select(p =>
        {
            using var g = p.Grad!;
            return g.ToArray<float>();
        }).ToArray();
        return (logits.ToArray<float>(), grads);
    }
}
