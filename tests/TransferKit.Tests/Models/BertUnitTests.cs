using TransferKit.Engine;
using TransferKit.Models;
using TransferKit.NN;

namespace TransferKit.Tests.Models;

/// <summary>BERT configuration, key normalisation, shapes and the attention helpers, without PyTorch.</summary>
[Trait("Category", "Unit")]
public class BertUnitTests
{
    private static readonly BertConfig Tiny = new()
    {
        VocabSize = 50, HiddenSize = 16, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 24, MaxPositionEmbeddings = 12,
    };

    [Fact]
    public void ValidateListsEveryInvalidField()
    {
        var bad = new BertConfig { HiddenSize = 10, NumAttentionHeads = 3, HiddenAct = "swish", LayerNormEps = 0 };
        var e = Assert.Throws<ArgumentException>(bad.Validate);
        Assert.Contains("NumAttentionHeads", e.Message);
        Assert.Contains("HiddenAct", e.Message);
        Assert.Contains("LayerNormEps", e.Message);
    }

    [Fact]
    public void ConfigJsonWithAWrongTypeNamesTheFileAndTheField()
    {
        var e = Assert.Throws<InvalidDataException>(() => BertConfig.FromJson("{\"hidden_size\": \"big\"}", "my/config.json"));
        Assert.Contains("my/config.json", e.Message);
        Assert.Contains("hidden_size", e.Message);
        Assert.Throws<InvalidDataException>(() => BertConfig.FromJson("[1, 2", "broken.json"));
    }

    [Fact]
    public void ConfigJsonKeepsDefaultsForAbsentFields()
    {
        var config = BertConfig.FromJson("{\"hidden_size\": 384, \"intermediate_size\": 1536, \"num_hidden_layers\": 6, \"hidden_act\": \"gelu\"}");
        Assert.Equal(BertConfig.MiniLmL6, config);
    }

    [Theory]
    [InlineData("bert.encoder.layer.0.attention.output.LayerNorm.gamma", "bert.encoder.layer.0.attention.output.LayerNorm.weight")]
    [InlineData("embeddings.LayerNorm.beta", "embeddings.LayerNorm.bias")]
    [InlineData("classifier.weight", "classifier.weight")]
    [InlineData("bert.embeddings.position_ids", null)]
    [InlineData("embeddings.token_type_ids", null)]
    [InlineData("cls.predictions.bias", null)]
    public void CheckpointKeysAreNormalisedToHuggingFacesCurrentNames(string key, string? expected) =>
        Assert.Equal(expected, BertStateDictKeys.Normalize(key));

    [Fact]
    public void StateDictHasHuggingFaceKeysAndShapes()
    {
        using var model = new BertForSequenceClassification(Tiny, 3);
        using var sd = model.StateDict();
        Assert.Equal(new long[] { 50, 16 }, sd["bert.embeddings.word_embeddings.weight"].Shape);
        Assert.Equal(new long[] { 16, 16 }, sd["bert.encoder.layer.1.attention.self.value.weight"].Shape);
        Assert.Equal(new long[] { 24, 16 }, sd["bert.encoder.layer.0.intermediate.dense.weight"].Shape);
        Assert.Equal(new long[] { 16, 24 }, sd["bert.encoder.layer.0.output.dense.weight"].Shape);
        Assert.True(sd.ContainsKey("bert.encoder.layer.0.attention.output.LayerNorm.bias"));
        Assert.True(sd.ContainsKey("bert.pooler.dense.bias"));
        Assert.Equal(new long[] { 3, 16 }, sd["classifier.weight"].Shape);
        // 3 embeddings + LayerNorm (2) + per layer 16 tensors + pooler 2 + head 2.
        Assert.Equal(3 + 2 + 2 * 16 + 2 + 2, sd.Count);
    }

    [Fact]
    public void PaddingChangesNothingForTheRealTokensOfASequence()
    {
        using var model = new BertModel(Tiny);
        model.Eval();
        using var ids = Torch.FromArray(new long[] { 2, 7, 9, 3 }, 1, 4);
        using var padded = Torch.FromArray(new long[] { 2, 7, 9, 3, 0, 0 }, 1, 6);
        using var mask = Torch.FromArray(new long[] { 1, 1, 1, 1, 0, 0 }, 1, 6);
        using var alone = model.Run(ids);
        using var withPadding = model.Run(padded, mask);
        using var real = withPadding.LastHiddenState.Narrow(1, 0, 4);
        Assert.True(TensorDiff.MaxAbs(alone.LastHiddenState, real) < 1e-5);
        Assert.True(TensorDiff.MaxAbs(alone.PoolerOutput!, withPadding.PoolerOutput!) < 1e-5);
    }

    [Fact]
    public void SplitAndMergeHeadsAreInverse()
    {
        using var x = Torch.Randn(2, 5, 12);
        using var split = Functional.SplitHeads(x, 3);
        Assert.Equal(new long[] { 2, 3, 5, 4 }, split.Shape);
        using var merged = Functional.MergeHeads(split);
        TensorDiff.AssertIdentical(x, merged, "merged");
        Assert.Throws<ArgumentException>(() => Functional.SplitHeads(x, 5));
    }

    [Fact]
    public void TooLongSequencesAndBadPaddingIndicesAreRejectedClearly()
    {
        using var model = new BertModel(Tiny);
        using var ids = Torch.Zeros(new long[] { 1, 13 }, ScalarType.Int64);
        var e = Assert.Throws<ArgumentException>(() => model.Run(ids));
        Assert.Contains("max_position_embeddings", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding(4, 2, paddingIdx: 4));
        using var negative = new Embedding(4, 2, paddingIdx: -1);
        Assert.Equal(3, negative.PaddingIdx);
    }
}
