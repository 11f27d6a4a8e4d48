namespace TransferKit.Reports;

/// <summary>
/// One example as the report shows it: a PNG thumbnail (an image, a spectrogram as a heat map) or
/// a text (a sentence). Exactly one of <see cref="Png"/> and <see cref="Text"/> is set.
/// </summary>
public sealed record ReportExample
{
    private ReportExample(byte[]? png, string? text)
    {
        Png = png;
        Text = text;
    }

    /// <summary>The thumbnail as PNG bytes, or null for a text example.</summary>
    public byte[]? Png { get; }

    /// <summary>The text, or null for a picture.</summary>
    public string? Text { get; }

    /// <summary>An example shown as a picture.</summary>
    public static ReportExample FromPng(byte[] png)
    {
        ArgumentNullException.ThrowIfNull(png);
        if (png.Length < 8) throw new ArgumentException("Not a PNG image (shorter than its signature).", nameof(png));
        return new(png, null);
    }

    /// <summary>An example shown as text (the report HTML-escapes it).</summary>
    public static ReportExample FromText(string text) => new(null, text ?? throw new ArgumentNullException(nameof(text)));
}
