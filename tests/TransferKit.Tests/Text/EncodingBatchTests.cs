using TransferKit.NN;
using TransferKit.Text;

namespace TransferKit.Tests.Text;

[Trait("Category", "Unit")]
public sealed class EncodingBatchTests
{
    private static readonly TextEncoding Short = new([101, 7, 102], [0, 0, 0]);
    private static readonly TextEncoding Pair = new([101, 5, 6, 102, 9, 102], [0, 0, 0, 0, 1, 1]);

    [Fact]
    public void PadsToTheLongestWithMasksAndSegmentsAsInt64()
    {
        using var inputs = EncodingBatch.ToModelInputs([Short, Pair], padId: 0);
        Assert.Equal(new[] { ModelInputs.InputIds, ModelInputs.AttentionMask, ModelInputs.TokenTypeIds }, inputs.Keys);
        Assert.All(inputs.Values, t => Assert.Equal(ScalarType.Int64, t.Dtype));
        Assert.All(inputs.Values, t => Assert.Equal(new long[] { 2, 6 }, t.Shape));
        Assert.Equal(new long[] { 101, 7, 102, 0, 0, 0, 101, 5, 6, 102, 9, 102 }, inputs[ModelInputs.InputIds].ToArray<long>());
        Assert.Equal(new long[] { 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1 }, inputs[ModelInputs.AttentionMask].ToArray<long>());
        Assert.Equal(new long[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1 }, inputs[ModelInputs.TokenTypeIds].ToArray<long>());
    }

    [Fact]
    public void PadsToAGivenLengthWithThePadId()
    {
        using var inputs = EncodingBatch.ToModelInputs([Short], padId: 3, length: 5);
        Assert.Equal(new long[] { 101, 7, 102, 3, 3 }, inputs[ModelInputs.InputIds].ToArray<long>());
        Assert.Equal(new long[] { 1, 1, 1, 0, 0 }, inputs[ModelInputs.AttentionMask].ToArray<long>());
    }

    [Fact]
    public void RefusesAnEncodingLongerThanThePaddedLengthAndAnEmptyBatch()
    {
        Assert.Contains("truncate", Assert.Throws<ArgumentException>(() => EncodingBatch.ToModelInputs([Pair], 0, length: 4)).Message);
        Assert.Throws<ArgumentException>(() => EncodingBatch.ToModelInputs([], 0));
        Assert.Throws<ArgumentException>(() => new TextEncoding([1, 2], [0]));
    }
}
