using System.Text.RegularExpressions;
using SkiaSharp;

namespace TransferKit.Reports.Tests;

/// <summary>Opens a real report in headless Chromium, offline, as a person would.</summary>
[Trait("Category", "Integration")]
public partial class HeadlessRenderTests
{
    /// <summary>Counts, once the page has loaded, the images that decoded (complete, with a width) and all images.</summary>
    private const string ImageProbe = """
        <script>window.addEventListener('load', () => {
          const images = Array.from(document.images);
          const loaded = images.filter(i => i.complete && i.naturalWidth > 0).length;
          document.documentElement.setAttribute('data-images', loaded + '/' + images.length);
        });</script>
        """;

    [GeneratedRegex("data-images=\"(\\d+)/(\\d+)\"")]
    private static partial Regex ImageCount();

    [ChromiumFact]
    public void EveryImageOfAReportLoadsInHeadlessChromiumOffline()
    {
        using var folder = new ReportTraining.TempFolder();
        var report = ReportTraining.TrainedReport(folder.File("report.html"), samples: 6, topLosses: 4, evaluated: 24);
        string html = File.ReadAllText(report.Path);
        int expected = HtmlPage.Images(html).Count;
        Assert.Equal(3 + 1 + 6 + 4, expected);

        // The same page with a probe script (the report itself has no script).
        string probe = folder.File("probe.html");
        File.WriteAllText(probe, html.Replace("</body>", ImageProbe + "</body>", StringComparison.Ordinal));
        string dom = Chromium.Run(probe, "--virtual-time-budget=10000", "--dump-dom");
        var count = ImageCount().Match(dom);
        Assert.True(count.Success, "the probe did not run; Chromium printed:\n" + dom[..Math.Min(dom.Length, 2000)]);
        Assert.Equal((expected, expected), (int.Parse(count.Groups[1].Value), int.Parse(count.Groups[2].Value)));
    }

    [ChromiumFact]
    public void AScreenshotOfAReportShowsItsPlots()
    {
        using var folder = new ReportTraining.TempFolder();
        var report = new HtmlReportCallback(folder.File("report.html"));
        ReportTraining.Train(report, epochs: 2);
        string shot = folder.File("shot.png");
        Chromium.Run(report.Path, "--screenshot=" + shot, "--window-size=1000,2400");

        using var bitmap = SKBitmap.Decode(shot);
        Assert.NotNull(bitmap);
        Assert.Equal((1000, 2400), (bitmap.Width, bitmap.Height));
        // A page of text on white has few colours; the curves (blue, orange) and the confusion heat map (viridis) add saturated pixels.
        int saturated = 0;
        for (int y = 0; y < bitmap.Height; y += 2)
            for (int x = 0; x < bitmap.Width; x += 2)
            {
                var c = bitmap.GetPixel(x, y);
                if (Math.Max(c.Red, Math.Max(c.Green, c.Blue)) - Math.Min(c.Red, Math.Min(c.Green, c.Blue)) > 100) saturated++;
            }
        Assert.True(saturated > 2000, $"only {saturated} coloured pixels: the plots did not render");
    }
}
