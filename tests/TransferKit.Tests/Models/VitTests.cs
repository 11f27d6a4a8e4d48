using TransferKit.Data;
using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Training;
using TransferKit.Transfer;

namespace TransferKit.Tests.Models;

/// <summary>The ViT's configuration, keys, checks, preprocessing and registration (no PyTorch needed).</summary>
[Trait("Category", "Unit")]
public class VitTests
{
    [Fact]
    public void ConfigValidationListsEveryProblem()
    {
        var bad = VitConfig.Tiny with { ImageSize = 30, NumHeads = 5, NumLayers = 0, Dropout = 1.5, LayerNormEps = 0 };
        var e = Assert.Throws<ArgumentException>(bad.Validate);
        foreach (var word in new[] { "ImageSize", "NumHeads", "NumLayers", "Dropout", "LayerNormEps" }) Assert.Contains(word, e.Message);
        Assert.Throws<ArgumentException>(() => new VisionTransformer(bad));
    }

    [Fact]
    public void TheModelHasTorchvisionsKeysAndShapes()
    {
        using var model = new VisionTransformer(VitConfig.Tiny with { NumClasses = 3 }, VisionTransformer.TinyName);
        var shapes = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Shape);
        Assert.Equal("class_token", shapes.Keys.First());
        Assert.Equal(new long[] { 1, 1, 64 }, shapes["class_token"]);
        Assert.Equal(new long[] { 64, 3, 8, 8 }, shapes["conv_proj.weight"]);
        Assert.Equal(new long[] { 1, 17, 64 }, shapes["encoder.pos_embedding"]);
        Assert.Equal(new long[] { 192, 64 }, shapes["encoder.layers.encoder_layer_1.self_attention.in_proj_weight"]);
        Assert.Equal(new long[] { 64, 64 }, shapes["encoder.layers.encoder_layer_0.self_attention.out_proj.weight"]);
        Assert.Equal(new long[] { 128, 64 }, shapes["encoder.layers.encoder_layer_0.mlp.0.weight"]);
        Assert.Equal(new long[] { 64, 128 }, shapes["encoder.layers.encoder_layer_0.mlp.3.weight"]);
        Assert.Equal(new long[] { 3, 64 }, shapes["heads.head.weight"]);
        Assert.Equal(4 + 2 * 12 + 2 + 2, shapes.Count);
        Assert.Equal("heads.head", model.HeadPath);
        using var scope = Torch.NewDisposeScope();
        var logits = model.Forward(Torch.Randn(2, 3, 32, 32));
        Assert.Equal(new long[] { 2, 3 }, logits.Shape);
    }

    [Fact]
    public void AnImageOfTheWrongSizeIsRejectedWithTheExpectedShape()
    {
        using var model = new VisionTransformer(VitConfig.Tiny);
        using var wrong = Torch.Randn(1, 3, 40, 40);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(wrong));
        Assert.Contains("[N, 3, 32, 32]", e.Message);
        Assert.Contains("[1, 3, 40, 40]", e.Message);
    }

    [Fact]
    public void AStateDictOfAnotherModelIsNotTakenForAVit()
    {
        using var model = new VisionTransformer(VitConfig.Tiny);
        using var cnn = new SmallCnn(2);
        using var state = cnn.StateDict();
        var e = Assert.Throws<InvalidDataException>(() => model.LoadWeights(state));
        Assert.Contains("conv_proj.weight", e.Message);
    }

    [Fact]
    public void HuggingFaceKeysWithoutAValueProjectionNameTheMissingKey()
    {
        using var model = new VisionTransformer(VitConfig.Tiny);
        using var own = model.StateDict();
        using var hf = VitKeys.ToHuggingFace(own);
        hf.Remove("vit.encoder.layer.1.attention.attention.value.bias", out var removed);
        removed!.Dispose();
        var e = Assert.Throws<InvalidDataException>(() => model.LoadWeights(hf));
        Assert.Contains("encoder.layer.1.attention.attention.value.bias", e.Message);
    }

    [Fact]
    public void HuggingFaceConfigJsonGivesTheShapeAndBadFilesNameThemselves()
    {
        string dir = Directory.CreateTempSubdirectory("tk-vitcfg-").FullName;
        try
        {
            string good = Path.Combine(dir, "config.json");
            File.WriteAllText(good, """
                {"architectures": ["ViTForImageClassification"], "hidden_size": 192, "num_hidden_layers": 3, "num_attention_heads": 3,
                 "intermediate_size": 768, "image_size": 96, "patch_size": 16, "hidden_act": "gelu", "layer_norm_eps": 1e-12,
                 "id2label": {"0": "ant", "1": "bee", "2": "wasp"}}
                """);
            var config = VitConfig.FromHuggingFaceJson(good);
            Assert.Equal(VitConfig.B16 with { HiddenDim = 192, NumLayers = 3, NumHeads = 3, MlpDim = 768, ImageSize = 96, LayerNormEps = 1e-12, NumClasses = 3 }, config);
            Assert.Equal(37, config.SequenceLength);

            string bad = Path.Combine(dir, "broken.json");
            File.WriteAllText(bad, "{\"hidden_size\": \"wide\"");
            var e = Assert.Throws<InvalidDataException>(() => VitConfig.FromHuggingFaceJson(bad));
            Assert.Contains(bad, e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void HuggingFacePreprocessingResizesTheWholeImageWithoutCropping()
    {
        var hf = Preprocessing.HuggingFaceVit(32);
        Assert.False(hf.CenterCrop);
        using var scope = Torch.NewDisposeScope();
        // A 20 x 60 image whose left third is black and the rest white: a centre crop would lose the black.
        var image = Torch.Full(new long[] { 20, 60, 3 }, 255, ScalarType.Byte);
        image.Narrow(1, 0, 20).Fill_(0);
        var x = hf.EvalTransform().Apply(image, new Random(0));
        Assert.Equal(new long[] { 3, 32, 32 }, x.Shape);
        Assert.Equal(-1.0, x.Min().Item<float>(), 1e-6);   // black → (0 − 0.5) / 0.5
        Assert.Equal(1.0, x.Max().Item<float>(), 1e-6);    // white → (1 − 0.5) / 0.5
        Assert.Throws<ArgumentException>(() => (hf with { ResizeSize = 40 }).Validate());
    }

    [Fact]
    public void APackageKeepsTheNoCropPreprocessing()
    {
        string dir = Directory.CreateTempSubdirectory("tk-vitpkg-").FullName;
        try
        {
            using var model = ModelBuilder.FromArchitecture(VisionTransformer.TinyName, 2, Preprocessing.HuggingFaceVit(32)).Build();
            string path = Path.Combine(dir, "vit.tkmodel");
            model.Save(path);
            using var loaded = ModelPackage.Load(path);
            Assert.Equal(model.Preprocessing.CenterCrop, loaded.Preprocessing.CenterCrop);
            Assert.Equal(model.Preprocessing.Mean, loaded.Preprocessing.Mean);
            Assert.Equal(VisionTransformer.TinyName, loaded.Architecture);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void VitsAreRegisteredAndVitB16IsCatalogued()
    {
        Assert.Contains(VisionTransformer.B16Name, ModelRegistry.Names);
        Assert.Contains(VisionTransformer.TinyName, ModelRegistry.Names);
        var weights = PretrainedCatalog.Get(VisionTransformer.B16Name);
        Assert.Equal("vit_b_16-c867db91.pth", weights.FileName);
        using var tiny = (VisionTransformer)ModelRegistry.Create(VisionTransformer.TinyName, 7);
        Assert.Equal(VitConfig.Tiny with { NumClasses = 7 }, tiny.Config);
    }

    [Fact]
    public void LayerWiseDecayGivesEachVitDepthItsRate()
    {
        using var model = new VisionTransformer(VitConfig.Tiny);
        var recipe = new TransformerRecipe { LearningRate = 1e-3, WeightDecay = 0.05, LayerDecay = 0.5, NumLayers = 2 };
        using var optimizer = recipe.CreateOptimizer(model);
        var rates = optimizer.ParamGroups.ToDictionary(g => g.Name!, g => g.LearningRate);
        Assert.Equal(1e-3 * 0.125, rates["no_decay.depth0"], 12);   // conv_proj.bias
        Assert.Equal(1e-3 * 0.125, rates["decay.depth0"], 12);      // class_token, conv_proj.weight, pos_embedding
        Assert.Equal(1e-3 * 0.25, rates["decay.depth1"], 12);
        Assert.Equal(1e-3 * 0.5, rates["decay.depth2"], 12);
        Assert.Equal(1e-3, rates["decay.depth3"], 12);              // heads.head.weight
        Assert.Equal(0.0, optimizer.ParamGroups.Single(g => g.Name == "no_decay.depth3").WeightDecay);
    }

    [Fact]
    public void AModelSavedAsAHuggingFaceFolderLoadsBackWithTheSameLogitsAndPreprocessing()
    {
        string dir = Directory.CreateTempSubdirectory("tk-vithf-").FullName;
        try
        {
            using var model = ModelBuilder.FromArchitecture(VisionTransformer.TinyName, 3, Preprocessing.HuggingFaceVit(32)).ReplaceHead(new[] { "a", "b", "c" }).Build();
            using (var scope = Torch.NewDisposeScope())
                foreach (var p in model.Parameters()) p.Detach().Add_(Torch.Randn(p.Shape).Mul(0.1));
            VitCheckpoint.SaveHuggingFace(model, dir);
            Assert.True(File.Exists(Path.Combine(dir, "config.json")));
            using var loaded = VitCheckpoint.Load(dir).Build();
            Assert.Equal(new[] { "a", "b", "c" }, loaded.Labels);   // from config.json's id2label
            Assert.False(loaded.Preprocessing.CenterCrop);
            Assert.Equal(VisionTransformer.TinyName, loaded.Architecture);
            model.Eval();
            loaded.Eval();
            using var scope2 = Torch.NewDisposeScope();
            var x = Torch.Randn(2, 3, 32, 32);
            Assert.True(TensorDiff.MaxAbs(model.Forward(x), loaded.Forward(x)) == 0, "the reloaded model's logits differ");

            using var relabelled = VitCheckpoint.Load(Path.Combine(dir, "pytorch_model.bin"), new[] { "ant", "bee" }).Build();
            Assert.Equal(new[] { "ant", "bee" }, relabelled.Labels);
            using var sameLabels = VitCheckpoint.Load(dir, new[] { "a", "b", "c" }).Build();
            sameLabels.Eval();
            Assert.True(TensorDiff.MaxAbs(model.Forward(x), sameLabels.Forward(x)) == 0, "the head of a file with the same labels was not kept");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void CheckpointErrorsNameTheFolderOrFile()
    {
        string dir = Directory.CreateTempSubdirectory("tk-vitbad-").FullName;
        try
        {
            var missing = Assert.Throws<FileNotFoundException>(() => VitCheckpoint.Load(dir));
            Assert.Contains(dir, missing.Message);
            string cnnFile = Path.Combine(dir, "pytorch_model.bin");
            using (var cnn = new SmallCnn(2))
            using (var state = cnn.StateDict())
                TransferKit.Serialization.TorchSerializer.SaveStateDict(cnnFile, state);
            var notVit = Assert.Throws<InvalidDataException>(() => VitCheckpoint.Load(dir));
            Assert.Contains(cnnFile, notVit.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void MutatedConfigJsonEitherParsesOrFailsWithAClearError()
    {
        const string valid = """{"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 128, "image_size": 32, "patch_size": 8, "layer_norm_eps": 1e-6, "id2label": {"0": "a", "1": "b"}}""";
        string file = Path.Combine(Path.GetTempPath(), $"tk-vitfuzz-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        var random = new Random(11);
        try
        {
            for (int round = 0; round < 300; round++)
            {
                var bytes = System.Text.Encoding.UTF8.GetBytes(valid);
                for (int m = random.Next(1, 4); m > 0; m--) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                File.WriteAllBytes(file, bytes);
                try
                {
                    VitConfig.FromHuggingFaceJson(file).Validate();
                }
                catch (InvalidDataException e)
                {
                    Assert.Contains(file, e.Message);
                }
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void ATransferModelTrainsSavesAndConvertsTheClassTokenTheNetworkHoldsDirectly()
    {
        using var model = ModelBuilder.FromArchitecture(VisionTransformer.TinyName, 2, Preprocessing.HuggingFaceVit(32)).Build();
        Assert.Equal("class_token", model.NamedParameters().First().Name);
        using (var state = model.StateDict()) Assert.True(state.ContainsKey("class_token"));
        using var optimizer = new TransformerRecipe().CreateOptimizer(model);
        var classToken = model.NamedParameters().First().Parameter;
        Assert.Contains(optimizer.ParamGroups.SelectMany(g => g.Parameters), p => ReferenceEquals(p, classToken));
        model.FreezeBackbone();
        Assert.False(classToken.RequiresGrad);

        model.To(ScalarType.Float64);
        using var scope = Torch.NewDisposeScope();
        var logits = model.Forward(Torch.Randn(1, 3, 32, 32).To(ScalarType.Float64));
        Assert.Equal(ScalarType.Float64, logits.Dtype);
        Assert.Equal(ScalarType.Float64, model.NamedParameters().First().Parameter.Dtype);
    }
}
