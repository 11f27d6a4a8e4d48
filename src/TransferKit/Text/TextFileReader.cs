using TransferKit.Data;

namespace TransferKit.Text;

/// <summary>Reads and validates a file of texts and labels for <see cref="TextClassificationDataset.Load"/>.</summary>
internal static class TextFileReader
{
    private const string KindOfFile = "Text data file";

    public static TextClassificationDataset Read(string path, TextDatasetOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        options.Validate();
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath)) throw new FileNotFoundException($"{KindOfFile} '{fullPath}' does not exist.", fullPath);
        DataFormatException Error(string reason) => DelimitedText.Error(fullPath, KindOfFile, reason, DataErrorKind.Corrupt);

        var rows = DelimitedText.ReadRows(fullPath, options.Separator, options.QuotingInEffect, KindOfFile).Where(r => !r.IsBlank).ToList();
        int textColumn = options.TextColumnIndex, labelColumn = options.LabelColumnIndex;
        if (options.HasHeader)
        {
            if (rows.Count == 0) throw Error("the file is empty: a header row was expected");
            textColumn = DelimitedText.Column(fullPath, KindOfFile, rows[0].Fields, options.TextColumn);
            labelColumn = DelimitedText.Column(fullPath, KindOfFile, rows[0].Fields, options.LabelColumn);
        }
        var data = options.HasHeader ? rows.Skip(1).ToList() : rows;
        if (data.Count == 0) throw Error("the file has no data rows");
        int width = rows[0].Fields.Length;
        if (!options.HasHeader && Math.Max(textColumn, labelColumn) >= width)
            throw Error($"line {rows[0].Line} has {width} field(s), fewer than the text and label columns ({textColumn} and {labelColumn}, from 0) need" +
                        (options.Separator == '\t' && rows[0].Fields[0].Contains(',') ? " (is it a CSV file? set Separator = ',')" : ""));

        var texts = new List<string>();
        var raw = new List<string>();
        var lines = new List<int>();
        foreach (var (line, fields) in data)
        {
            if (fields.Length != width)
                throw Error($"line {line} has {fields.Length} fields but line {rows[0].Line} has {width}" +
                            (options.QuotingInEffect ? "" : " (quoting is off: a separator inside a text splits it)"));
            string label = fields[labelColumn].Trim();
            if (label.Length == 0) throw Error($"line {line} has an empty label");
            texts.Add(fields[textColumn]);
            raw.Add(label);
            lines.Add(line);
        }
        int skipped = 0;
        if (options.SkipUnknownLabels)
        {
            var known = options.Classes!.Select((c, k) => (c, k)).ToDictionary(p => p.c, p => (long)p.k);
            var keep = Enumerable.Range(0, raw.Count).Where(k => ClassLabels.IndexOf(raw[k], known, known.Count) is not null).ToArray();
            skipped = raw.Count - keep.Length;
            texts = keep.Select(k => texts[k]).ToList();
            raw = keep.Select(k => raw[k]).ToList();
            lines = keep.Select(k => lines[k]).ToList();
        }
        var (classes, labels) = ClassLabels.Resolve(raw, lines, options.Classes, Error);
        if (classes.Count == 0) throw Error("no row has a label");
        return new TextClassificationDataset(texts, labels, classes) { SkippedRows = skipped };
    }
}
