namespace TransferKit.Data;

/// <summary>
/// A CSV file with a header row that lists files and their labels (an integer index or a class
/// name), as image and audio datasets read it. The whole file is validated at once: a missing
/// column, a malformed row, an empty file name, a missing file or an unknown label raises
/// <see cref="DataFormatException"/> naming the CSV file and the line.
/// </summary>
internal static class LabelledFileCsv
{
    /// <summary>
    /// Reads <paramref name="csvPath"/>: full file paths (relative ones resolved against
    /// <paramref name="folder"/>), their labels and the classes. <paramref name="fileNoun"/> names
    /// the files in messages ("image", "audio").
    /// </summary>
    public static (string[] Paths, long[] Labels, IReadOnlyList<string> Classes) Read(string csvPath, string folder, string fileColumn,
        string labelColumn, char separator, IReadOnlyList<string>? classes, string fileNoun)
    {
        const string Kind = "CSV file";
        DataFormatException Error(string reason) => DelimitedText.Error(csvPath, Kind, reason, DataErrorKind.Corrupt);
        if (!File.Exists(csvPath)) throw new FileNotFoundException($"CSV file '{csvPath}' does not exist.", csvPath);
        var rows = DelimitedText.ReadRows(csvPath, separator, quoting: true);
        if (rows.Count == 0) throw Error("the file is empty: a header row is required");
        var header = rows[0].Fields;
        int fileIndex = DelimitedText.Column(csvPath, Kind, header, fileColumn);
        int labelIndex = DelimitedText.Column(csvPath, Kind, header, labelColumn);

        var rawLabels = new List<string>();
        var lines = new List<int>();
        var paths = new List<string>();
        foreach (var row in rows.Skip(1))
        {
            if (row.IsBlank) continue;
            var (line, fields) = row;
            if (fields.Length != header.Length)
                throw Error($"line {line} has {fields.Length} fields but the header has {header.Length}");
            string file = fields[fileIndex].Trim();
            if (file.Length == 0) throw Error($"line {line} has an empty '{fileColumn}' value");
            string full = Path.IsPathRooted(file) ? file : Path.Combine(folder, file);
            if (!File.Exists(full)) throw Error($"line {line}: {fileNoun} file '{full}' does not exist");
            paths.Add(full);
            rawLabels.Add(fields[labelIndex].Trim());
            lines.Add(line);
        }
        var (resolved, labels) = ClassLabels.Resolve(rawLabels, lines, classes, Error);
        return (paths.ToArray(), labels, resolved);
    }
}
