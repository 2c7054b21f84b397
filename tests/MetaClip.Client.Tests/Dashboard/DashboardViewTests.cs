using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MetaClip.Dashboard;
using MetaClip.Dashboard.Views;
using MetaClip.GrainInterfaces;
using Xunit.Abstractions;

namespace MetaClip.Client.Tests.Dashboard;

/// <summary>The job page's figures from a job status (pure functions), the session cookie and the silos' URLs.</summary>
public sealed class DashboardViewTests(ITestOutputHelper output)
{
    [Fact]
    public void A_job_of_100000_shards_and_300_languages_answers_one_page_of_each_table_whatever_its_size()
    {
        var (status, running) = HugeJob(shards: 100_000, languages: 300, running: 2_000);
        var query = new JobQuery(LanguagePage: 0, Sort: "texts", Descending: true);

        // Measured, not asserted (bench/RESULTS.md): the figures and their JSON, as the API and the live events answer them
        // (after one round that compiles the code).
        _ = JsonSerializer.Serialize(JobView.Build("huge", status, null, running, query), DashboardRoutes.Json);
        var clock = Stopwatch.StartNew();
        const int Rounds = 20;
        string json = "";
        for (int i = 0; i < Rounds; i++)
        {
            json = JsonSerializer.Serialize(JobView.Build("huge", status, null, running, query), DashboardRoutes.Json);
        }

        double perPage = clock.Elapsed.TotalMilliseconds / Rounds;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"job page of {status.Shards:N0} shards, {status.Languages.Length} languages, {running.Count:N0} shards in flight: {perPage:0.00} ms per page, {json.Length:N0} bytes of JSON"));

        var page = JobView.Build("huge", status, null, running, query);
        Assert.Equal(300, page.Languages!.Total);
        Assert.Equal(JobQuery.PageSize, page.Languages.Rows.Count);
        Assert.Equal(2_000, page.Running!.Total);
        Assert.Equal(JobQuery.PageSize, page.Running.Rows.Count);
        Assert.Equal(300, page.CurveLanguages.Count);
        Assert.NotNull(page.Curve);

        // One curve, one page of rows: the answer stays small however large the job.
        Assert.True(json.Length < 64 * 1024, $"{json.Length} bytes");
        Assert.Equal(status.Languages.Max(l => l.Texts), page.Languages.Rows[0].Texts);
        Assert.Equal(status.Languages.Sum(l => l.Texts), page.Totals!.Texts);
        Assert.Equal(status.Languages.Sum(l => l.ImagesKept), page.Totals.Kept);
        Assert.Equal(100_000, page.Shards);
        Assert.Equal(60_000, page.Phases.Single(p => p.Name == "match and count").Done);
    }

    [Fact]
    public void Languages_sort_by_any_column_either_way_and_pages_clamp_to_the_last()
    {
        var (status, running) = HugeJob(shards: 1_000, languages: 120, running: 0);
        foreach (string sort in new[] { "language", "texts", "matched", "tlang", "decided", "kept" })
        {
            foreach (bool descending in new[] { true, false })
            {
                var all = Enumerable.Range(0, 3).SelectMany(p => JobView.Build("j", status, null, running, new JobQuery(p, sort, descending)).Languages!.Rows).ToList();
                Assert.Equal(120, all.Select(r => r.Language).Distinct().Count());
                Func<LanguageRow, IComparable?> key = sort switch
                {
                    "language" => r => r.Language,
                    "matched" => r => r.Matched,
                    "tlang" => r => r.TLang,
                    "decided" => r => r.Decided,
                    "kept" => r => r.Kept,
                    _ => r => r.Texts,
                };
                for (int i = 1; i < all.Count; i++)
                {
                    int c = Comparer<IComparable?>.Default.Compare(key(all[i - 1]), key(all[i]));
                    Assert.True(descending ? c >= 0 : c <= 0, $"{sort} {(descending ? "desc" : "asc")}: row {i} out of order");
                }
            }
        }

        var last = JobView.Build("j", status, null, running, new JobQuery(LanguagePage: 99)).Languages!;
        Assert.Equal(2, last.Page);
        Assert.Equal(20, last.Rows.Count);
    }

    [Fact]
    public void Each_phase_says_done_running_or_pending_with_its_shards_and_where_they_run()
    {
        var status = new CurationJobStatus(CurationJobPhase.Sampling, 10, 10, 4, 1000, null, "/out") { Curves = [new LanguageCurve("en", 20, [1, 2], [30, 10])] };
        RunningShard[] running = [new(5, "sample", 1, "silo-a"), new(6, "sample", 2, "silo-b")];
        var page = JobView.Build("j", status, null, running, new JobQuery());
        Assert.Equal(["done", "done", "done", "running", "pending"], page.Phases.Select(p => p.State));
        var sample = page.Phases.Single(p => p.Name == "sample");
        Assert.Equal((4, 2, 10), (sample.Done, sample.Running, sample.Total));
        Assert.Equal(["silo-a", "silo-b"], page.Running!.Rows.Select(r => r.Silo));
        Assert.True(page.CanCancel);
        Assert.False(page.CanRetry);

        var failed = JobView.Build("j", status with { Phase = CurationJobPhase.Failed, Error = "disk full" }, null, [], new JobQuery());
        Assert.Equal("failed", failed.Phases.Single(p => p.Name == "sample").State);
        Assert.True(failed.CanRetry);
        Assert.Equal("disk full", failed.Error);

        var done = JobView.Build("j", status with { Phase = CurationJobPhase.Done, ShardsSampled = 10 }, null, [], new JobQuery());
        Assert.All(done.Phases, p => Assert.Equal("done", p.State));
        Assert.Equal(["/out/report.html", "/out/report.json", "/out"], done.Outputs);
        Assert.False(done.CanCancel);
    }

    [Fact]
    public void A_planning_job_shows_its_files_planned_and_the_workers_planning_them()
    {
        var status = new CurationJobStatus(CurationJobPhase.Planning, 0, 0, 0, 0, null, "/out") { Files = 10, FilesPlanned = 3, PhaseSeconds = 6, PhaseShardsThisRun = 3 };
        RunningShard[] running = [new(3, "plan", 1, "silo-a"), new(4, "plan", 1, "silo-b")];
        var page = JobView.Build("j", status, null, running, new JobQuery());
        Assert.Equal(["running", "pending", "pending", "pending", "pending"], page.Phases.Select(p => p.State));
        var plan = page.Phases.Single(p => p.Name == "plan");
        Assert.Equal((3, 2, 10), (plan.Done, plan.Running, plan.Total));
        Assert.True(page.CanCancel);
        Assert.Equal("3/10 files planned", JobView.Row("j", status, null).Progress);
        Assert.Equal("plan", JobView.Row("j", status, null).Phase);

        // Failed while planning: the plan row says so, and the later phases never ran.
        var failed = JobView.Build("j", status with { Phase = CurationJobPhase.Failed, Error = "not gzip" }, null, [], new JobQuery());
        Assert.Equal(["failed", "pending", "pending", "pending", "pending"], failed.Phases.Select(p => p.State));
    }

    [Fact]
    public void A_session_cookie_holds_only_for_its_key_unaltered_and_until_it_expires()
    {
        byte[] key = System.Security.Cryptography.SHA256.HashData("operator-key-0123456789abcdef"u8);
        byte[] other = System.Security.Cryptography.SHA256.HashData("viewer-key-0123456789abcdef"u8);
        var now = DateTimeOffset.UtcNow;
        string cookie = SessionCookie.Create(key, now.AddHours(1));
        Assert.True(SessionCookie.Matches(cookie, key, now));
        Assert.False(SessionCookie.Matches(cookie, other, now));
        Assert.False(SessionCookie.Matches(cookie, key, now.AddHours(2)));
        Assert.DoesNotContain(Convert.ToBase64String(key), cookie, StringComparison.Ordinal);

        // Any change (a later expiry, another nonce, a cut) breaks the MAC.
        string[] parts = cookie.Split('.');
        Assert.False(SessionCookie.Matches(string.Join('.', parts[0], (long.Parse(parts[1], CultureInfo.InvariantCulture) + 3600).ToString(CultureInfo.InvariantCulture), parts[2], parts[3]), key, now));
        Assert.False(SessionCookie.Matches(string.Join('.', parts[0], parts[1], "AAAA" + parts[2][4..], parts[3]), key, now));
        Assert.False(SessionCookie.Matches(cookie[..^2], key, now));
        Assert.False(SessionCookie.Matches("garbage", key, now));
        Assert.False(SessionCookie.Matches("v1.x.y.z", key, now));

        // Two logins are two sessions, each with its own CSRF token.
        string again = SessionCookie.Create(key, now.AddHours(1));
        Assert.NotEqual(cookie, again);
        Assert.NotEqual(SessionCookie.CsrfToken(cookie), SessionCookie.CsrfToken(again));
    }

    [Theory]
    [InlineData("http://0.0.0.0:8080", "10.1.2.3", "http://10.1.2.3:8080")]
    [InlineData("http://*:8080;http://127.0.0.1:9090", "10.1.2.3", "http://10.1.2.3:8080")]
    [InlineData("http://+:80", "10.1.2.3", "http://10.1.2.3:80")]
    [InlineData("http://silo-1.internal:8080", "10.1.2.3", "http://silo-1.internal:8080")]
    [InlineData("http://127.0.0.1:5000", "127.0.0.1", "http://127.0.0.1:5000")]
    [InlineData(null, "10.1.2.3", null)]
    public void A_silo_publishes_the_url_other_silos_pages_reach_it_at(string? urls, string advertised, string? expected) =>
        Assert.Equal(expected, SiloHttpUrl.Of(urls, System.Net.IPAddress.Parse(advertised)));

    [Theory]
    [InlineData("http://127.0.0.1:5000", "http://127.0.0.1:5000")]
    [InlineData("https://MetaClip.Example.com", "https://metaclip.example.com:443")]
    [InlineData("https://metaclip.example.com:443/dashboard/", "https://metaclip.example.com:443")]
    [InlineData("http://[::1]:8080", "http://[::1]:8080")]
    [InlineData("null", null)]
    [InlineData("file:///etc/passwd", null)]
    [InlineData("", null)]
    public void Origins_compare_by_scheme_host_and_port(string url, string? expected) =>
        Assert.Equal(expected, SiloOrigin.TryOf(url, out string? origin) ? origin : null);

    [Fact]
    public void The_origin_registry_keeps_the_most_recently_registered_origins()
    {
        var state = new SiloUrlRegistryState();
        var start = new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);
        for (int i = 0; i < 10; i++)
        {
            state.Record($"http://10.0.0.{i}:8080", start.AddMinutes(i), max: 4, keepSince: DateTimeOffset.MinValue);
        }

        Assert.Equal(["http://10.0.0.9:8080", "http://10.0.0.8:8080", "http://10.0.0.7:8080", "http://10.0.0.6:8080"], state.Newest(DateTimeOffset.MinValue));

        // A silo that starts again under an origin already known moves it to the front, and nothing else is dropped.
        state.Record("http://10.0.0.6:8080", start.AddMinutes(20), max: 4, keepSince: DateTimeOffset.MinValue);
        Assert.Equal(["http://10.0.0.6:8080", "http://10.0.0.9:8080", "http://10.0.0.8:8080", "http://10.0.0.7:8080"], state.Newest(DateTimeOffset.MinValue));

        // Only registrations within the lifetime count: a silo gone for longer is no longer trusted.
        Assert.Equal(["http://10.0.0.6:8080", "http://10.0.0.9:8080"], state.Newest(start.AddMinutes(9)));

        // A registration drops those older than the lifetime from the record too.
        state.Record("http://10.0.0.5:8080", start.AddMinutes(30), max: 4, keepSince: start.AddMinutes(9));
        Assert.Equal(["http://10.0.0.5:8080", "http://10.0.0.6:8080", "http://10.0.0.9:8080"], state.Newest(DateTimeOffset.MinValue));
    }

    [Fact]
    public void Pages_encode_what_they_show()
    {
        string html = Pages.NotFound("<script>alert(1)</script>");
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
        string shell = Pages.Shell("job", "\"><img src=x>", "t", new DashboardPrincipal(false, "tok"), ["http://a:1"]);
        Assert.DoesNotContain("\"><img", shell, StringComparison.Ordinal);
        Assert.Contains("data-operate=\"false\"", shell, StringComparison.Ordinal);
    }

    private static (CurationJobStatus Status, List<RunningShard> Running) HugeJob(int shards, int languages, int running)
    {
        var random = new Random(19);
        var figures = Enumerable.Range(0, languages).Select(i =>
        {
            long texts = random.NextInt64(1, 50_000_000);
            long matched = texts / 2;
            return new LanguageFigures($"l{i:D3}", texts, matched, matched / 2, matched / 4);
        }).ToArray();
        var curves = figures.Select(f =>
        {
            var points = MetaClip.Engine.Pipeline.ReportBuilder.Curve([.. Enumerable.Range(1, 20_000).Select(r => (ulong)(1_000_000 / r))]);
            return new LanguageCurve(f.Language, (ulong)random.Next(0, 1000), [.. points.Select(p => p[0])], [.. points.Select(p => p[1])]);
        }).ToArray();
        var status = new CurationJobStatus(CurationJobPhase.Matching, shards, shards * 3 / 5, 0, figures.Sum(f => f.Texts), null, "/out")
        {
            Languages = figures,
            Curves = curves,
            PhaseSeconds = 3600,
            PhaseShardsThisRun = shards / 2,
        };
        var inFlight = Enumerable.Range(0, running).Select(i => new RunningShard(i * 37 % shards, "match", 1, $"silo-{i % 64}")).ToList();
        return (status, inFlight);
    }
}
