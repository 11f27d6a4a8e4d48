using System.Text;

namespace TransferKit.Data;

/// <summary>One row of a delimited text file: the line it starts on (from 1) and its fields.</summary>
/// <param name="Line">The line the row starts on.</param>
/// <param name="Fields">The fields, unquoted.</param>
internal readonly record struct DelimitedRow(int Line, string[] Fields)
{
    /// <summary>True for an empty line.</summary>
    public bool IsBlank => Fields.Length == 1 && Fields[0].Length == 0;
}

/// <summary>
/// Reads CSV and tab-separated files into rows of fields: UTF-8 (a BOM is skipped), <c>\n</c>,
/// <c>\r\n</c> or <c>\r</c> line ends; with quoting, a field that starts with a double quote may hold
/// separators, line breaks and doubled quotes. Errors are <see cref="DataFormatException"/>s naming the file.
/// </summary>
internal static class DelimitedText
{
    /// <summary>The file's rows, blank lines included (see <see cref="DelimitedRow.IsBlank"/>).</summary>
    /// <exception cref="DataFormatException">The file is not UTF-8 text, or a quoted field is never closed.</exception>
    public static List<DelimitedRow> ReadRows(string path, char separator, bool quoting, string kindOfFile = "CSV file")
    {
        string text;
        try
        {
            text = File.ReadAllText(path, new UTF8Encoding(false, throwOnInvalidBytes: true));
        }
        catch (DecoderFallbackException e)
        {
            throw new DataFormatException($"{kindOfFile} '{path}' is not valid UTF-8 text.", path, DataErrorKind.Corrupt, e, "not valid UTF-8 text");
        }
        if (text.IndexOf('\0') >= 0) throw Error(path, kindOfFile, "it contains NUL bytes: not a text file", DataErrorKind.Corrupt);
        var (rows, unclosed) = Split(text, separator, quoting);
        if (unclosed is { } line) throw Error(path, kindOfFile, $"a quoted field opened on line {line} is never closed", DataErrorKind.Truncated);
        return rows;
    }

    /// <summary>The position of the header field <paramref name="name"/> (case-insensitive, trimmed).</summary>
    /// <exception cref="DataFormatException">No such column; the message lists the columns.</exception>
    public static int Column(string path, string kindOfFile, string[] header, string name)
    {
        int column = Array.FindIndex(header, h => string.Equals(h.Trim(), name, StringComparison.OrdinalIgnoreCase));
        return column >= 0 ? column
            : throw Error(path, kindOfFile, $"the header has no '{name}' column (columns: {string.Join(", ", header)})", DataErrorKind.Corrupt);
    }

    /// <summary>A <see cref="DataFormatException"/> whose message names the file.</summary>
    public static DataFormatException Error(string path, string kindOfFile, string reason, DataErrorKind kind) =>
        new($"{kindOfFile} '{path}': {reason}.", path, kind, reason: reason);

    /// <summary>The rows of <paramref name="text"/>, and the line of a quoted field never closed (else null).</summary>
    private static (List<DelimitedRow> Rows, int? UnclosedQuoteLine) Split(string text, char separator, bool quoting)
    {
        var rows = new List<DelimitedRow>();
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        int line = 1, rowLine = 1;
        for (int k = 0; k < text.Length; k++)
        {
            char c = text[k];
            if (quoted)
            {
                if (c == '"' && k + 1 < text.Length && text[k + 1] == '"') { field.Append('"'); k++; }
                else if (c == '"') quoted = false;
                else { if (c == '\n') line++; field.Append(c); }
                continue;
            }
            if (quoting && c == '"' && field.Length == 0) quoted = true;
            else if (c == separator) { fields.Add(field.ToString()); field.Clear(); }
            else if (c == '\n' || c == '\r')
            {
                if (c == '\r' && k + 1 < text.Length && text[k + 1] == '\n') k++;
                fields.Add(field.ToString());
                field.Clear();
                rows.Add(new DelimitedRow(rowLine, fields.ToArray()));
                fields.Clear();
                rowLine = ++line;
            }
            else field.Append(c);
        }
        if (quoted) return (rows, rowLine);
        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            rows.Add(new DelimitedRow(rowLine, fields.ToArray()));
        }
        return (rows, null);
    }
}
