using System.Text;
using TransferKit.Data;
using TransferKit.Tests.Data;
using TransferKit.Text;

namespace TransferKit.Tests.Text;

[Trait("Category", "Unit")]
public sealed class TextClassificationDatasetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tk-textdata-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    [Fact]
    public void ATabSeparatedFileKeepsQuotesAsTextAndInfersIntegerClasses()
    {
        var data = TextClassificationDataset.Load(Write("a.tsv", "Wow... Loved it.\t1\r\n\"Tinny\", it said.\t0\n\nIt felt \"light\".\t1\n"));
        Assert.Equal(new[] { "Wow... Loved it.", "\"Tinny\", it said.", "It felt \"light\"." }, data.Texts);
        Assert.Equal(new long[] { 1, 0, 1 }, data.Labels);
        Assert.Equal(new[] { "0", "1" }, data.Classes);
        Assert.Equal(new TextSample("\"Tinny\", it said.", 0), data.Get(1));
    }

    [Fact]
    public void ACsvFileWithAHeaderHasQuotedFieldsAndNamedLabels()
    {
        string csv = "label,text\nneg,\"Slow, cold, \"\"meh\"\".\"\npos,\"Two\nlines\"\npos,Great\n";
        var data = TextClassificationDataset.Load(Write("a.csv", csv), new TextDatasetOptions { Separator = ',', HasHeader = true });
        Assert.Equal(new[] { "Slow, cold, \"meh\".", "Two\nlines", "Great" }, data.Texts);
        Assert.Equal(new[] { "neg", "pos" }, data.Classes);
        Assert.Equal(new long[] { 0, 1, 1 }, data.Labels);
    }

    [Fact]
    public void GivenClassesAcceptNamesOrIndicesAndCanSkipOtherLabels()
    {
        string path = Write("c.tsv", "a\tpos\nb\t0\nc\t2\nd\tneg\n");
        var e = Assert.Throws<DataFormatException>(() => TextClassificationDataset.Load(path, new TextDatasetOptions { Classes = ["neg", "pos"] }));
        Assert.Contains("line 3 has label '2'", e.Message);
        Assert.Contains(path, e.Message);
        var data = TextClassificationDataset.Load(path, new TextDatasetOptions { Classes = ["neg", "pos"], SkipUnknownLabels = true });
        Assert.Equal(new[] { "a", "b", "d" }, data.Texts);
        Assert.Equal(new long[] { 1, 0, 0 }, data.Labels);
        Assert.Equal(1, data.SkippedRows);
    }

    [Theory]
    [InlineData("ok\t1\nbad\t1\textra\n", "line 2 has 3 fields but line 1 has 2")]
    [InlineData("ok\t1\nno label\t \n", "line 2 has an empty label")]
    [InlineData("one field only\n", "line 1 has 1 field(s)")]
    [InlineData("a,1\nb,0\n", "is it a CSV file?")]
    [InlineData("ok\t1\nnul\0\t0\n", "NUL bytes")]
    [InlineData("", "no data rows")]
    public void MalformedTabSeparatedFilesNameTheFileAndTheLine(string content, string expected)
    {
        string path = Write("bad.tsv", content);
        var e = Assert.Throws<DataFormatException>(() => TextClassificationDataset.Load(path));
        Assert.Contains(expected, e.Message);
        Assert.Contains(path, e.Message);
        Assert.Equal(path, e.FileName);
    }

    [Theory]
    [InlineData("text,label\n\"never closed,1\n", "quoted field opened on line 2 is never closed")]
    [InlineData("words,label\nx,1\n", "no 'text' column (columns: words, label)")]
    [InlineData("text,label\n", "no data rows")]
    public void MalformedCsvFilesNameTheFileAndTheLine(string content, string expected)
    {
        string path = Write("bad.csv", content);
        var e = Assert.Throws<DataFormatException>(() => TextClassificationDataset.Load(path, new TextDatasetOptions { Separator = ',', HasHeader = true }));
        Assert.Contains(expected, e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void TextThatIsNotUtf8AndMissingFilesAreReported()
    {
        string path = Path.Combine(_dir, "latin1.tsv");
        File.WriteAllBytes(path, [0x63, 0x61, 0x66, 0xE9, 0x09, 0x31, 0x0A]);
        Assert.Contains("not valid UTF-8", Assert.Throws<DataFormatException>(() => TextClassificationDataset.Load(path)).Message);
        Assert.Throws<FileNotFoundException>(() => TextClassificationDataset.Load(Path.Combine(_dir, "missing.tsv")));
    }

    [Fact]
    public void InvalidOptionsAreListedTogether()
    {
        var e = Assert.Throws<ArgumentException>(() => new TextDatasetOptions { Separator = '"', LabelColumnIndex = 0, SkipUnknownLabels = true }.Validate());
        Assert.Contains("Separator", e.Message);
        Assert.Contains("TextColumnIndex and LabelColumnIndex", e.Message);
        Assert.Contains("SkipUnknownLabels needs Classes", e.Message);
    }

    [Fact]
    public void ASeededStratifiedSplitKeepsClassProportionsAndCoversEverySampleOnce()
    {
        var texts = Enumerable.Range(0, 100).Select(k => $"text {k}").ToArray();
        var labels = Enumerable.Range(0, 100).Select(k => k < 70 ? 0L : 1L).ToArray();
        var data = new TextClassificationDataset(texts, labels, ["a", "b"]);
        var (train, validation) = data.Split(0.2, seed: 7);
        Assert.Equal(80, train.Count);
        Assert.Equal(14, validation.Labels.Count(l => l == 0));
        Assert.Equal(6, validation.Labels.Count(l => l == 1));
        Assert.Equal(texts.OrderBy(t => t), train.Texts.Concat(validation.Texts).OrderBy(t => t));
        Assert.Equal(validation.Texts, data.Split(0.2, seed: 7).Validation.Texts);
        Assert.NotEqual(validation.Texts, data.Split(0.2, seed: 8).Validation.Texts);
        Assert.Equal(25, data.Split(0.25, seed: 1, stratified: false).Validation.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(1.0, seed: 1));
    }

    [Fact]
    public void InMemoryDatasetsCheckTheirLabels()
    {
        Assert.Throws<ArgumentException>(() => new TextClassificationDataset(["a"], [2], ["x", "y"]));
        Assert.Throws<ArgumentException>(() => new TextClassificationDataset(["a", "b"], [0], ["x"]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TextClassificationDataset(["a"], [0], ["x"]).Get(1));
    }

    [Fact]
    public void DamagedFilesLoadOrGiveADataFormatExceptionNamingTheFileNeverAnotherError()
    {
        byte[] tsv = Encoding.UTF8.GetBytes("Great \"food\".\t1\nCold soup, slow.\t0\nCafé ok\t1\n");
        byte[] csv = Encoding.UTF8.GetBytes("text,label\n\"Great, really\",pos\n\"He said \"\"no\"\"\",neg\nfine,pos\n");
        const string alphabet = "\t,\"\n\r0129a\u00e9\0\u00ff"; // separators, quotes, line ends, digits, Latin-1 bytes (invalid UTF-8 alone), NUL
        var random = new Random(2015);
        for (int trial = 0; trial < 400; trial++)
        {
            bool isCsv = trial % 2 == 1;
            byte[] bytes = (byte[])(isCsv ? csv : tsv).Clone();
            for (int k = random.Next(1, 6); k > 0; k--)
                bytes[random.Next(bytes.Length)] = (byte)alphabet[random.Next(alphabet.Length)];
            if (random.Next(4) == 0) bytes = bytes[..random.Next(bytes.Length)];
            string path = Write(isCsv ? "fuzz.csv" : "fuzz.tsv", "");
            File.WriteAllBytes(path, bytes);
            var options = isCsv ? new TextDatasetOptions { Separator = ',', HasHeader = true } : new TextDatasetOptions();
            try
            {
                var data = TextClassificationDataset.Load(path, options);
                Assert.All(data.Labels, l => Assert.InRange(l, 0, data.Classes.Count - 1));
            }
            catch (DataFormatException e)
            {
                Assert.Contains(path, e.Message);
            }
        }
    }
}

[Trait("Category", "Integration")]
public sealed class SentimentDataTests
{
    [SharedDataFact("sentiment")]
    public void TheYelpSentencesAreFiveHundredPositiveAndFiveHundredNegative()
    {
        var yelp = TextClassificationDataset.Load(Path.Combine(TestEnvironment.Sentiment, "yelp_labelled.txt"));
        Assert.Equal(1000, yelp.Count);
        Assert.Equal(new[] { "0", "1" }, yelp.Classes);
        Assert.Equal(500, yelp.Labels.Count(l => l == 1));
        Assert.Equal(new TextSample("Wow... Loved this place.", 1), yelp.Get(0));
    }

    [SharedDataFact("sentiment")]
    public void TheAmazonFilesRowsLabelledOutsideZeroAndOneCanBeSkipped()
    {
        string path = Path.Combine(TestEnvironment.Sentiment, "amazon_cells_labelled.txt");
        Assert.Equal(new[] { "0", "1", "2" }, TextClassificationDataset.Load(path).Classes);
        var amazon = TextClassificationDataset.Load(path, new TextDatasetOptions { Classes = ["0", "1"], SkipUnknownLabels = true });
        Assert.Equal(25, amazon.SkippedRows);
        Assert.Equal(969, amazon.Count);
    }
}
