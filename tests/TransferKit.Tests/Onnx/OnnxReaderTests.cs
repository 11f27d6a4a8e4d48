using TransferKit.Models;
using TransferKit.Onnx;
using TransferKit.Serialization;

namespace TransferKit.Tests.Onnx;

/// <summary>The ONNX reader's checks, limits and error messages, and the resolver's message for a missing package.</summary>
[Trait("Category", "Unit")]
[Collection(SerialCollection.Name)] // Torch.ManualSeed is process-wide
public sealed class OnnxReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tk-onnx-reader-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string ExportSmallCnn(string name = "small.onnx")
    {
        Torch.ManualSeed(0);
        using var model = new SmallCnn(3);
        string path = Path.Combine(_dir, name);
        model.ExportOnnx(path, new OnnxExportOptions { InputSize = 32, Labels = new[] { "a", "b", "c" } });
        return path;
    }

    [Fact]
    public void ModelInfoDescribesInputsOutputsMetadataAndEveryWeight()
    {
        string path = ExportSmallCnn();
        long parameters;
        using (var model = new SmallCnn(3)) parameters = model.Parameters().Sum(p => p.Numel);

        var info = OnnxModelInfo.Read(path);

        var input = Assert.Single(info.Inputs);
        Assert.Equal("pixel_values", input.Name);
        Assert.Equal("Float", input.ElementType);
        Assert.Equal(new long?[] { null, 3, 32, 32 }, input.Shape);
        Assert.NotNull(input.DimensionNames[0]);
        var output = Assert.Single(info.Outputs);
        Assert.Equal(new long?[] { null, 3 }, output.Shape);
        Assert.Equal(OnnxExport.Opset, info.Opsets[""]);
        Assert.Equal("a\nb\nc", info.Metadata["labels"]);
        Assert.Equal(parameters, info.ParameterCount);
        Assert.Contains(info.Initializers, i => i.Key == "features.0.weight" && i.Value.SequenceEqual(new long[] { 16, 3, 3, 3 }));
        Assert.True(info.NodeCount > 0);

        File.WriteAllBytes(path, new byte[] { 0x08, 0xff, 0xff });
        Assert.Contains(path, Assert.Throws<CheckpointFormatException>(() => OnnxModelInfo.Read(path)).Message);
    }

    [Fact]
    public void ExportedFileReadsBackWithOpsetMetadataAndInitializers()
    {
        var model = OnnxModel.Load(ExportSmallCnn());
        Assert.Equal(OnnxExport.Opset, model.Opsets[""]);
        Assert.Equal("a\nb\nc", model.Metadata["labels"]);
        Assert.Equal("TransferKit", model.ProducerName);
        Assert.Equal(new[] { "Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "AveragePool", "Flatten", "Gemm", "Relu", "Gemm", "Identity" },
            model.Graph.Nodes.Select(n => n.OpType));
        var weight = model.Graph.Initializers["features.0.weight"];
        Assert.Equal(new long[] { 16, 3, 3, 3 }, weight.Dims);
        Assert.Equal(16 * 27, weight.ToFloats(model.SourceName).Length);
        Assert.Equal("batch", model.Graph.Inputs[0].DimNames[0]);
    }

    [Fact]
    public void TruncatedFileGivesFormatErrorNamingTheFileAndOffset()
    {
        string path = ExportSmallCnn();
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<CheckpointFormatException>(() => OnnxModel.Load(path));
        Assert.Equal(path, e.SourceName);
        Assert.Contains("at byte", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void NodeLimitIsEnforcedAndNamed()
    {
        var e = Assert.Throws<CheckpointFormatException>(() => OnnxModel.Load(ExportSmallCnn(), new OnnxReadLimits { MaxNodes = 3 }));
        Assert.Contains("OnnxReadLimits.MaxNodes", e.Message);
    }

    [Fact]
    public void SmallCnnIsNotTakenForAResNetAndTheNodeIsNamed()
    {
        var e = Assert.Throws<CheckpointFormatException>(() => OnnxImport.LoadResNet(ExportSmallCnn()));
        Assert.Contains("node ", e.Message);
        Assert.Contains("not a ResNet", e.Message);
    }

    [Fact]
    public void ExternalDataOutsideTheModelFolderIsRefused()
    {
        // A one-initializer graph whose tensor points at ../secret.bin.
        var tensor = Proto(w =>
        {
            w.PackedInt64s(1, new long[] { 2 });
            w.Int64(2, 1);
            w.String(8, "t");
            var entry = Proto(e => { e.String(1, "location"); e.String(2, "../secret.bin"); });
            w.Message(13, entry);
            w.Int64(14, 1);
        });
        var graph = Proto(g => g.Message(5, tensor));
        var model = Proto(m => m.Message(7, graph));
        string path = Path.Combine(_dir, "external.onnx");
        using (var stream = File.Create(path)) model.WriteTo(stream);
        var e = Assert.Throws<CheckpointFormatException>(() => OnnxModel.Load(path));
        Assert.Contains("outside the model's folder", e.Message);
    }

    [Fact]
    public void ExternalDataBesideTheModelIsRead()
    {
        File.WriteAllBytes(Path.Combine(_dir, "weights.bin"), new byte[] { 9, 9, 0, 0, 128, 63, 0, 0, 0, 64 });
        var tensor = Proto(w =>
        {
            w.PackedInt64s(1, new long[] { 2 });
            w.Int64(2, 1);
            w.String(8, "t");
            w.Message(13, Proto(e => { e.String(1, "location"); e.String(2, "weights.bin"); }));
            w.Message(13, Proto(e => { e.String(1, "offset"); e.String(2, "2"); }));
            w.Int64(14, 1);
        });
        string path = Path.Combine(_dir, "external.onnx");
        using (var stream = File.Create(path)) Proto(m => m.Message(7, Proto(g => g.Message(5, tensor)))).WriteTo(stream);
        Assert.Equal(new[] { 1f, 2f }, OnnxModel.Load(path).Graph.Initializers["t"].ToFloats(path));
    }

    [Fact]
    public void ResolverNamesThePackageToAddWhenNeitherFolderHasTheFile()
    {
        var resolver = new WeightsResolver(new WeightsResolverOptions { OutputDirectory = _dir, NuGetPackagesDirectory = _dir });
        var weights = PretrainedCatalog.Get(MLNetResNet.Architecture);
        var e = Assert.Throws<PretrainedWeightsNotFoundException>(() => resolver.Resolve(weights));
        Assert.Contains("dotnet add package Microsoft.ML.DnnImageFeaturizer.ResNet18 --version 0.23.1", e.Message);
        Assert.Equal(2, e.SearchedPaths.Count);
        Assert.EndsWith(Path.Combine("microsoft.ml.dnnimagefeaturizer.resnet18", "0.23.1", "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx"), e.SearchedPaths[1]);
    }

    [Fact]
    public void ResolverFindsTheFileInTheAppOutputFolderFirst()
    {
        string file = Path.Combine(_dir, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllBytes(file, new byte[63_653_533]);
        var resolver = new WeightsResolver(new WeightsResolverOptions { OutputDirectory = _dir, NuGetPackagesDirectory = Path.Combine(_dir, "none") });
        Assert.Equal(file, resolver.Resolve(PretrainedCatalog.Get(MLNetResNet.Architecture)));
    }

    [Fact]
    public void CatalogHasBothMLNetConventionsWithTheTorchvisionOneAsDefault()
    {
        var all = PretrainedCatalog.For(MLNetResNet.Architecture).ToList();
        Assert.Equal(new[] { "IMAGENET1K_MLNET_TVNORM", "IMAGENET1K_MLNET" }, all.Select(w => w.Tag));
        Assert.Equal(ImageNet.Mean, PretrainedCatalog.Get(MLNetResNet.Architecture).Mean);
        var cntk = PretrainedCatalog.Get(MLNetResNet.Architecture, "IMAGENET1K_MLNET");
        Assert.Equal(123.15162658691406, cntk.Mean[0] * 255, 9);
        Assert.Equal(1 / 255.0, cntk.Std[2], 12);
        using var model = ModelRegistry.Create(MLNetResNet.Architecture, 1);
        Assert.Equal(cntk.NumParameters, model.Parameters().Sum(p => p.Numel));
    }

    private static ProtoWriter Proto(Action<ProtoWriter> write)
    {
        var w = new ProtoWriter();
        write(w);
        return w;
    }
}
