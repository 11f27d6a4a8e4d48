using System.Globalization;
using TransferKit.Data;
using TransferKit.Engine;

namespace TransferKit.Audio;

/// <summary>
/// One labelled clip. <see cref="Waveform"/> (float32 [channels, frames]) is a new tensor owned by
/// whoever got the sample; <see cref="Dispose"/> frees it.
/// </summary>
/// <param name="Waveform">The samples, float32 [channels, frames] in [-1, 1].</param>
/// <param name="SampleRate">Samples per second (Hz).</param>
/// <param name="Label">The class index.</param>
public sealed record AudioSample(Tensor Waveform, int SampleRate, long Label) : IDisposable
{
    /// <summary>Frees <see cref="Waveform"/>.</summary>
    public void Dispose() => Waveform.Dispose();
}

/// <summary>A labelled audio dataset for classification: clips and class indices into <see cref="Classes"/>.</summary>
public interface IAudioDataset : IDataset<AudioSample>
{
    /// <summary>Class names; label <c>k</c> is <c>Classes[k]</c>.</summary>
    IReadOnlyList<string> Classes { get; }

    /// <summary>The label of sample <paramref name="index"/>, without decoding it.</summary>
    long GetLabel(int index);
}

/// <summary>
/// WAV files with known labels, decoded on demand by <see cref="WavReader"/> (safe to call from
/// several threads). Build one from a folder of class subfolders with <see cref="FromFolder"/>,
/// from the spoken-digits layout with <see cref="SpokenDigits"/>, or from any list of files.
/// </summary>
public sealed class AudioFileDataset : IAudioDataset
{
    private readonly string[] _files;
    private readonly long[] _labels;
    private readonly string[] _classes;

    /// <summary>A dataset of <paramref name="files"/> labelled <paramref name="labels"/> (indices into <paramref name="classes"/>).</summary>
    /// <exception cref="ArgumentException">The lists differ in length or a label is out of range.</exception>
    public AudioFileDataset(IReadOnlyList<string> files, IReadOnlyList<long> labels, IReadOnlyList<string> classes)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classes);
        if (files.Count != labels.Count)
            throw new ArgumentException($"{files.Count} files but {labels.Count} labels.", nameof(labels));
        for (int i = 0; i < labels.Count; i++)
            if (labels[i] < 0 || labels[i] >= classes.Count)
                throw new ArgumentException($"Label {labels[i]} of '{files[i]}' is not a class index (there are {classes.Count} classes).", nameof(labels));
        _files = files.ToArray();
        _labels = labels.ToArray();
        _classes = classes.ToArray();
    }

    /// <summary>
    /// The <c>*.wav</c> files (any case) of each subfolder of <paramref name="root"/>, labelled by
    /// subfolder; classes are the subfolder names in ordinal order (as torchvision's
    /// <c>ImageFolder</c>), files in ordinal order within each class. Subfolders without WAV files are not classes.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="ArgumentException">No subfolder holds a WAV file.</exception>
    public static AudioFileDataset FromFolder(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"Audio folder '{root}' does not exist.");
        var files = new List<string>();
        var labels = new List<long>();
        var classes = new List<string>();
        foreach (var dir in Directory.GetDirectories(root).OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal))
        {
            var wavs = WavFiles(dir);
            if (wavs.Length == 0) continue;
            files.AddRange(wavs);
            labels.AddRange(Enumerable.Repeat((long)classes.Count, wavs.Length));
            classes.Add(Path.GetFileName(dir));
        }
        if (files.Count == 0)
            throw new ArgumentException($"No subfolder of '{root}' holds a .wav file (expected root/<class>/<clip>.wav).", nameof(root));
        return new AudioFileDataset(files, labels, classes);
    }

    /// <summary>
    /// The clips listed in a CSV file with a header row: one column names the WAV file (relative to
    /// <paramref name="audioFolder"/>, default the CSV's folder, or absolute), another its label (an
    /// integer index or a class name). Without <paramref name="classes"/>, integer labels 0..K-1
    /// are used as they are and text labels become classes in ordinal order.
    /// </summary>
    /// <exception cref="FileNotFoundException">The CSV file does not exist.</exception>
    /// <exception cref="DataFormatException">A missing column, a malformed row, a missing WAV file or an
    /// unknown label; the message names the CSV file and the line.</exception>
    public static AudioFileDataset FromCsv(string csvPath, string? audioFolder = null, string fileColumn = "file", string labelColumn = "label",
        char separator = ',', IReadOnlyList<string>? classes = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(csvPath);
        string csv = Path.GetFullPath(csvPath);
        string folder = Path.GetFullPath(audioFolder ?? Path.GetDirectoryName(csv)!);
        var (paths, labels, resolved) = LabelledFileCsv.Read(csv, folder, fileColumn, labelColumn, separator, classes, "audio");
        return new AudioFileDataset(paths, labels, resolved);
    }

    internal static string[] WavFiles(string dir) =>
        Directory.GetFiles(dir).Where(f => f.EndsWith(".wav", StringComparison.OrdinalIgnoreCase)).OrderBy(f => f, StringComparer.Ordinal).ToArray();

    /// <inheritdoc />
    public int Count => _files.Length;

    /// <inheritdoc />
    public IReadOnlyList<string> Classes => _classes;

    /// <summary>The files, in sample order.</summary>
    public IReadOnlyList<string> Files => _files;

    /// <inheritdoc />
    public long GetLabel(int index)
    {
        DatasetGuard.CheckIndex(index, Count);
        return _labels[index];
    }

    /// <summary>Decodes sample <paramref name="index"/>.</summary>
    /// <exception cref="DataFormatException">The file is damaged or unsupported (the message names it).</exception>
    public AudioSample Get(int index)
    {
        DatasetGuard.CheckIndex(index, Count);
        var clip = WavReader.Read(_files[index]);
        return new AudioSample(clip.Samples, clip.SampleRate, _labels[index]);
    }

    /// <summary>The samples at <paramref name="indices"/>, as a new dataset over the same files.</summary>
    public AudioFileDataset Subset(IEnumerable<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var idx = indices.ToArray();
        foreach (int i in idx) DatasetGuard.CheckIndex(i, Count);
        return new AudioFileDataset(idx.Select(i => _files[i]).ToArray(), idx.Select(i => _labels[i]).ToArray(), _classes);
    }
}

/// <summary>One recording of the spoken-digits layout, from its name <c>{digit}_{speaker}_{index}.wav</c>.</summary>
/// <param name="Digit">The digit spoken (0-9), which is the label.</param>
/// <param name="Speaker">Who spoke it.</param>
/// <param name="Index">The take number.</param>
public sealed record SpokenDigitName(int Digit, string Speaker, int Index)
{
    /// <summary>Parses a file name (a path is fine); null when it does not follow <c>{digit}_{speaker}_{index}.wav</c>.</summary>
    public static SpokenDigitName? TryParse(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        string name = Path.GetFileName(fileName);
        if (!name.EndsWith(".wav", StringComparison.OrdinalIgnoreCase)) return null;
        var parts = name[..^4].Split('_');
        if (parts.Length != 3 || parts[1].Length == 0) return null;
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int digit) || digit > 9 || parts[0].Length != 1) return null;
        if (!int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int index)) return null;
        return new SpokenDigitName(digit, parts[1], index);
    }
}

/// <summary>
/// The spoken-digits layout of the Free Spoken Digit Dataset (Jackson et al., CC BY-SA 4.0): one
/// folder of 8 kHz mono recordings named <c>{digit}_{speaker}_{index}.wav</c>. Labels are the
/// digits (classes "0" … "9"); <see cref="SplitBySpeaker"/> holds out whole speakers, so that a
/// test measures recognition of a new voice.
/// </summary>
public static class SpokenDigits
{
    /// <summary>The class names "0" … "9" (label k is digit k).</summary>
    public static IReadOnlyList<string> Classes { get; } = Enumerable.Range(0, 10).Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The recordings of <paramref name="root"/> and their parsed names, in ordinal file order.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="DataFormatException">A .wav file's name does not follow the layout (the message names it).</exception>
    public static IReadOnlyList<(string Path, SpokenDigitName Name)> Scan(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"Spoken-digits folder '{root}' does not exist.");
        return AudioFileDataset.WavFiles(root).Select(f => (f, SpokenDigitName.TryParse(f) ?? throw new DataFormatException(
            $"'{f}' does not follow the spoken-digits naming {{digit}}_{{speaker}}_{{index}}.wav", f, DataErrorKind.Corrupt,
            reason: "the name does not follow {digit}_{speaker}_{index}.wav"))).ToArray();
    }

    /// <summary>The speakers of <paramref name="root"/>, in ordinal order.</summary>
    public static IReadOnlyList<string> Speakers(string root) =>
        Scan(root).Select(r => r.Name.Speaker).Distinct().OrderBy(s => s, StringComparer.Ordinal).ToArray();

    /// <summary>The recordings of <paramref name="root"/> whose speaker passes <paramref name="speakerFilter"/> (all when null).</summary>
    /// <exception cref="ArgumentException">No recording is left.</exception>
    public static AudioFileDataset Load(string root, Func<string, bool>? speakerFilter = null)
    {
        var rows = Scan(root).Where(r => speakerFilter?.Invoke(r.Name.Speaker) ?? true).ToArray();
        if (rows.Length == 0) throw new ArgumentException($"No recording of '{root}' is left (speakers: {string.Join(", ", Speakers(root))}).", nameof(speakerFilter));
        return new AudioFileDataset(rows.Select(r => r.Path).ToArray(), rows.Select(r => (long)r.Name.Digit).ToArray(), Classes);
    }

    /// <summary>Training set: every speaker but <paramref name="testSpeaker"/>; test set: <paramref name="testSpeaker"/> alone.</summary>
    /// <exception cref="ArgumentException">The speaker is not in the folder (the message lists those present).</exception>
    public static (AudioFileDataset Train, AudioFileDataset Test) SplitBySpeaker(string root, string testSpeaker)
    {
        ArgumentException.ThrowIfNullOrEmpty(testSpeaker);
        var speakers = Speakers(root);
        if (!speakers.Contains(testSpeaker))
            throw new ArgumentException($"Speaker '{testSpeaker}' has no recording in '{root}' (speakers: {string.Join(", ", speakers)}).", nameof(testSpeaker));
        if (speakers.Count < 2)
            throw new ArgumentException($"'{root}' has only speaker '{testSpeaker}'; a speaker split needs two.", nameof(testSpeaker));
        return (Load(root, s => s != testSpeaker), Load(root, s => s == testSpeaker));
    }
}
