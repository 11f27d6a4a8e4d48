using System.Diagnostics;

namespace TransferKit.Reports.Tests;

/// <summary>
/// Headless Chromium (Debian's <c>chromium</c>; <c>TRANSFERKIT_CHROMIUM</c> overrides the path),
/// run offline: every host name resolves to nothing, so a page that needed the network would show
/// missing images.
/// </summary>
internal static class Chromium
{
    public static string? Path { get; } = Find();

    /// <summary>Why Chromium cannot be used, or null.</summary>
    public static string? WhyUnavailable => Path is null
        ? "headless Chromium not found (bash scripts/setup.sh --browser installs Debian's chromium; TRANSFERKIT_CHROMIUM overrides the path)"
        : null;

    /// <summary>Runs Chromium on a file:// page with extra switches and returns its standard output.</summary>
    public static string Run(string page, params string[] switches)
    {
        string profile = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tk-chromium-" + Guid.NewGuid().ToString("N"));
        var info = new ProcessStartInfo(Path ?? throw new InvalidOperationException(WhyUnavailable))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string s in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars", "--no-proxy-server",
                     "--host-resolver-rules=MAP * ~NOTFOUND", "--user-data-dir=" + profile,
                 }.Concat(switches))
            info.ArgumentList.Add(s);
        info.ArgumentList.Add(new Uri(page).AbsoluteUri);
        try
        {
            using var process = Process.Start(info)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"Chromium did not finish within 3 minutes on {page}.");
            }
            Assert.True(process.ExitCode == 0, $"Chromium exited with {process.ExitCode}: {stderr.Result}");
            return stdout;
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("TRANSFERKIT_CHROMIUM") is { Length: > 0 } configured) return File.Exists(configured) ? configured : null;
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            foreach (string name in new[] { "chromium", "chromium-browser" })
            {
                string candidate = System.IO.Path.Combine(dir, name);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }
}

/// <summary>
/// A fact that needs headless Chromium; skipped with the reason where it is missing, except with
/// <c>TRANSFERKIT_REQUIRE_ALL=1</c> (scripts/test.sh, CI), where it runs and fails (the skip policy
/// of tests/TransferKit.Tests/Prerequisites.cs).
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute() =>
        Skip = Environment.GetEnvironmentVariable("TRANSFERKIT_REQUIRE_ALL") == "1" ? null : Chromium.WhyUnavailable;
}
