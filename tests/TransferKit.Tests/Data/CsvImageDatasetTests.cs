using TransferKit.Data;

namespace TransferKit.Tests.Data;

[Trait("Category", "Integration")]
public sealed class CsvImageDatasetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tk-csv-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Image(string relative)
    {
        string path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string source = Directory.GetFiles(Path.Combine(TestEnvironment.Hymenoptera, "train", "ants"), "*.jpg").OrderBy(f => f, StringComparer.Ordinal).First();
        File.Copy(source, path, overwrite: true);
        return path;
    }

    private string Csv(string text, string name = "labels.csv")
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [SharedDataFact("hymenoptera_data")]
    public void ReadsPathsAndClassNameLabelsWithQuotesAndSpaces()
    {
        Image("imgs/a 1.jpg");
        Image("imgs/b,2.jpg");
        Image("imgs/c.jpg");
        var csv = Csv("id,image,label\n1,imgs/a 1.jpg,truck\n2,\"imgs/b,2.jpg\",ambulance\r\n3,imgs/c.jpg,truck\n\n");
        var dataset = new CsvImageDataset(csv);
        Assert.Equal(3, dataset.Count);
        Assert.Equal(new[] { "ambulance", "truck" }, dataset.Classes);
        Assert.Equal(new long[] { 1, 0, 1 }, Enumerable.Range(0, 3).Select(dataset.GetLabel));
        Assert.EndsWith("b,2.jpg", dataset.PathOf(1));
        using var sample = dataset.Get(0);
        Assert.Equal(3, sample.Image.Shape[2]);
        Assert.Equal(1, sample.Label);
    }

    [SharedDataFact("hymenoptera_data")]
    public void IntegerLabelsAndCustomColumns()
    {
        Image("x.jpg");
        Image("y.jpg");
        var csv = Csv("image_names;emergency_or_not\nx.jpg;1\ny.jpg;0\n");
        var dataset = new CsvImageDataset(csv, options: new CsvImageDatasetOptions { ImageColumn = "image_names", LabelColumn = "emergency_or_not", Separator = ';' });
        Assert.Equal(new[] { "0", "1" }, dataset.Classes);
        Assert.Equal(1, dataset.GetLabel(0));
        var named = new CsvImageDataset(csv, options: new CsvImageDatasetOptions { ImageColumn = "image_names", LabelColumn = "emergency_or_not", Separator = ';', Classes = new[] { "non-emergency", "emergency" } });
        Assert.Equal("emergency", named.Classes[(int)named.GetLabel(0)]);
    }

    [SharedDataTheory("hymenoptera_data")]
    [InlineData("image,label\nmissing.jpg,0\n", "line 2: image file", "missing.jpg")]
    [InlineData("picture,label\nx.jpg,0\n", "no 'image' column", "picture")]
    [InlineData("image,label\nx.jpg,0,extra\n", "line 2 has 3 fields but the header has 2", "")]
    [InlineData("image,label\n\"x.jpg,0\n", "never closed", "")]
    [InlineData("image,label\n,0\n", "empty 'image' value", "")]
    [InlineData("", "the file is empty", "")]
    public void BadFilesRaiseADataFormatExceptionNamingTheFileAndTheLine(string text, string expected, string alsoExpected)
    {
        Image("x.jpg");
        var csv = Csv(text);
        var e = Assert.Throws<DataFormatException>(() => new CsvImageDataset(csv));
        Assert.Contains(csv, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Contains(alsoExpected, e.Message);
        Assert.Equal(csv, e.FileName);
    }

    [SharedDataFact("hymenoptera_data")]
    public void AnUnknownClassNameIsReported()
    {
        Image("x.jpg");
        var csv = Csv("image,label\nx.jpg,boat\n");
        var e = Assert.Throws<DataFormatException>(() => new CsvImageDataset(csv, options: new CsvImageDatasetOptions { Classes = new[] { "car", "bus" } }));
        Assert.Contains("label 'boat', which is not one of the 2 classes (car, bus)", e.Message);
    }

    [SharedDataFact("hymenoptera_data")]
    public void TwoHundredMutatedCsvFilesLoadOrRaiseADataFormatExceptionNamingTheFile()
    {
        Image("a.jpg");
        Image("b.jpg");
        byte[] original = System.Text.Encoding.UTF8.GetBytes("image,label\na.jpg,cat\nb.jpg,dog\n\"a.jpg\",dog\n");
        var random = new Random(11);
        int loaded = 0, rejected = 0;
        for (int k = 0; k < 200; k++)
        {
            byte[] bytes = (byte[])original.Clone();
            switch (k % 4)
            {
                case 0: bytes = bytes[..random.Next(bytes.Length)]; break;
                case 1: for (int f = 0; f < 3; f++) bytes[random.Next(bytes.Length)] = (byte)random.Next(256); break;
                case 2: bytes[random.Next(bytes.Length)] = (byte)",\"\n;\0"[random.Next(5)]; break;
                default: bytes = bytes.Concat(Enumerable.Range(0, 20).Select(_ => (byte)random.Next(256))).ToArray(); break;
            }
            string path = Path.Combine(_dir, $"mutant-{k}.csv");
            File.WriteAllBytes(path, bytes);
            try
            {
                var dataset = new CsvImageDataset(path);
                Assert.All(Enumerable.Range(0, dataset.Count), i => Assert.InRange(dataset.GetLabel(i), 0, dataset.Classes.Count - 1));
                loaded++;
            }
            catch (DataFormatException e)
            {
                Assert.Contains(path, e.Message);
                rejected++;
            }
        }
        Assert.True(rejected > 100, $"only {rejected} of 200 mutants were rejected ({loaded} loaded)");
    }
}
