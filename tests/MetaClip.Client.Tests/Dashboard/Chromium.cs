using Microsoft.Playwright;

namespace MetaClip.Client.Tests.Dashboard;

/// <summary>
/// Debian's chromium (apt-get install chromium), driven headless by Playwright (its driver ships in the package; no
/// browser is downloaded): METACLIP_CHROMIUM names another executable. Absent, a test skips, except in CI (CI=true),
/// where that is a failure.
/// </summary>
internal static class Chromium
{
    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

    /// <summary>The browser's executable; skips the calling test when there is none (fails in CI).</summary>
    public static string Require()
    {
        string? configured = Environment.GetEnvironmentVariable("METACLIP_CHROMIUM");
        string? path = !string.IsNullOrEmpty(configured) ? configured : Candidates.FirstOrDefault(File.Exists);
        if (path is not null && File.Exists(path))
        {
            return path;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException("CI=true but no chromium was found (apt-get install chromium, or set METACLIP_CHROMIUM)");
        }

        Skip.If(true, "no chromium here (apt-get install chromium, or set METACLIP_CHROMIUM): the browser tests are skipped");
        return string.Empty;
    }

    /// <summary>Starts Playwright and a headless chromium.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        string executable = Require();
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = executable,
                Headless = true,

                // Root in a container has no user namespaces for chromium's sandbox.
                Args = ["--no-sandbox", "--disable-dev-shm-usage"],
            });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>Where screenshots go: METACLIP_SCREENSHOTS (docs/images to refresh the README's), else .artifacts/screenshots.</summary>
    public static string ScreenshotFolder()
    {
        string folder = Environment.GetEnvironmentVariable("METACLIP_SCREENSHOTS") is { Length: > 0 } configured
            ? System.IO.Path.GetFullPath(configured, Repository.Root)
            : Repository.Path(".artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
