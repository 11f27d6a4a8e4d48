using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;

namespace TransferKit.Onnx;

/// <summary>The built-in emitters: NN layers, containers, the zoo's blocks and architectures.</summary>
internal static class OnnxEmitters
{
    public static Dictionary<Type, OnnxModuleEmitter> Builtin() => new()
    {
        [typeof(Sequential)] = EmitSequential,
        [typeof(Conv2d)] = EmitConv,
        [typeof(BatchNorm2d)] = EmitBatchNorm,
        [typeof(Linear)] = EmitLinear,
        [typeof(ReLU)] = (_, x, g) => Same(x, g.Node("Relu", new[] { x.Name })),
        [typeof(ReLU6)] = EmitRelu6,
        [typeof(SiLU)] = (_, x, g) => Same(x, g.Node("Mul", new[] { x.Name, g.Node("Sigmoid", new[] { x.Name }) })),
        [typeof(Sigmoid)] = (_, x, g) => Same(x, g.Node("Sigmoid", new[] { x.Name })),
        [typeof(Tanh)] = (_, x, g) => Same(x, g.Node("Tanh", new[] { x.Name })),
        [typeof(Hardswish)] = (_, x, g) => Same(x, g.Node("HardSwish", new[] { x.Name })),
        [typeof(Hardsigmoid)] = (_, x, g) => Same(x, g.Node("HardSigmoid", new[] { x.Name }, ("alpha", 1f / 6), ("beta", 0.5f))),
        [typeof(Identity)] = (_, x, _) => x,
        [typeof(Dropout)] = (_, x, _) => x,
        [typeof(StochasticDepth)] = (_, x, _) => x,
        [typeof(Flatten)] = (_, x, g) => Flatten(x, g),
        [typeof(MaxPool2d)] = EmitMaxPool,
        [typeof(AdaptiveAvgPool2d)] = (m, x, g) => AdaptiveAvgPool(x, ((AdaptiveAvgPool2d)m).OutputSize, g),
        [typeof(SqueezeExcitation)] = EmitSqueezeExcitation,
        [typeof(InvertedResidualBlock)] = EmitInvertedResidual,
        [typeof(ResidualBlock)] = EmitResidual,
        [typeof(ResNet)] = EmitResNet,
        [typeof(ClassifierModel)] = EmitPoolClassifier,
    };

    private static OnnxValue Same(OnnxValue x, string name) => new(name, x.Shape);

    private static NotSupportedException Unsupported(OnnxGraphBuilder g, string detail) =>
        new($"Cannot export '{(g.CurrentPath.Length > 0 ? g.CurrentPath : "the model")}' to ONNX: {detail}.");

    private static OnnxValue EmitSequential(Module module, OnnxValue x, OnnxGraphBuilder g)
    {
        foreach (var (name, child) in module.NamedChildren()) x = g.Emit(child, x, name);
        return x;
    }

    private static (long C, long H, long W) Spatial(OnnxValue x, OnnxGraphBuilder g) =>
        x.Shape.Count == 3 ? (x.Shape[0], x.Shape[1], x.Shape[2]) : throw Unsupported(g, $"a [C, H, W] input was expected, got [{string.Join(", ", x.Shape)}]");

    private static long OutSize(long size, long kernel, long stride, long padding, long dilation, bool ceil = false)
    {
        long span = size + 2 * padding - dilation * (kernel - 1) - 1;
        long output = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
        // PyTorch's ceil mode never starts a window in the right padding.
        if (ceil && (output - 1) * stride >= size + padding) output--;
        return output;
    }

    private static OnnxValue EmitConv(Module module, OnnxValue x, OnnxGraphBuilder g)
    {
        var conv = (Conv2d)module;
        var (c, h, w) = Spatial(x, g);
        if (c != conv.InChannels) throw Unsupported(g, $"the convolution takes {conv.InChannels} channels but gets {c}");
        var inputs = new List<string> { x.Name, g.Initializer("weight", conv.Weight) };
        if (conv.Bias is { } bias) inputs.Add(g.Initializer("bias", bias));
        string y = g.Node("Conv", inputs,
            ("kernel_shape", new[] { conv.KernelSize.H, conv.KernelSize.W }),
            ("strides", new[] { conv.Stride.H, conv.Stride.W }),
            ("pads", new[] { conv.Padding.H, conv.Padding.W, conv.Padding.H, conv.Padding.W }),
            ("dilations", new[] { conv.Dilation.H, conv.Dilation.W }),
            ("group", conv.Groups));
        return new OnnxValue(y, new[]
        {
            conv.OutChannels,
            OutSize(h, conv.KernelSize.H, conv.Stride.H, conv.Padding.H, conv.Dilation.H),
            OutSize(w, conv.KernelSize.W, conv.Stride.W, conv.Padding.W, conv.Dilation.W),
        });
    }

    private static OnnxValue EmitBatchNorm(Module module, OnnxValue x, OnnxGraphBuilder g)
    {
        var bn = (BatchNorm)module;
        if (bn.RunningMean is not { } mean || bn.RunningVar is not { } variance)
            throw Unsupported(g, "a batch norm without running statistics normalises by the batch, which an inference graph cannot");
        long n = bn.NumFeatures;
        string scale = bn.Weight is { } w ? g.Initializer("weight", w) : g.Initializer("weight", new[] { n }, Enumerable.Repeat(1f, (int)n).ToArray());
        string shift = bn.Bias is { } b ? g.Initializer("bias", b) : g.Initializer("bias", new[] { n }, new float[n]);
        string y = g.Node("BatchNormalization", new[] { x.Name, scale, shift, g.Initializer("running_mean", mean), g.Initializer("running_var", variance) },
            ("epsilon", (float)bn.Eps));
        return Same(x, y);
    }

    private static OnnxValue EmitLinear(Module module, OnnxValue x, OnnxGraphBuilder g)
    {
        var linear = (Linear)module;
        if (x.Shape.Count != 1) throw Unsupported(g, $"Linear is exported for [batch, features] inputs; got per-sample shape [{string.Join(", ", x.Shape)}]");
        var inputs = new List<string> { x.Name, g.Initializer("weight", linear.Weight) };
        if (linear.Bias is { } bias) inputs.Add(g.Initializer("bias", bias));
        return new OnnxValue(g.Node("Gemm", inputs, ("transB", 1L)), new[] { linear.OutFeatures });
    }

    private static OnnxValue EmitRelu6(Module module, OnnxValue x, OnnxGraphBuilder g)
    {
        string min = g.Initializer("min", Array.Empty<long>(), new[] { 0f });
        string max = g.Initializer("max", Array.Empty<long>(), new[] { 6f });
        return Same(x, g.Node("Clip", new[] { x.Name, min, max }));
    }

    private static OnnxValue Flatten(OnnxValue x, OnnxGraphBuilder g) =>
        new(g.Node("Flatten", new[] { x.Name }, ("axis", 1L)), new[] { x.Shape.Aggregate(1L, (a, d) => a * d) });

    private static OnnxValue EmitMaxPool(Module module, OnnxValue x, OnnxGraphBuilder g)
    {
        var pool = (MaxPool2d)module;
        var (c, h, w) = Spatial(x, g);
        string y = g.Node("MaxPool", new[] { x.Name },
            ("kernel_shape", new[] { pool.KernelSize.H, pool.KernelSize.W }),
            ("strides", new[] { pool.Stride.H, pool.Stride.W }),
            ("pads", new[] { pool.Padding.H, pool.Padding.W, pool.Padding.H, pool.Padding.W }),
            ("dilations", new[] { pool.Dilation.H, pool.Dilation.W }),
            ("ceil_mode", pool.CeilMode ? 1L : 0L));
        return new OnnxValue(y, new[]
        {
            c,
            OutSize(h, pool.KernelSize.H, pool.Stride.H, pool.Padding.H, pool.Dilation.H, pool.CeilMode),
            OutSize(w, pool.KernelSize.W, pool.Stride.W, pool.Padding.W, pool.Dilation.W, pool.CeilMode),
        });
    }

    // Adaptive average pooling is exact as GlobalAveragePool (output 1), as nothing (same size), or as
    // AveragePool when the input divides evenly; other sizes have overlapping, uneven windows.
    private static OnnxValue AdaptiveAvgPool(OnnxValue x, (long H, long W) size, OnnxGraphBuilder g)
    {
        var (c, h, w) = Spatial(x, g);
        if (size == (1, 1)) return new OnnxValue(g.Node("GlobalAveragePool", new[] { x.Name }), new[] { c, 1L, 1L });
        if (size == (h, w)) return x;
        if (h % size.H != 0 || w % size.W != 0)
            throw Unsupported(g, $"adaptive average pooling from {h}x{w} to {size.H}x{size.W} has uneven windows; export at an input size whose feature map divides evenly");
        long kh = h / size.H, kw = w / size.W;
        return new OnnxValue(g.Node("AveragePool", new[] { x.Name }, ("kernel_shape", new[] { kh, kw }), ("strides", new[] { kh, kw })), new[] { c, size.H, size.W });
    }

    private static OnnxValue EmitSqueezeExcitation(Module module, OnnxValue x, OnnxGraphBuilder g)
    {
        var scale = g.Emit(module.GetSubmodule("avgpool"), x, "avgpool");
        foreach (string name in new[] { "fc1", "activation", "fc2", "scale_activation" }) scale = g.Emit(module.GetSubmodule(name), scale, name);
        return Same(x, g.Node("Mul", new[] { scale.Name, x.Name }));
    }

    // MobileNetV2/V3 and MBConv blocks: the branch, plus the input when the block keeps the shape (their residual rule).
    private static OnnxValue EmitInvertedResidual(Module module, OnnxValue x, OnnxGraphBuilder g)
    {
        var (name, branch) = module.NamedChildren().First(c => c.Module is Sequential);
        var y = g.Emit(branch, x, name);
        return y.Shape.SequenceEqual(x.Shape) ? Same(y, g.Node("Add", new[] { y.Name, x.Name })) : y;
    }

    // ResNet blocks: relu(branch(x) + shortcut(x)); the branch is every child but relu and downsample, in order, with
    // relu after each batch norm except the last.
    private static OnnxValue EmitResidual(Module module, OnnxValue x, OnnxGraphBuilder g)
    {
        var children = module.NamedChildren().ToList();
        var relu = children.Single(c => c.Name == "relu").Module;
        var branch = children.Where(c => c.Name is not ("relu" or "downsample")).ToList();
        var lastNorm = ((ResidualBlock)module).LastNorm;
        var y = x;
        foreach (var (name, child) in branch)
        {
            y = g.Emit(child, y, name);
            if (child is BatchNorm && !ReferenceEquals(child, lastNorm)) y = g.Emit(relu, y, "relu");
        }
        var shortcut = children.Any(c => c.Name == "downsample") ? g.Emit(module.GetSubmodule("downsample"), x, "downsample") : x;
        var sum = Same(y, g.Node("Add", new[] { y.Name, shortcut.Name }));
        return g.Emit(relu, sum, "relu");
    }

    private static OnnxValue EmitResNet(Module module, OnnxValue x, OnnxGraphBuilder g)
    {
        foreach (string name in new[] { "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool" })
            x = g.Emit(module.GetSubmodule(name), x, name);
        x = Flatten(x, g);
        return g.Emit(module.GetSubmodule("fc"), x, "fc");
    }

    // ClassifierModel's pool-and-classify forward (VGG, MobileNets, EfficientNet, SmallCnn): features,
    // avgpool (or a global average), flatten, then the classifier's children up to and including the head.
    private static OnnxValue EmitPoolClassifier(Module module, OnnxValue x, OnnxGraphBuilder g)
    {
        var model = (ClassifierModel)module;
        var names = module.NamedChildren().Select(c => c.Name).ToList();
        if (!names.Contains("features") || !names.Contains("classifier") && model.HeadPath.Contains('.'))
            throw Unsupported(g, $"{module.GetType().Name} has no emitter of its own and is not a features/avgpool/classifier model");
        x = g.Emit(module.GetSubmodule("features"), x, "features");
        x = names.Contains("avgpool") ? g.Emit(module.GetSubmodule("avgpool"), x, "avgpool") : AdaptiveAvgPool(x, (1, 1), g);
        x = Flatten(x, g);
        int dot = model.HeadPath.LastIndexOf('.');
        string parent = dot < 0 ? "" : model.HeadPath[..dot];
        if (parent.Length == 0) return g.Emit(model.Head, x, model.HeadPath);
        foreach (var (name, child) in module.GetSubmodule(parent).NamedChildren())
        {
            x = g.Emit(child, x, $"{parent}.{name}");
            if (name == model.HeadPath[(dot + 1)..]) break;
        }
        return x;
    }
}
