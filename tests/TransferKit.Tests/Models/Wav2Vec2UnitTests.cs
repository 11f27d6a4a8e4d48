using System.Text;
using TransferKit.Audio;
using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;
using TransferKit.Serialization;

namespace TransferKit.Tests.Models;

/// <summary>
/// wav2vec2 without PyTorch: Hugging Face's state-dict keys, frame counts, configuration checks and errors (a fuzzed
/// config.json never escapes as anything but the documented exception naming the file), key normalisation, loading
/// errors that list the missing keys, and FreezeFeatureEncoder.
/// </summary>
[Trait("Category", "Unit")]
[Collection(SerialCollection.Name)]
public class Wav2Vec2UnitTests
{
    private static readonly Wav2Vec2Config Tiny = new()
    {
        ConvDim = [8, 8], ConvKernel = [10, 3], ConvStride = [5, 2], HiddenSize = 16, NumHiddenLayers = 1,
        NumAttentionHeads = 2, IntermediateSize = 20, NumConvPosEmbeddings = 4, NumConvPosEmbeddingGroups = 2,
        ClassifierProjSize = 6, NumLabels = 3, LayerDrop = 0,
    };

    private const string TinyJson = """
        {"conv_dim": [8, 8], "conv_kernel": [10, 3], "conv_stride": [5, 2], "hidden_size": 16, "num_hidden_layers": 1,
         "num_attention_heads": 2, "intermediate_size": 20, "num_conv_pos_embeddings": 4, "num_conv_pos_embedding_groups": 2,
         "classifier_proj_size": 6, "layerdrop": 0.0, "feat_extract_norm": "group", "do_stable_layer_norm": false,
         "id2label": {"0": "a", "1": "b", "2": "c"}}
        """;

    [Fact]
    public void TheClassifierHasHuggingFacesKeysAndShapes()
    {
        using var model = new Wav2Vec2ForSequenceClassification(Tiny);
        var shapes = model.NamedParameters().ToDictionary(p => p.Name, p => string.Join("x", p.Parameter.Shape));
        var expected = new Dictionary<string, string>
        {
            ["wav2vec2.feature_extractor.conv_layers.0.conv.weight"] = "8x1x10",
            ["wav2vec2.feature_extractor.conv_layers.0.layer_norm.weight"] = "8",
            ["wav2vec2.feature_extractor.conv_layers.0.layer_norm.bias"] = "8",
            ["wav2vec2.feature_extractor.conv_layers.1.conv.weight"] = "8x8x3",
            ["wav2vec2.feature_projection.layer_norm.weight"] = "8",
            ["wav2vec2.feature_projection.layer_norm.bias"] = "8",
            ["wav2vec2.feature_projection.projection.weight"] = "16x8",
            ["wav2vec2.feature_projection.projection.bias"] = "16",
            ["wav2vec2.encoder.pos_conv_embed.conv.weight_g"] = "1x1x4",
            ["wav2vec2.encoder.pos_conv_embed.conv.weight_v"] = "16x8x4",
            ["wav2vec2.encoder.pos_conv_embed.conv.bias"] = "16",
            ["wav2vec2.encoder.layer_norm.weight"] = "16",
            ["wav2vec2.encoder.layer_norm.bias"] = "16",
            ["projector.weight"] = "6x16",
            ["projector.bias"] = "6",
            ["classifier.weight"] = "3x6",
            ["classifier.bias"] = "3",
        };
        foreach (string p in new[] { "q_proj", "k_proj", "v_proj", "out_proj" })
        {
            expected[$"wav2vec2.encoder.layers.0.attention.{p}.weight"] = "16x16";
            expected[$"wav2vec2.encoder.layers.0.attention.{p}.bias"] = "16";
        }
        foreach (string n in new[] { "layer_norm", "final_layer_norm" })
        {
            expected[$"wav2vec2.encoder.layers.0.{n}.weight"] = "16";
            expected[$"wav2vec2.encoder.layers.0.{n}.bias"] = "16";
        }
        expected["wav2vec2.encoder.layers.0.feed_forward.intermediate_dense.weight"] = "20x16";
        expected["wav2vec2.encoder.layers.0.feed_forward.intermediate_dense.bias"] = "20";
        expected["wav2vec2.encoder.layers.0.feed_forward.output_dense.weight"] = "16x20";
        expected["wav2vec2.encoder.layers.0.feed_forward.output_dense.bias"] = "16";
        Assert.Equal(expected.OrderBy(p => p.Key), shapes.OrderBy(p => p.Key));
    }

    [Fact]
    public void FrameCountsFollowTheConvolutionsAndPaddedClipsAreMasked()
    {
        Assert.Equal(49, Wav2Vec2Config.Base.FrameCount(16000));
        Assert.Equal(320, Wav2Vec2Config.Base.SamplesPerFrame);
        Assert.Equal(0, Wav2Vec2Config.Base.FrameCount(399));
        Assert.Equal(1, Wav2Vec2Config.Base.FrameCount(400));
        Assert.Equal(((100 - 10) / 5 + 1 - 3) / 2 + 1, Tiny.FrameCount(100));

        Torch.ManualSeed(3);
        using var model = new Wav2Vec2ForSequenceClassification(Tiny);
        model.Eval();
        using var values = Torch.Randn(2, 100);
        using var lengths = Torch.FromArray(new long[] { 100, 60 }, 2);
        using var output = model.Wav2Vec2.Run(values, lengths);
        Assert.Equal(new long[] { 2, Tiny.FrameCount(100), 16 }, output.LastHiddenState.Shape);
        Assert.Equal(new float[] { Tiny.FrameCount(100), Tiny.FrameCount(60) }, output.FrameMask!.Sum(1).ToArray<float>());
    }

    [Fact]
    public void PaddingDoesNotChangeAClipsLogits()
    {
        Torch.ManualSeed(4);
        using var model = new Wav2Vec2ForSequenceClassification(Tiny);
        model.Eval();
        using var clip = Torch.Randn(1, 60);
        using var alone = model.Forward(clip);
        using var padding = Torch.Randn(1, 40);
        using var padded = Torch.Cat([clip, padding], 1);
        using var inputs = new ModelInputs { { ModelInputs.InputValues, padded.Alias() }, { ModelInputs.Lengths, Torch.FromArray(new long[] { 60 }, 1) } };
        using var masked = model.Forward(inputs);
        // Padding changes the group norm's statistics over time (as in Hugging Face), so the frames differ slightly;
        // the masked mean still ignores the padded frames themselves.
        using var unmaskedInputs = new ModelInputs(ModelInputs.InputValues, padded.Alias());
        using var unmasked = model.Forward(unmaskedInputs);
        Assert.True(TensorDiff.MaxAbs(alone, masked) < TensorDiff.MaxAbs(alone, unmasked));
    }

    [Fact]
    public void ValidateListsEveryProblem()
    {
        var bad = Tiny with { ConvKernel = [10], HiddenSize = 15, FeatExtractNorm = "batch", HiddenDropout = 1.5, NumLabels = 0 };
        var e = Assert.Throws<ArgumentException>(bad.Validate);
        foreach (string field in new[] { "ConvKernel", "NumAttentionHeads", "FeatExtractNorm", "dropout", "NumLabels", "NumConvPosEmbeddingGroups" })
            Assert.Contains(field, e.Message);
        Wav2Vec2Config.Base.Validate();
        Tiny.Validate();
    }

    [Fact]
    public void ConfigJsonFieldsOfTheWrongTypeNameTheFileAndTheField()
    {
        var e = Assert.Throws<InvalidDataException>(() => Wav2Vec2Config.FromJson("""{"conv_dim": [512, "x"]}""", "/models/w2v/config.json"));
        Assert.Contains("/models/w2v/config.json", e.Message);
        Assert.Contains("conv_dim", e.Message);
        e = Assert.Throws<InvalidDataException>(() => Wav2Vec2Config.FromJson("""{"do_stable_layer_norm": "yes"}""", "c.json"));
        Assert.Contains("do_stable_layer_norm", e.Message);
        e = Assert.Throws<InvalidDataException>(() => Wav2Vec2Config.FromJson("""{"id2label": {"0": "a", "2": "c"}}""", "c.json"));
        Assert.Contains("id2label", e.Message);
        e = Assert.Throws<InvalidDataException>(() => Wav2Vec2Config.FromJson("[1, 2]", "c.json"));
        Assert.Contains("c.json", e.Message);
        Assert.Throws<FileNotFoundException>(() => Wav2Vec2Config.FromJsonFile("/nonexistent/config.json"));
        var parsed = Wav2Vec2Config.FromJson(TinyJson);
        Assert.Equal(["a", "b", "c"], parsed.Id2Label);
        Assert.Equal(3, parsed.NumLabels);
        Assert.Equal(Tiny.ConvKernel, parsed.ConvKernel);
    }

    /// <summary>1,000 mutations of a valid config.json: each parses or throws InvalidDataException naming the file.</summary>
    private const string JsonJunk = "{}[]\",:0123456789.-eE tfn\\";

    [Fact]
    public void MutatedConfigJsonParsesOrThrowsTheFormatExceptionNamingTheFile()
    {
        var random = new Random(2024);
        byte[] seed = Encoding.UTF8.GetBytes(TinyJson);
        int parsed = 0, refused = 0;
        for (int n = 0; n < 1000; n++)
        {
            byte[] bytes = (byte[])seed.Clone();
            switch (random.Next(3))
            {
                case 0:
                    for (int k = random.Next(1, 6); k > 0; k--) bytes[random.Next(bytes.Length)] = (byte)JsonJunk[random.Next(JsonJunk.Length)];
                    break;
                case 1:
                    bytes = bytes[..random.Next(bytes.Length)];
                    break;
                default:
                    for (int k = random.Next(1, 4); k > 0; k--) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                    break;
            }
            string name = $"mutant-{n}/config.json";
            try
            {
                var config = Wav2Vec2Config.FromJson(Encoding.UTF8.GetString(bytes), name);
                try
                {
                    config.Validate();
                }
                catch (ArgumentException)
                {
                }
                parsed++;
            }
            catch (InvalidDataException e)
            {
                Assert.Contains(name, e.Message);
                refused++;
            }
        }
        Assert.True(parsed > 0 && refused > 0, $"parsed {parsed}, refused {refused}");
    }

    [Fact]
    public void CheckpointKeysAreNormalised()
    {
        Assert.Equal("wav2vec2.encoder.pos_conv_embed.conv.weight_g", Wav2Vec2StateDictKeys.Normalize("wav2vec2.encoder.pos_conv_embed.conv.parametrizations.weight.original0"));
        Assert.Equal("encoder.pos_conv_embed.conv.weight_v", Wav2Vec2StateDictKeys.Normalize("encoder.pos_conv_embed.conv.parametrizations.weight.original1"));
        Assert.Null(Wav2Vec2StateDictKeys.Normalize("wav2vec2.masked_spec_embed"));
        Assert.Equal("classifier.weight", Wav2Vec2StateDictKeys.Normalize("classifier.weight"));
    }

    [Fact]
    public void AFolderWithAMissingWeightNamesTheFileAndTheKey()
    {
        string folder = Path.Combine(Path.GetTempPath(), "tk-w2v-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            Assert.Throws<FileNotFoundException>(() => Wav2Vec2Pretrained.LoadModel(folder));
            File.WriteAllText(Path.Combine(folder, "config.json"), TinyJson);
            var missing = Assert.Throws<FileNotFoundException>(() => Wav2Vec2Pretrained.LoadModel(folder));
            Assert.Contains("pytorch_model.bin", missing.Message);

            using (var model = new Wav2Vec2ForSequenceClassification(Tiny))
            using (var state = model.StateDict())
            {
                var kept = state.Where(p => p.Key != "wav2vec2.encoder.layers.0.final_layer_norm.bias").ToList();
                TorchSerializer.SaveStateDict(Path.Combine(folder, "pytorch_model.bin"), kept);
            }
            var e = Assert.Throws<InvalidDataException>(() => Wav2Vec2Pretrained.LoadForSequenceClassification(folder));
            Assert.Contains("pytorch_model.bin", e.Message);
            Assert.Contains("encoder.layers.0.final_layer_norm.bias", e.Message);

            File.WriteAllText(Path.Combine(folder, "config.json"), "{\"hidden_size\": 16,");
            var json = Assert.Throws<InvalidDataException>(() => Wav2Vec2Pretrained.LoadModel(folder));
            Assert.Contains(Path.Combine(folder, "config.json"), json.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void FreezeFeatureEncoderStopsOnlyTheConvolutionsGradients()
    {
        Torch.ManualSeed(5);
        using var model = new Wav2Vec2ForSequenceClassification(Tiny);
        model.FreezeFeatureEncoder();
        model.Eval();
        using var values = Torch.Randn(2, 100);
        using var logits = model.Forward(values);
        using var loss = logits.Sum();
        loss.Backward();
        foreach (var (name, p) in model.NamedParameters())
        {
            bool frozen = name.StartsWith("wav2vec2.feature_extractor.", StringComparison.Ordinal);
            Assert.Equal(!frozen, p.RequiresGrad);
            Assert.Equal(!frozen, p.Grad is not null);
        }
    }
}
