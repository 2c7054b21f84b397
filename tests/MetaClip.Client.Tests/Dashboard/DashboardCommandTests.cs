using System.Net;
using System.Text.Json;
using MetaClip.Client.Commands;

namespace MetaClip.Client.Tests.Dashboard;

/// <summary><c>metaclip curate --dashboard</c>: the embedded run's dashboard on loopback, its URL printed.</summary>
public sealed class DashboardCommandTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public async Task Curate_with_dashboard_prints_a_loopback_url_that_shows_the_embedded_run_while_it_runs()
    {
        // Enough work that the job is still running when the page is asked for: 60,000 texts in 24 files came to take
        // under a second, and a loaded CI machine asked after the job had ended (the server stopped, connection refused).
        string snapshot = RealSnapshot.Write(SharedFolder.Require(), _dir.Combine("snapshot"), rows: 300_000, rowsPerFile: 1_000, stride: 1);
        using var output = new StringWriter();
        using var error = new LineSignal("Dashboard: ");
        var run = MetaClipCommandLine.RunAsync(["curate", "--snapshot", snapshot, "--metadata", Repository.Path("samples", "metadata"), "--lang-column", "lang",
            "--t-en", "20", "--threads", "1", "--out", _dir.Combine("out"), "--dashboard"], output, error, interactive: false, CancellationToken.None);
        var first = await Task.WhenAny(error.Line, run);
        Assert.True(first == error.Line, $"no dashboard URL was printed:\n{error}");
        var url = new Uri((await error.Line)["Dashboard: ".Length..].Split(' ')[0]);
        Assert.True(IPAddress.IsLoopback(IPAddress.Parse(url.Host)), url.ToString());

        // While the job runs, the jobs list (its JSON and its page) shows it.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        JsonElement jobs;
        do
        {
            jobs = JsonDocument.Parse(await http.GetStringAsync(new Uri(url, "api/jobs"))).RootElement;
        }
        while (jobs.GetArrayLength() == 0 && !run.IsCompleted);

        Assert.Equal(1, jobs.GetArrayLength());
        Assert.Equal("curation", jobs[0].GetProperty("kind").GetString());
        string page = await http.GetStringAsync(url);
        Assert.Contains("data-view=\"jobs\"", page, StringComparison.Ordinal);

        // Without keys, only loopback names are answered: another site's name resolved to 127.0.0.1 (DNS rebinding) is not.
        using (var rebound = new HttpRequestMessage(HttpMethod.Get, new Uri(url, "api/jobs")))
        {
            rebound.Headers.Host = "attacker.example";
            using var refused = await http.SendAsync(rebound);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        Assert.Equal(0, await run);

        // It stops with the command.
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync(new Uri(url, "api/jobs")));
    }
}
