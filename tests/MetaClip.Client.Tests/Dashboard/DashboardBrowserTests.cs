using System.Globalization;
using System.Net;
using System.Text.Json;
using MetaClip.GrainInterfaces;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace MetaClip.Client.Tests.Dashboard;

/// <summary>
/// The job dashboard in a real browser (Debian's chromium, headless, through Playwright) on two silo processes with
/// HTTP keys, running a real curation job: the pages follow it live, survive the loss of the silo that served them,
/// end equal to the job's report.json, and act (cancel) only for an operator.
/// </summary>
public sealed class DashboardBrowserTests : IDisposable
{
    private const string ViewerKey = "viewer-key-0123456789abcdef";
    private const string OperatorKey = "operator-key-0123456789abcdef";

    private static readonly Dictionary<string, string> Keys = new()
    {
        ["METACLIP_HTTP_VIEWER_KEYS"] = ViewerKey,
        ["METACLIP_HTTP_OPERATOR_KEYS"] = OperatorKey,
    };

    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public async Task The_job_page_follows_a_real_job_live_through_the_loss_of_its_silo_and_ends_equal_to_the_report()
    {
        Chromium.Require();
        await using var silos = new SiloProcesses(2, AzuriteStorage.Require(), settings: Keys);
        await silos.StartAllAsync();
        string output = _dir.Combine("cluster");
        string[] job = RealJob(rows: 480_000, stride: 1);
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await LoginAsync(browser, Url(silos, 0), OperatorKey);
        string screenshots = Chromium.ScreenshotFolder();
        await page.WaitForSelectorAsync("#no-jobs");
        await MarkAsync(page);

        // The jobs list shows the job once submitted, by itself.
        string id = await SubmitAsync(silos, job, output);
        await page.WaitForSelectorAsync($"#jobs tr[data-job='{id}']");
        await AssertNotReloadedAsync(page);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "jobs.png"), FullPage = true });

        // The job page's shard count and per-language table advance by themselves (no reload).
        var navigation = await page.GotoAsync($"{Url(silos, 0)}/jobs/{id}");
        Assert.Equal(200, navigation!.Status);
        await page.WaitForSelectorAsync("#shards-matched");
        await MarkAsync(page);
        int firstShards = await ShardsMatchedAsync(page);
        long firstTexts = await TotalTextsAsync(page);
        await page.WaitForFunctionAsync(
            "([shards, texts]) => { const s = document.getElementById('shards-matched'); const t = document.querySelector('#languages tr.totals td:nth-child(2)');" +
            " return s && t && parseInt(s.textContent) > shards && parseInt(t.textContent.replace(/,/g, '')) > texts; }",
            new object[] { firstShards, firstTexts }, new PageWaitForFunctionOptions { Timeout = 120_000 });
        await AssertNotReloadedAsync(page);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "job-running.png"), FullPage = true });

        var silosPage = await page.Context.NewPageAsync();
        await silosPage.GotoAsync($"{Url(silos, 0)}/silos");
        await silosPage.WaitForFunctionAsync("() => document.querySelectorAll('#silos tbody tr').length === 2");
        Assert.Equal(2, await silosPage.Locator("#silos .badge.active").CountAsync());
        await silosPage.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "silos.png"), FullPage = true });
        await silosPage.CloseAsync();

        // Kill the silo that served the page: the page goes on from the other silo's URL, without a reload.
        Assert.Equal(Url(silos, 0), await page.EvaluateAsync<string>("() => document.body.dataset.source"));
        silos.Kill(0);
        await page.WaitForFunctionAsync($"() => document.body.dataset.source === '{Url(silos, 1)}'", null, new PageWaitForFunctionOptions { Timeout = 120_000 });

        // The live silo lets the dead silo's pages read (its origin was recorded while it ran), and no other port of the
        // host: a page of another site on the same machine gets no CORS answer, so its script cannot read the jobs.
        // Asked once the cluster no longer counts silo 0 as active, so that only the recorded origin can allow it.
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
        {
            for (var until = DateTime.UtcNow.AddMinutes(2); ; await Task.Delay(500))
            {
                var (status, body) = await SendAsync(http, HttpMethod.Get, $"{Url(silos, 1)}/api/silos", ViewerKey);
                Assert.Equal(HttpStatusCode.OK, status);
                using var silosJson = JsonDocument.Parse(body);
                if (silosJson.RootElement.EnumerateArray().Count(s => s.GetProperty("status").GetString() == "Active") == 1)
                {
                    break;
                }

                Assert.True(DateTime.UtcNow < until, "the killed silo is still active after 2 minutes: " + body);
            }

            Assert.Equal(Url(silos, 0), await AllowedOriginAsync(http, Url(silos, 1), Url(silos, 0)));
            Assert.Equal(Url(silos, 1), await AllowedOriginAsync(http, Url(silos, 1), Url(silos, 1)));
            Assert.Null(await AllowedOriginAsync(http, Url(silos, 1), $"http://127.0.0.1:{SiloProcesses.FreePorts(1)[0]}"));
            Assert.Null(await AllowedOriginAsync(http, Url(silos, 1), "http://evil.example"));
        }

        // A client (this cluster has no TLS, so it may call any grain) cannot add an origin: only an active silo's own.
        await using (var client = await silos.ConnectAsync())
        {
            var added = await Assert.ThrowsAnyAsync<Exception>(() => client.Client.GetGrain<ISiloUrlRegistryGrain>(0).Register("http://evil.example"));
            Assert.Contains("is not the published URL (http metadata) of an active silo of this cluster", added.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("http://evil.example:80", await client.Client.GetGrain<ISiloUrlRegistryGrain>(0).Origins());
        }

        await page.WaitForFunctionAsync("() => document.querySelector('#phase .badge')?.textContent === 'done'", null, new PageWaitForFunctionOptions { Timeout = 300_000 });
        await AssertNotReloadedAsync(page);

        // It ends equal to the job's report.json: every language's figures and the shard counts.
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "report.json")));
        var languages = report.RootElement.GetProperty("languages").EnumerateArray().ToList();
        var rows = await page.EvaluateAsync<string[][]>(
            "() => [...document.querySelectorAll('#languages tbody tr[data-language]')].filter(r => r.dataset.language).map(r => [...r.children].map(c => c.textContent))");
        Assert.Equal(languages.Count, rows.Length);
        foreach (var language in languages)
        {
            string name = language.GetProperty("language").GetString()!;
            var row = rows.Single(r => r[0] == name);
            Assert.Equal(Figure(language, "texts"), row[1]);
            Assert.Equal(Figure(language, "matched_texts"), row[2]);
            Assert.Equal(Figure(language, "threshold"), row[3]);
            Assert.Equal(Figure(language, "images_decided"), row[4]);
            Assert.Equal(Figure(language, "images_kept"), row[5]);
        }

        int units = report.RootElement.GetProperty("totals").GetProperty("units").GetInt32();
        Assert.Equal($"{units} / {units}", await page.Locator("#shards-matched").InnerTextAsync());
        Assert.Equal($"{units} / {units}", await page.Locator("#shards-sampled").InnerTextAsync());
        Assert.NotEmpty(await page.QuerySelectorAllAsync("#curve-chart polyline"));
    }

    [SkippableFact]
    public async Task Cancel_works_from_an_operators_page_while_a_viewer_has_no_button_and_gets_403_and_no_key_gets_401()
    {
        Chromium.Require();
        await using var silos = new SiloProcesses(2, AzuriteStorage.Require(), settings: Keys);
        await silos.StartAllAsync();
        string[] job = RealJob(rows: 480_000, stride: 1);
        string root = Url(silos, 0);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;

        // Both log in first: the job runs for seconds only on an idle machine.
        var viewer = await LoginAsync(browser, root, ViewerKey);
        var operatorPage = await LoginAsync(browser, root, OperatorKey);
        string id = await SubmitAsync(silos, job, _dir.Combine("cluster"));

        // A viewer sees the job without a cancel button, and the server refuses the action (403) even with the page's token.
        await viewer.GotoAsync($"{root}/jobs/{id}");
        await viewer.WaitForSelectorAsync("#shards-matched");
        Assert.Equal(0, await viewer.Locator("#cancel").CountAsync());
        Assert.Equal(403, await viewer.EvaluateAsync<int>(
            "async id => (await fetch(`/api/jobs/${id}/cancel`, { method: 'POST', headers: { 'X-MetaClip-Csrf': document.body.dataset.csrf } })).status", id));
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, HttpMethod.Post, $"{root}/api/jobs/{id}/cancel", ViewerKey)).Status);
        Assert.Equal(0, await viewer.Locator("#cancel").CountAsync());

        // An operator's page cancels the job after a confirmation; an action without the page's token is refused.
        Assert.Equal(403, await operatorPage.EvaluateAsync<int>("async id => (await fetch(`/api/jobs/${id}/cancel`, { method: 'POST' })).status", id));
        await operatorPage.GotoAsync($"{root}/jobs/{id}");
        try
        {
            await operatorPage.WaitForSelectorAsync("#cancel");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"no cancel button; the page says:\n{await operatorPage.Locator("body").InnerTextAsync()}\n{silos.Logs()}", e);
        }

        string? confirmation = null;
        operatorPage.Dialog += async (_, dialog) =>
        {
            confirmation = dialog.Message;
            await dialog.AcceptAsync();
        };
        await operatorPage.ClickAsync("#cancel");
        await operatorPage.WaitForFunctionAsync("() => document.querySelector('#phase .badge')?.textContent === 'cancelled'", null, new PageWaitForFunctionOptions { Timeout = 120_000 });
        Assert.Contains(id, confirmation, StringComparison.Ordinal);
        Assert.Equal(0, await operatorPage.Locator("#cancel").CountAsync());
        await using var client = await silos.ConnectAsync();
        Assert.Equal(CurationJobPhase.Cancelled, (await client.Services.GetRequiredService<IClusterClient>().GetGrain<ICurationJobGrain>(id).GetStatus()).Phase);

        // metaclip dashboard names the silos' dashboard URLs.
        var dashboard = await CliRun.RunAsync(["dashboard", id, .. silos.ClientOptions]);
        Assert.True(dashboard.ExitCode == 0, dashboard.Error);
        Assert.Contains($"{Url(silos, 0)}/jobs/{id}", dashboard.Output, StringComparison.Ordinal);
        Assert.Contains($"{Url(silos, 1)}/jobs/{id}", dashboard.Output, StringComparison.Ordinal);

        // An unknown job: a 404 page that says so.
        var missing = await viewer.GotoAsync($"{root}/jobs/no-such-job");
        Assert.Equal(404, missing!.Status);
        Assert.Contains("no-such-job", await viewer.Locator("#not-found").InnerTextAsync(), StringComparison.Ordinal);

        // The Orleans Dashboard loads behind the same login.
        var orleans = await viewer.GotoAsync($"{root}/orleans/");
        Assert.Equal(200, orleans!.Status);
        Assert.Contains("Orleans", await viewer.TitleAsync(), StringComparison.OrdinalIgnoreCase);

        // Without a key, every path but /health answers 401, saying nothing of which part was wrong.
        string[] paths = ["/", "/silos", $"/jobs/{id}", "/jobs/no-such-job", "/api/jobs", $"/api/jobs/{id}", "/api/silos", "/api/events?view=jobs",
            "/assets/app.js", "/assets/app.css", "/orleans/", "/metrics", "/no-such-page"];
        string? anonymousBody = null;
        foreach (string path in paths)
        {
            var (status, body) = await SendAsync(http, HttpMethod.Get, root + path, null);
            Assert.True(status == HttpStatusCode.Unauthorized, $"{path}: {status}");
            anonymousBody ??= body;
            Assert.Equal(anonymousBody, body);
            Assert.Equal((HttpStatusCode.Unauthorized, anonymousBody), await SendAsync(http, HttpMethod.Get, root + path, "wrong-key-0123456789abcdef"));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Post, $"{root}/api/jobs/{id}/cancel", null)).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Get, root + "/health", null)).Status);

        // A browser without a session gets the login page (with its 401); a wrong key is refused without saying why.
        var anonymous = await browser.NewPageAsync();
        Assert.Equal(401, (await anonymous.GotoAsync(root + "/"))!.Status);
        await anonymous.FillAsync("#key", "wrong-key-0123456789abcdef");
        await anonymous.ClickAsync("#login");
        await anonymous.WaitForSelectorAsync("#login-failed");
        Assert.DoesNotContain("wrong-key", await anonymous.ContentAsync(), StringComparison.Ordinal);
        await anonymous.CloseAsync();
    }

    /// <summary>Marks the page's document: a reload (or a navigation) would lose the mark.</summary>
    private static async Task MarkAsync(IPage page) => await page.EvaluateAsync("() => { window.metaclipTestMark = 'kept'; }");

    private static async Task AssertNotReloadedAsync(IPage page) =>
        Assert.Equal("kept", await page.EvaluateAsync<string?>("() => window.metaclipTestMark ?? null"));

    private static string Url(SiloProcesses silos, int index) => $"http://127.0.0.1:{silos.HealthPort(index)}";

    private static async Task<IPage> LoginAsync(IBrowser browser, string root, string key)
    {
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var first = await page.GotoAsync(root + "/");
        Assert.Equal(401, first!.Status);
        await page.FillAsync("#key", key);
        await page.ClickAsync("#login");
        await page.WaitForSelectorAsync("#conn.live");
        var cookie = (await context.CookiesAsync()).Single(c => c.Name == "metaclip_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.DoesNotContain(key, cookie.Value, StringComparison.Ordinal);
        Assert.DoesNotContain(key, page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain(key, await page.ContentAsync(), StringComparison.Ordinal);
        return page;
    }

    private static async Task<int> ShardsMatchedAsync(IPage page) =>
        int.Parse((await page.Locator("#shards-matched").InnerTextAsync()).Split(' ')[0], NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

    private static async Task<long> TotalTextsAsync(IPage page) =>
        long.Parse(await page.Locator("#languages tr.totals td:nth-child(2)").InnerTextAsync(), NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

    private static string Figure(JsonElement language, string name) =>
        language.GetProperty(name) is { ValueKind: JsonValueKind.Number } n ? n.GetUInt64().ToString("N0", CultureInfo.InvariantCulture) : "–";

    /// <summary>The <c>Access-Control-Allow-Origin</c> a silo answers a jobs request from a page of <paramref name="origin"/> with, or null.</summary>
    private static async Task<string?> AllowedOriginAsync(HttpClient http, string silo, string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{silo}/api/jobs");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ViewerKey);
        request.Headers.TryAddWithoutValidation("Origin", origin);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) ? values.Single() : null;
    }

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient http, HttpMethod method, string url, string? key)
    {
        using var request = new HttpRequestMessage(method, url);
        if (key is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private string[] RealJob(int rows, int stride = 8)
    {
        string snapshot = RealSnapshot.Write(SharedFolder.Require(), _dir.Combine("snapshot"), rows: rows, rowsPerFile: 2_500, stride: stride);
        return ["--snapshot", snapshot, "--metadata", Repository.Path("samples", "metadata"), "--lang-column", "lang", "--t-en", "20", "--threads", "1"];
    }

    private static async Task<string> SubmitAsync(SiloProcesses silos, string[] job, string output)
    {
        var submit = await CliRun.RunAsync(["submit", .. job, "--out", output, .. silos.ClientOptions]);
        Assert.True(submit.ExitCode == 0, submit.Error);
        return submit.Output.Split(' ')[2];
    }
}
