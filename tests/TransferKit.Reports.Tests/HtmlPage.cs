using System.Text.RegularExpressions;
using SkiaSharp;

namespace TransferKit.Reports.Tests;

/// <summary>Reads what the tests check in a report page: sections, embedded images, links.</summary>
internal static partial class HtmlPage
{
    [GeneratedRegex("<section id=\"([a-z-]+)\">")]
    private static partial Regex SectionRegex();

    [GeneratedRegex("<img[^>]*\\ssrc=\"([^\"]*)\"")]
    private static partial Regex ImageRegex();

    [GeneratedRegex("\\s(?:src|href)=\"([^\"]*)\"")]
    private static partial Regex LinkRegex();

    public static IReadOnlyList<string> SectionIds(string html) => SectionRegex().Matches(html).Select(m => m.Groups[1].Value).ToArray();

    public static IReadOnlyList<string> Links(string html) => LinkRegex().Matches(html).Select(m => m.Groups[1].Value).ToArray();

    /// <summary>The section's inner HTML.</summary>
    public static string Section(string html, string id)
    {
        int start = html.IndexOf($"<section id=\"{id}\">", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section {id}");
        int end = html.IndexOf("</section>", start, StringComparison.Ordinal);
        return html[start..end];
    }

    /// <summary>Every embedded image, decoded (fails on a src that is not a base64 PNG data URI).</summary>
    public static IReadOnlyList<SKBitmap> Images(string html) => ImageRegex().Matches(html).Select(m =>
    {
        const string prefix = "data:image/png;base64,";
        string src = m.Groups[1].Value;
        Assert.StartsWith(prefix, src);
        byte[] bytes = Convert.FromBase64String(src[prefix.Length..]);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        var bitmap = SKBitmap.Decode(bytes);
        Assert.NotNull(bitmap);
        return bitmap;
    }).ToArray();
}
