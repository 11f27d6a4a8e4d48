using TransferKit.Audio;
using TransferKit.Data;

namespace TransferKit.Tests.Audio;

[Trait("Category", "Unit")]
public class AudioCsvTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"tk-audio-csv-{Guid.NewGuid():N}");

    public AudioCsvTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "clips"));
        File.WriteAllBytes(Path.Combine(_root, "clips", "a.wav"), WavBytes.Pcm16(1, 8000, 100, 200, 300));
        File.WriteAllBytes(Path.Combine(_root, "clips", "b c.wav"), WavBytes.Pcm16(2, 16000, 1, 2, 3, 4));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Csv(string text)
    {
        string path = Path.Combine(_root, $"labels-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void ClipsAreListedWithTheirLabelsRelativeToTheCsvFolder()
    {
        var ds = AudioFileDataset.FromCsv(Csv("file,label\nclips/a.wav,yes\n\"clips/b c.wav\",no\n"));
        Assert.Equal(new[] { "no", "yes" }, ds.Classes);
        Assert.Equal(new long[] { 1, 0 }, new[] { ds.GetLabel(0), ds.GetLabel(1) });
        using var clip = ds.Get(1);
        Assert.Equal((16000, 0L), (clip.SampleRate, clip.Label));
        Assert.Equal(new long[] { 2, 2 }, clip.Waveform.Shape);
    }

    [Fact]
    public void OtherColumnsSeparatorsFoldersAndGivenClassesAreHonoured()
    {
        string csv = Csv("label;path\n1;a.wav\n0;b c.wav\n");
        var ds = AudioFileDataset.FromCsv(csv, Path.Combine(_root, "clips"), fileColumn: "path", separator: ';', classes: new[] { "silence", "speech" });
        Assert.Equal(new[] { "silence", "speech" }, ds.Classes);
        Assert.Equal(new long[] { 1, 0 }, new[] { ds.GetLabel(0), ds.GetLabel(1) });
    }

    [Theory]
    [InlineData("file,label\nclips/missing.wav,yes\n", "line 2: audio file")]
    [InlineData("name,label\nclips/a.wav,yes\n", "no 'file' column")]
    [InlineData("file,label\nclips/a.wav\n", "line 2 has 1 fields")]
    [InlineData("file,label\n,yes\n", "line 2 has an empty 'file' value")]
    [InlineData("", "the file is empty")]
    public void ABadCsvNamesTheFileAndWhatIsWrong(string text, string expected)
    {
        string csv = Csv(text);
        var e = Assert.Throws<DataFormatException>(() => AudioFileDataset.FromCsv(csv));
        Assert.Contains(csv, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void AMissingCsvFileIsNamed()
    {
        string missing = Path.Combine(_root, "nope.csv");
        var e = Assert.Throws<FileNotFoundException>(() => AudioFileDataset.FromCsv(missing));
        Assert.Contains(missing, e.Message);
    }
}
