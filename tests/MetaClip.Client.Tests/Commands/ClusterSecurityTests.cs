using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using MetaClip.Client.Commands;
using MetaClip.Engine.Pipeline;
using MetaClip.GrainInterfaces;
using MetaClip.Grains.Curation;

namespace MetaClip.Client.Tests.Commands;

/// <summary>
/// A closed cluster (issue 18) on real silo processes: the ports listen on loopback unless told otherwise, a silo
/// reachable from other machines without TLS starts only on purpose, the HTTP port needs keys with roles, and jobs
/// may use only the allowed locations.
/// </summary>
public sealed class ClusterSecurityTests : IDisposable
{
    private const string ViewerKey = "viewer-key-0123456789abcdef";
    private const string OperatorKey = "operator-key-0123456789abcdef";

    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public async Task A_default_silo_process_listens_on_loopback_only_even_when_its_urls_say_every_address()
    {
        Skip.IfNot(File.Exists("/proc/net/tcp"), "no /proc/net/tcp here");

        // The local cluster's settings (run-local-cluster.sh): advertised 127.0.0.1, no HTTP keys; --urls on 0.0.0.0.
        await using var silos = new SiloProcesses(1, AzuriteStorage.Require(), httpAddress: "0.0.0.0");
        await silos.StartAllAsync();
        foreach (int port in new[] { silos.SiloPort(0), silos.GatewayPort(0), silos.HealthPort(0) })
        {
            var listening = Listening(port);
            Assert.NotEmpty(listening);
            Assert.All(listening, address => Assert.True(IPAddress.IsLoopback(address), $"port {port} listens on {address}"));
        }

        Assert.Contains("listens on loopback only", silos.Logs(), StringComparison.Ordinal);

        // Regression (a security review): a port without keys answered another site's name (DNS rebinding) on the Orleans
        // dashboard (its trace is the silo's live log) and /metrics; only the MetaClip pages checked the name.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var root = new Uri($"http://127.0.0.1:{silos.HealthPort(0)}/");
        foreach (string path in new[] { "orleans/", "orleans/Trace", "metrics", "api/jobs", "" })
        {
            using var rebound = new HttpRequestMessage(HttpMethod.Get, new Uri(root, path));
            rebound.Headers.Host = "attacker.example:" + silos.HealthPort(0);
            using var refused = await http.SendAsync(rebound, HttpCompletionOption.ResponseHeadersRead);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"/{path}: {refused.StatusCode}");
        }

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(root, "metrics"))).StatusCode);
        using var health = new HttpRequestMessage(HttpMethod.Get, new Uri(root, "health"));
        health.Headers.Host = "silo-1.example";
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(health)).StatusCode);

        // Regression (a docs review): training submitted to a cluster without a training silo was "internal error:
        // ArgumentException: Could not find an implementation for interface MetaClip.ITrainingJobGrain", exit 70.
        var train = await CliRun.RunAsync(["train", "--job", _dir.Combine("job"), "--steps", "5", "--out", _dir.Combine("run"), "--submit", .. silos.ClientOptions]);
        Assert.True(train.ExitCode == MetaClipCommandLine.InputError, train.Error);
        Assert.Contains("no silo of this cluster trains: start one with Orleans__Metadata__accelerator=gpu", train.ErrorLine, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_silo_advertising_an_address_that_is_not_loopback_without_tls_refuses_to_start_unless_allowed_on_purpose()
    {
        string storage = AzuriteStorage.Require();
        var address = NonLoopbackAddress();
        await using (var refused = new SiloProcesses(1, storage, settings: new Dictionary<string, string> { ["MetaClip__AdvertisedAddress"] = address?.ToString() ?? "10.255.255.1" }))
        {
            string logs = await refused.StartRefusedAsync(0);
            Assert.Contains("no TLS", logs, StringComparison.Ordinal);
            Assert.Contains("MetaClip:AllowInsecureTransport=true", logs, StringComparison.Ordinal);
        }

        Skip.If(address is null, "this machine has no address but loopback");
        await using var allowed = new SiloProcesses(1, storage, settings: new Dictionary<string, string>
        {
            ["MetaClip__AdvertisedAddress"] = address.ToString(),
            ["MetaClip__AllowInsecureTransport"] = "true",
        });
        await allowed.StartAllAsync();
        Assert.Contains("INSECURE TRANSPORT (MetaClip:AllowInsecureTransport=true)", allowed.Logs(), StringComparison.Ordinal);
        if (File.Exists("/proc/net/tcp"))
        {
            // Still on the advertised address only, not every address.
            Assert.Equal([address], Listening(allowed.SiloPort(0)));
            Assert.Equal([address], Listening(allowed.GatewayPort(0)));
        }
    }

    [SkippableFact]
    public async Task The_http_port_needs_a_viewer_key_to_read_and_an_operator_key_to_write_but_not_for_health()
    {
        string operatorKeys = _dir.Combine("operator-keys");
        await File.WriteAllTextAsync(operatorKeys, OperatorKey + "\n");
        await using var silos = new SiloProcesses(1, AzuriteStorage.Require(), settings: new Dictionary<string, string>
        {
            ["METACLIP_HTTP_VIEWER_KEYS"] = "another-viewer-key-0123456789," + ViewerKey,
            ["METACLIP_HTTP_OPERATOR_KEYS_FILE"] = operatorKeys,
        });
        await silos.StartAllAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var root = new Uri($"http://127.0.0.1:{silos.HealthPort(0)}/");

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Get, new Uri(root, "health"), null)).Status);

        var anonymous = await SendAsync(http, HttpMethod.Get, new Uri(root, "metrics"), null);
        var wrong = await SendAsync(http, HttpMethod.Get, new Uri(root, "metrics"), "wrong-key-0123456789abcdef");
        var malformed = await SendAsync(http, HttpMethod.Get, new Uri(root, "metrics"), "");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, malformed.Status);

        // Nothing says whether the key was missing or wrong.
        Assert.Equal(anonymous.Body, wrong.Body);
        Assert.Equal(anonymous.Body, malformed.Body);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, new Uri(root, "no-such-page"), null)).Status);

        var viewer = await SendAsync(http, HttpMethod.Get, new Uri(root, "metrics"), ViewerKey);
        Assert.Equal(HttpStatusCode.OK, viewer.Status);
        Assert.Contains("target_info", viewer.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, HttpMethod.Post, new Uri(root, "metrics"), ViewerKey)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, HttpMethod.Delete, new Uri(root, "metrics"), ViewerKey)).Status);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Get, new Uri(root, "metrics"), OperatorKey)).Status);
        var write = await SendAsync(http, HttpMethod.Post, new Uri(root, "metrics"), OperatorKey);
        Assert.NotEqual(HttpStatusCode.Unauthorized, write.Status);
        Assert.NotEqual(HttpStatusCode.Forbidden, write.Status);

        // Regression (a security review): a login's return path with a tab (which browsers drop) led to another site, and
        // another site's page could post a login (login CSRF).
        using (var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) })
        {
            foreach (var (back, origin, expected) in new (string Back, string? Origin, string? Expected)[] { ("/\t/evil.example/x", null, "/"), ("/jobs/x?lp=1", null, "/jobs/x?lp=1"), ("/\\evil.example", null, "/"), ("/", "http://evil.example", null) })
            {
                using var login = new HttpRequestMessage(HttpMethod.Post, new Uri(root, "login"))
                {
                    Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = ViewerKey, ["return"] = back }),
                };
                if (origin is not null)
                {
                    login.Headers.TryAddWithoutValidation("Origin", origin);
                }

                using var answer = await noRedirects.SendAsync(login);
                if (expected is null)
                {
                    Assert.Equal(HttpStatusCode.Forbidden, answer.StatusCode);
                    Assert.False(answer.Headers.Contains("Set-Cookie"));
                }
                else
                {
                    Assert.Equal(HttpStatusCode.SeeOther, answer.StatusCode);
                    Assert.Equal(expected, answer.Headers.Location?.OriginalString);
                }
            }
        }

        // With keys, the port stays where --urls put it; no key is ever logged.
        string logs = silos.Logs();
        Assert.DoesNotContain(ViewerKey, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(OperatorKey, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("listens on loopback only", logs, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Keys_from_a_file_are_read_again_when_it_changes_and_a_file_without_usable_keys_keeps_the_old_ones()
    {
        const string RotatedKey = "rotated-viewer-key-0123456789abcdef";
        string keys = _dir.Combine("viewer-keys");
        await File.WriteAllTextAsync(keys, ViewerKey + "\n");
        await using var silos = new SiloProcesses(1, AzuriteStorage.Require(), settings: new Dictionary<string, string>
        {
            ["METACLIP_HTTP_VIEWER_KEYS_FILE"] = keys,
        });
        await silos.StartAllAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var metrics = new Uri($"http://127.0.0.1:{silos.HealthPort(0)}/metrics");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Get, metrics, ViewerKey)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, metrics, RotatedKey)).Status);

        // Rotated as a secret is: a new file moved over the old. Within seconds the new key reads and the old does not.
        await File.WriteAllTextAsync(keys + ".new", RotatedKey + "\n");
        File.Move(keys + ".new", keys, overwrite: true);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while ((await SendAsync(http, HttpMethod.Get, metrics, RotatedKey)).Status != HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < until, "the rotated key was not accepted within 15 s" + silos.Logs());
            await Task.Delay(200);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, metrics, ViewerKey)).Status);

        // An emptied file, or one with a key too short, keeps the keys (a warning says why, without the key).
        int kept = 0;
        foreach (string bad in new[] { "", "short-key\n" })
        {
            await File.WriteAllTextAsync(keys, bad);
            kept++;
            until = DateTime.UtcNow + TimeSpan.FromSeconds(15);
            while (silos.Logs().Split("keys stay as they were").Length - 1 < kept)
            {
                Assert.True(DateTime.UtcNow < until, "no warning about the unusable key file within 15 s" + silos.Logs());
                await Task.Delay(200);
            }

            Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Get, metrics, RotatedKey)).Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, metrics, ViewerKey)).Status);
        }

        string logs = silos.Logs();
        Assert.Contains("the key file holds no key", logs, StringComparison.Ordinal);
        Assert.Contains("a key is shorter than 16 characters", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(RotatedKey, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("short-key", logs, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Metrics_answer_without_a_key_only_where_a_setting_says_so_and_then_nothing_else_does()
    {
        // No key at all, metrics opened on purpose (Prometheus in the cluster): the port stays where --urls puts it.
        await using var silos = new SiloProcesses(1, AzuriteStorage.Require(), settings: new Dictionary<string, string>
        {
            ["MetaClip__Http__AnonymousMetrics"] = "true",
        }, httpAddress: "0.0.0.0");
        await silos.StartAllAsync();
        if (File.Exists("/proc/net/tcp"))
        {
            Assert.Equal([IPAddress.Any], Listening(silos.HealthPort(0)));
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var root = new Uri($"http://127.0.0.1:{silos.HealthPort(0)}/");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Get, new Uri(root, "metrics"), null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Post, new Uri(root, "metrics"), null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, new Uri(root, "other"), null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Get, new Uri(root, "other"), ViewerKey)).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, HttpMethod.Get, new Uri(root, "health"), null)).Status);
    }

    [SkippableFact]
    public async Task A_silo_with_a_short_http_key_refuses_to_start_without_printing_it()
    {
        await using var silos = new SiloProcesses(1, AzuriteStorage.Require(), settings: new Dictionary<string, string> { ["METACLIP_HTTP_OPERATOR_KEYS"] = "short-secret" });
        string logs = await silos.StartRefusedAsync(0);
        Assert.Contains("METACLIP_HTTP_OPERATOR_KEYS: a key is shorter than 16 characters", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("short-secret", logs, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Jobs_naming_locations_outside_the_allowed_roots_are_refused_naming_the_setting()
    {
        string allowed = _dir.Combine("allowed");
        Directory.CreateDirectory(allowed);
        CopyFolder(Repository.Path("samples", "snapshot"), Path.Combine(allowed, "snapshot"));
        await using var silos = new SiloProcesses(1, AzuriteStorage.Require(), settings: new Dictionary<string, string>
        {
            ["MetaClip__AllowedLocations"] = $"{allowed};{Repository.Path("samples", "metadata")}",
        });
        await silos.StartAllAsync();
        string[] rest = ["--metadata", Repository.Path("samples", "metadata"), "--lang-column", "lang", "--t-en", "20", .. silos.ClientOptions];

        // Outside: a system folder, a relative path that climbs out, '..' from inside a root, a link inside a root that leads out.
        Directory.CreateSymbolicLink(Path.Combine(allowed, "link"), Repository.Path("samples", "snapshot"));
        Directory.CreateSymbolicLink(Path.Combine(allowed, "out-link"), _dir.Combine("elsewhere"));
        var refused = new (string Option, string[] Job)[]
        {
            ("--out", ["--snapshot", Path.Combine(allowed, "snapshot"), "--out", "/etc"]),
            ("--snapshot", ["--snapshot", "../../x", "--out", Path.Combine(allowed, "out")]),
            ("--snapshot", ["--snapshot", Path.Combine(allowed, "..", "..", "x"), "--out", Path.Combine(allowed, "out")]),
            ("--snapshot", ["--snapshot", Path.Combine(allowed, "link"), "--out", Path.Combine(allowed, "out")]),
            ("--out", ["--snapshot", Path.Combine(allowed, "snapshot"), "--out", Path.Combine(allowed, "out-link", "new")]),
        };
        foreach (var (option, job) in refused)
        {
            var submit = await CliRun.RunAsync(["submit", .. job, .. rest]);
            Assert.Equal(MetaClipCommandLine.InputError, submit.ExitCode);
            Assert.Contains(option + " ", submit.ErrorLine, StringComparison.Ordinal);
            Assert.Contains("outside the locations this cluster allows (MetaClip:AllowedLocations", submit.ErrorLine, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(_dir.Combine("elsewhere")));

        // Inside the roots, the job runs; without TLS it is recorded under the name given with --as (a label only).
        var ok = await CliRun.RunAsync(["submit", "--snapshot", Path.Combine(allowed, "snapshot"), "--out", Path.Combine(allowed, "out"), "--as", "carol", .. rest]);
        Assert.True(ok.ExitCode == 0, ok.Error);
        var watch = await CliRun.RunAsync(["watch", ok.Output.Split(' ')[2], .. silos.ClientOptions]);
        Assert.True(watch.ExitCode == 0, watch.Error + silos.Logs());
        Assert.True(File.Exists(Path.Combine(allowed, "out", "thresholds.json")));
        Assert.EndsWith("; submitted by carol", (await CliRun.RunAsync(["status", ok.Output.Split(' ')[2], .. silos.ClientOptions])).Output.TrimEnd(), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Training_jobs_outside_the_allowed_roots_are_refused_naming_the_setting()
    {
        await using var silos = new SiloProcesses(1, AzuriteStorage.Require(), trainingSilos: new HashSet<int> { 0 }, settings: new Dictionary<string, string>
        {
            ["MetaClip__AllowedLocations"] = _dir.Combine("allowed"),
        });
        await silos.StartAllAsync();
        var outside = await CliRun.RunAsync(["train", "--job", "/etc", "--steps", "5", "--out", _dir.Combine("allowed", "run"), "--submit", .. silos.ClientOptions]);
        Assert.Equal(MetaClipCommandLine.InputError, outside.ExitCode);
        Assert.Contains("--job /etc is outside the locations this cluster allows (MetaClip:AllowedLocations", outside.ErrorLine, StringComparison.Ordinal);
        var run = await CliRun.RunAsync(["train", "--job", _dir.Combine("allowed", "job"), "--steps", "5", "--out", _dir.Combine("allowed", "..", "run"), "--submit", .. silos.ClientOptions]);
        Assert.Equal(MetaClipCommandLine.InputError, run.ExitCode);
        Assert.Contains("--out ", run.ErrorLine, StringComparison.Ordinal);
        Assert.Contains("(MetaClip:AllowedLocations", run.ErrorLine, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_shard_forged_by_a_client_calling_the_worker_grain_directly_is_refused_outside_the_allowed_roots()
    {
        // A gateway client can call any grain, not only a job's: the shard worker checks its locations too.
        string allowed = _dir.Combine("allowed");
        Directory.CreateDirectory(allowed);
        await using var silos = new SiloProcesses(1, AzuriteStorage.Require(), settings: new Dictionary<string, string> { ["MetaClip__AllowedLocations"] = allowed });
        await silos.StartAllAsync();
        await using var client = await silos.ConnectAsync();
        var spec = new CurationOptions { Snapshot = Path.Combine(allowed, "snapshot"), Metadata = Path.Combine(allowed, "metadata"), Output = Path.Combine(allowed, "out"), Columns = new() { Lang = "lang" } };
        var task = new ShardTask("forged", 0, "/etc/passwd", "passwd", 0, 0, Path.Combine(allowed, "out", ".work", "forged"), spec);
        var worker = client.Client.GetGrain<IShardWorkerGrain>("forged/0/match");
        var error = await Assert.ThrowsAnyAsync<Exception>(() => worker.Match(task));
        Assert.Contains("--snapshot /etc/passwd is outside the locations this cluster allows (MetaClip:AllowedLocations", error.Message, StringComparison.Ordinal);
        error = await Assert.ThrowsAnyAsync<Exception>(() => worker.Sample(task with { FilePath = Path.Combine(allowed, "snapshot", "a.jsonl"), WorkFolder = "/tmp/../etc" }, "/etc/table"));
        Assert.Contains("(MetaClip:AllowedLocations", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_silo_without_allowed_locations_refuses_every_job_naming_the_setting()
    {
        await using var silos = new SiloProcesses(1, AzuriteStorage.Require(), settings: new Dictionary<string, string> { ["MetaClip__AllowedLocations"] = "" });
        await silos.StartAllAsync();
        var submit = await CliRun.RunAsync(["submit", "--snapshot", Repository.Path("samples", "snapshot"), "--metadata", Repository.Path("samples", "metadata"),
            "--lang-column", "lang", "--out", _dir.Combine("out"), .. silos.ClientOptions]);
        Assert.Equal(MetaClipCommandLine.InputError, submit.ExitCode);
        Assert.Contains("this cluster allows no locations yet", submit.ErrorLine, StringComparison.Ordinal);
        Assert.Contains("MetaClip:AllowedLocations", submit.ErrorLine, StringComparison.Ordinal);
        Assert.Contains("MetaClip:AllowedLocations is not set: every job is refused", silos.Logs(), StringComparison.Ordinal);
    }

    [Fact]
    public void Allowed_locations_compare_resolved_paths_and_blob_prefixes_on_their_boundaries()
    {
        string root = _dir.Combine("root");
        Directory.CreateDirectory(root);
        var locations = AllowedLocations.Parse($"{root}; az://data/crawls/2024 ,az://shared");
        Assert.True(locations.Allows(Path.Combine(root, "a", "b")));
        Assert.True(locations.Allows(root));
        Assert.False(locations.Allows(root + "-sibling"));
        Assert.False(locations.Allows(Path.Combine(root, "..", "x")));
        Assert.True(locations.Allows("az://data/crawls/2024/part-1"));
        Assert.False(locations.Allows("az://data/crawls/2024-old"));
        Assert.False(locations.Allows("az://data/crawls/2024/../2023"));
        Assert.True(locations.Allows("az://shared/any/thing"));
        Assert.False(locations.Allows("az://other"));

        // A link inside the root, dangling or not, is followed before the check.
        Directory.CreateSymbolicLink(Path.Combine(root, "up"), _dir.Path);
        File.CreateSymbolicLink(Path.Combine(root, "dangling"), _dir.Combine("not-yet"));
        Assert.False(locations.Allows(Path.Combine(root, "up", "x")));
        Assert.True(locations.Allows(Path.Combine(root, "up", "root", "x")));
        Assert.False(locations.Allows(Path.Combine(root, "dangling")));

        // '..' after a link climbs from the link's target: a location with '..' is refused even where it would end inside.
        Assert.False(locations.Allows(Path.Combine(root, "up", "..", "root", "x")));
        Assert.False(locations.Allows(Path.Combine(root, "a", "..", "b")));

        Assert.True(AllowedLocations.Parse("az://").Allows("az://any/thing"));
        Assert.False(AllowedLocations.Parse("az://").Allows(root));
        Assert.False(AllowedLocations.Parse(null).Allows(root));
        Assert.True(AllowedLocations.Unrestricted.Allows("/etc"));
        var error = Assert.Throws<InvalidOperationException>(() => AllowedLocations.Parse("az://Not_A_Container"));
        Assert.StartsWith("MetaClip:AllowedLocations: az://Not_A_Container", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Regression_a_read_only_folder_spelled_in_another_case_was_writable_through_a_wider_root()
    {
        // On macOS and Windows root/Snapshots is the read-only root/snapshots, but the most specific root that held
        // "Snapshots" by its exact spelling was the writable root.
        string root = _dir.Combine("cased");
        Directory.CreateDirectory(Path.Combine(root, "users", "alice"));
        Directory.CreateDirectory(Path.Combine(root, "snapshots"));
        var nested = AllowedLocations.Parse($"{root}; read:{root}/snapshots; read:{root}/users; {root}/users/{{principal}}");
        Assert.False(nested.Allows(Path.Combine(root, "Snapshots", "out"), "alice"));
        Assert.False(nested.Allows(Path.Combine(root, "SNAPSHOTS"), "alice"));
        Assert.False(nested.Allows(Path.Combine(root, "Users", "bob", "out"), "alice"));

        // Reading is decided as before, and so is a folder whose name differs by more than case.
        Assert.True(nested.Allows(Path.Combine(root, "Snapshots", "out"), "alice", write: false));
        Assert.True(nested.Allows(Path.Combine(root, "snapshot", "out"), "alice"));
        Assert.True(nested.Allows(Path.Combine(root, "users", "alice", "out"), "alice"));

        // The refusal says which read-only folder it was taken for.
        var refused = Assert.Throws<MetaClip.Engine.CurationException>(() => nested.Check("--out", Path.Combine(root, "Snapshots", "o"), "alice", write: true));
        Assert.Contains($"may be read, not written: its name differs only in case from the read-only {Path.Combine(root, "snapshots")}", refused.Message, StringComparison.Ordinal);
        var plain = Assert.Throws<MetaClip.Engine.CurationException>(() => nested.Check("--out", Path.Combine(root, "snapshots", "o"), "alice", write: true));
        Assert.Contains("is read-only for jobs: it may be read, not written", plain.Message, StringComparison.Ordinal);

        // A per-user read-only root keeps its folder from writes whatever the case of the name, and so does a read-only
        // root that cannot be resolved (a loop of links), by its spelling in the setting.
        var archive = AllowedLocations.Parse($"{root}; read:{root}/archive/{{principal}}", localNamesIgnoreCase: true);
        Assert.False(archive.Allows(Path.Combine(root, "archive", "Alice", "x"), "Alice"));
        Assert.False(archive.Allows(Path.Combine(root, "Archive", "alice", "x"), "alice"));
        Assert.True(archive.Allows(Path.Combine(root, "archive", "Alice", "x"), "Alice", write: false));
        string loop = Path.Combine(root, "loop");
        File.CreateSymbolicLink(loop, loop);
        var looping = AllowedLocations.Parse($"{root}; read:{loop}");
        Assert.False(looping.Allows(Path.Combine(root, "LOOP", "x"), "alice"));
        Assert.True(looping.Allows(Path.Combine(root, "other", "x"), "alice"));
    }

    [Fact]
    public void Where_names_ignore_case_a_principal_with_capitals_gets_no_folder_of_its_own()
    {
        // On macOS and Windows users/Alice is users/alice: two principals, one folder. There a per-user root gives a
        // name with capitals nothing; where case matters (Linux) each name has its own folder.
        string root = _dir.Combine("principals");
        Directory.CreateDirectory(Path.Combine(root, "users", "alice"));
        string setting = $"read:{root}/users; {root}/users/{{principal}}; az://curated/{{principal}}";
        var ignoring = AllowedLocations.Parse(setting, localNamesIgnoreCase: true);
        Assert.True(ignoring.Allows(Path.Combine(root, "users", "alice", "out"), "alice"));
        Assert.False(ignoring.Allows(Path.Combine(root, "users", "Alice", "out"), "Alice"));
        Assert.False(ignoring.Allows(Path.Combine(root, "users", "alice", "out"), "Alice"));
        Assert.False(AllowedLocations.Parse($"{root}/users/{{principal}}", localNamesIgnoreCase: true).Allows(Path.Combine(root, "users", "Alice", "out"), "Alice"));
        Assert.True(AllowedLocations.Parse($"{root}/users/{{principal}}", localNamesIgnoreCase: false).Allows(Path.Combine(root, "users", "Alice", "out"), "Alice"));
        Assert.True(ignoring.Allows("az://curated/Alice/out", "Alice")); // blob names keep their case
        var own = AllowedLocations.Parse($"{root}/users/{{principal}}", localNamesIgnoreCase: true);
        var refused = Assert.Throws<MetaClip.Engine.CurationException>(() => own.Check("--out", Path.Combine(root, "users", "Alice", "o"), "Alice", write: true));
        Assert.Contains("for a job of Alice: this file system ignores case, so a name with capitals gets no folder of its own (it would be alice's)", refused.Message, StringComparison.Ordinal);

        var keeping = AllowedLocations.Parse(setting, localNamesIgnoreCase: false);
        Assert.True(keeping.Allows(Path.Combine(root, "users", "Alice", "out"), "Alice"));
        Assert.False(keeping.Allows(Path.Combine(root, "users", "alice", "out"), "Alice"));
    }

    [Fact]
    public void Read_only_roots_and_each_users_own_roots_allow_what_they_say_and_nothing_of_another_users()
    {
        string root = _dir.Combine("root");
        Directory.CreateDirectory(Path.Combine(root, "users", "alice"));
        Directory.CreateDirectory(Path.Combine(root, "users", "bob"));
        Directory.CreateDirectory(Path.Combine(root, "snapshots"));
        var locations = AllowedLocations.Parse($"read:{root}/snapshots; {root}/users/{{principal}}/jobs ; az://out/{{principal}}; READ:az://crawls");
        Assert.Equal([$"read:{root}/snapshots", $"{root}/users/{{principal}}/jobs", "az://out/{principal}", "read:az://crawls"], locations.Roots);

        // Read-only: read by anyone's job, written by none.
        Assert.True(locations.Allows(Path.Combine(root, "snapshots", "a.jsonl"), "alice", write: false));
        Assert.False(locations.Allows(Path.Combine(root, "snapshots", "out"), "alice", write: true));
        Assert.True(locations.Allows("az://crawls/2024/part-0.parquet", null, write: false));
        Assert.False(locations.Allows("az://crawls/2024/out", "alice", write: true));

        // Each user's own: alice's jobs use hers, not bob's; a job without a name, or with a name that is no plain path
        // part (or one Windows keeps for a device), gets nothing from such a root.
        Assert.True(locations.Allows(Path.Combine(root, "users", "alice", "jobs", "out"), "alice"));
        Assert.True(locations.Allows(Path.Combine(root, "users", "alice", "jobs"), "alice", write: false));
        Assert.False(locations.Allows(Path.Combine(root, "users", "bob", "jobs", "out"), "alice"));
        Assert.False(locations.Allows(Path.Combine(root, "users", "bob", "jobs", "out"), "alice", write: false));
        Assert.False(locations.Allows(Path.Combine(root, "users", "alice", "other"), "alice"));
        Assert.False(locations.Allows(Path.Combine(root, "users", "alice", "jobs"), null));
        Assert.True(locations.Allows("az://out/alice/run-1", "alice"));
        Assert.False(locations.Allows("az://out/bob/run-1", "alice"));
        Assert.False(locations.Allows("az://out/alice-2/run-1", "alice"));
        foreach (string name in new[] { "..", ".", "a/b", "a\\b", "../bob", "", "-x", "bob.", new string('a', 129), "CON", "nul.bob" })
        {
            Assert.False(locations.Allows(Path.Combine(root, "users", "bob", "jobs"), name));
            Assert.False(locations.Allows(Path.Combine(root, "users", "alice", "jobs"), name));
        }

        // A link in alice's folder that leads into bob's is followed before the check; and her root's own folder made a
        // link (she owns the folder above it) makes the root give her nothing, rather than the link's target.
        Directory.CreateDirectory(Path.Combine(root, "users", "bob", "jobs"));
        Directory.CreateDirectory(Path.Combine(root, "users", "alice", "jobs"));
        Directory.CreateSymbolicLink(Path.Combine(root, "users", "alice", "jobs", "bobs"), Path.Combine(root, "users", "bob", "jobs"));
        Assert.False(locations.Allows(Path.Combine(root, "users", "alice", "jobs", "bobs", "out"), "alice"));
        Directory.CreateDirectory(Path.Combine(root, "users", "carol"));
        Directory.CreateSymbolicLink(Path.Combine(root, "users", "carol", "jobs"), Path.Combine(root, "users", "bob", "jobs"));
        Assert.False(locations.Allows(Path.Combine(root, "users", "carol", "jobs", "out"), "carol"));
        Assert.False(locations.Allows(Path.Combine(root, "users", "bob", "jobs", "out"), "carol"));
        Directory.CreateSymbolicLink(Path.Combine(root, "users", "dave"), "/");
        Assert.False(locations.Allows(Path.Combine(root, "users", "dave", "jobs", "out"), "dave"));
        Assert.False(locations.Allows("/jobs/out", "dave"));

        // The most specific root decides: a read-only folder inside a writable root stays read only, and a user's own
        // root inside a read-only one is the user's to write.
        var nested = AllowedLocations.Parse($"{root}; read:{root}/snapshots; read:{root}/users; {root}/users/{{principal}}");
        Assert.True(nested.Allows(Path.Combine(root, "other", "out"), "alice"));
        Assert.False(nested.Allows(Path.Combine(root, "snapshots", "out"), "alice"));
        Assert.False(nested.Allows(Path.Combine(root, "users", "bob", "out"), "alice"));
        Assert.True(nested.Allows(Path.Combine(root, "users", "bob", "out"), "alice", write: false));
        Assert.True(nested.Allows(Path.Combine(root, "users", "alice", "out"), "alice"));

        // The refusals say what is wrong: read-only, or outside for whom.
        var readOnly = Assert.Throws<MetaClip.Engine.CurationException>(() => locations.Check("--out", Path.Combine(root, "snapshots", "o"), "alice", write: true));
        Assert.Contains("is read-only for jobs: it may be read, not written (MetaClip:AllowedLocations", readOnly.Message, StringComparison.Ordinal);
        var others = Assert.Throws<MetaClip.Engine.CurationException>(() => locations.Check("--out", Path.Combine(root, "users", "bob", "jobs", "o"), "alice", write: true));
        Assert.Contains("is outside the locations this cluster allows (MetaClip:AllowedLocations, for a job of alice;", others.Message, StringComparison.Ordinal);
        var nameless = Assert.Throws<MetaClip.Engine.CurationException>(() => locations.Check("--out", Path.Combine(root, "users", "bob", "jobs", "o"), null, write: true));
        Assert.Contains("for a job submitted without a name", nameless.Message, StringComparison.Ordinal);

        var container = Assert.Throws<InvalidOperationException>(() => AllowedLocations.Parse("az://{principal}/x"));
        Assert.Contains("{principal} cannot be a container", container.Message, StringComparison.Ordinal);

        // The placeholder is one whole part of a location, once.
        foreach (string bad in new[] { $"{root}/user-{{principal}}", $"{root}/{{principal}}/{{principal}}", $"{root}/{{principal}}x/y" })
        {
            var error = Assert.Throws<InvalidOperationException>(() => AllowedLocations.Parse(bad));
            Assert.Contains("{principal} must be one whole part of the location, once", error.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>The addresses that listen on TCP <paramref name="port"/> (IPv4 and IPv6), from <c>/proc/net/tcp*</c> as <c>ss -ltn</c> reads them.</summary>
    private static List<IPAddress> Listening(int port)
    {
        var addresses = new List<IPAddress>();
        foreach (string table in new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists))
        {
            foreach (string line in File.ReadLines(table).Skip(1))
            {
                string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                string[] local = fields[1].Split(':');
                if (fields[3] != "0A" || int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) != port)
                {
                    continue;
                }

                // The kernel writes the address as 32-bit words in host (little-endian) order.
                byte[] bytes = Convert.FromHexString(local[0]);
                for (int i = 0; i < bytes.Length; i += 4)
                {
                    Array.Reverse(bytes, i, 4);
                }

                addresses.Add(new IPAddress(bytes));
            }
        }

        return addresses;
    }

    internal static IPAddress? NonLoopbackAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient http, HttpMethod method, Uri url, string? key)
    {
        using var request = new HttpRequestMessage(method, url);
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
