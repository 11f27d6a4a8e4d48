using TransferKit.NN;
using TransferKit.Text;

namespace TransferKit.Tests.Text;

[Trait("Category", "Unit")]
public sealed class TextDataLoaderTests
{
    private static readonly BertTokenizer Tokenizer = new(new Vocabulary(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "b", "c"]));

    // Sample k has k + 1 words, so its encoding has k + 3 tokens.
    private static TextClassificationDataset Data(int count) => new(
        Enumerable.Range(0, count).Select(k => string.Join(' ', Enumerable.Repeat("a", k + 1))).ToArray(),
        Enumerable.Range(0, count).Select(k => (long)(k % 3)).ToArray(), ["x", "y", "z"]);

    [Fact]
    public void EachBatchIsPaddedToItsLongestTextAndCutAtTheMaximumLength()
    {
        var loader = new TextDataLoader(Data(7), Tokenizer, new TextLoaderOptions { BatchSize = 3, MaxLength = 8 });
        var batches = loader.ToList();
        try
        {
            Assert.Equal(3, loader.Count);
            Assert.Equal(new long[] { 3, 5 }, batches[0][ModelInputs.InputIds].Shape);
            Assert.Equal(new long[] { 3, 8 }, batches[1][ModelInputs.AttentionMask].Shape); // 6 + 2 tokens, not 7 + 2: cut at 8
            Assert.Equal(new long[] { 1, 8 }, batches[2][ModelInputs.TokenTypeIds].Shape);
            Assert.Equal(new long[] { 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1 }, batches[0][ModelInputs.AttentionMask].ToArray<long>());
            Assert.Equal(new long[] { 2, 4, 3, 0, 0 }, batches[0][ModelInputs.InputIds].ToArray<long>()[..5]);
            Assert.Equal(new long[] { 0, 1, 2 }, batches[0].Targets.ToArray<long>());
            Assert.Equal(ScalarType.Int64, batches[0].Targets.Dtype);
        }
        finally
        {
            foreach (var b in batches) b.Dispose();
        }
    }

    [Fact]
    public void SeededShufflingRepeatsPerEpochAndDropLastDropsTheShortBatch()
    {
        var options = new TextLoaderOptions { BatchSize = 4, Shuffle = true, Seed = 3, DropLast = true };
        List<long[]> Epoch(TextDataLoader loader, int epoch)
        {
            loader.SetEpoch(epoch);
            var targets = new List<long[]>();
            foreach (var batch in loader)
                using (batch)
                    targets.Add(batch[ModelInputs.AttentionMask].Sum(1).ToArray<long>());
            return targets;
        }
        var first = new TextDataLoader(Data(10), Tokenizer, options);
        var second = new TextDataLoader(Data(10), Tokenizer, options);
        Assert.Equal(2, first.Count);
        Assert.Equal(Epoch(first, 2), Epoch(second, 2));
        Assert.NotEqual(Epoch(first, 1), Epoch(first, 2));
        Assert.All(Epoch(first, 1), lengths => Assert.Equal(4, lengths.Length));
    }

    [Fact]
    public void CancellationStopsBeforeTheNextBatch()
    {
        var loader = new TextDataLoader(Data(6), Tokenizer, new TextLoaderOptions { BatchSize = 2 });
        using var cts = new CancellationTokenSource();
        using var enumerator = loader.Batches(cts.Token).GetEnumerator();
        Assert.True(enumerator.MoveNext());
        enumerator.Current.Dispose();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => enumerator.MoveNext());
    }

    [Fact]
    public void InvalidSettingsAreListedTogether()
    {
        var e = Assert.Throws<ArgumentException>(() => new TextDataLoader(Data(2), Tokenizer, new TextLoaderOptions { BatchSize = 0, MaxLength = 2 }));
        Assert.Contains("BatchSize", e.Message);
        Assert.Contains("MaxLength", e.Message);
    }
}
