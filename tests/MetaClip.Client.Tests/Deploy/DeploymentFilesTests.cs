using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using MetaClip.Grains.Hosting;
using MetaClip.Grains.Telemetry;
using Orleans.Configuration;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace MetaClip.Client.Tests.Deploy;

/// <summary>
/// docker-compose.yml, the Kubernetes manifests and the Grafana dashboard name only settings the silo reads and
/// metrics the silos export: the manifests' settings start real silo processes that run a job, and every series a
/// dashboard panel plots is one those silos serve. (No container is built here: the machine has no docker daemon.)
/// </summary>
public sealed partial class DeploymentFilesTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly HashSet<string> HttpSettings = new(["ViewerKeys", "OperatorKeys", "ViewerKeysFile", "OperatorKeysFile", "AnonymousMetrics"], StringComparer.Ordinal);

    public static TheoryData<string> SiloEnvironments => [.. DeploymentFiles.SiloEnvironments().Keys];

    [Theory]
    [MemberData(nameof(SiloEnvironments))]
    public void Every_setting_a_deployment_gives_a_silo_is_one_the_silo_reads(string silo)
    {
        var settings = typeof(ClusterSettings).GetProperties(BindingFlags.Public | BindingFlags.Instance).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var membership = typeof(ClusterMembershipOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var environment = DeploymentFiles.SiloEnvironments()[silo];
        Assert.NotEmpty(environment);
        foreach (var (name, value) in environment)
        {
            string[] parts = name.Split("__");
            switch (parts)
            {
                case ["MetaClip", var setting]:
                    Assert.True(settings.TryGetValue(setting, out var property), $"{silo}: {name} is not a silo setting (ClusterSettings has no {setting})");
                    if (value is not null && !value.StartsWith('<'))
                    {
                        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                        object parsed = type.IsEnum ? Enum.Parse(type, value) : Convert.ChangeType(value, type, CultureInfo.InvariantCulture);
                        Assert.NotNull(parsed);
                    }

                    break;
                case ["MetaClip", "Http", var http]:
                    // The silo's HTTP access (silo/MetaClip.Silo/HttpAccess.cs).
                    Assert.True(HttpSettings.Contains(http), $"{silo}: {name} is not an HTTP setting of the silo");
                    break;
                case ["METACLIP_HTTP_VIEWER_KEYS" or "METACLIP_HTTP_OPERATOR_KEYS" or "METACLIP_HTTP_VIEWER_KEYS_FILE" or "METACLIP_HTTP_OPERATOR_KEYS_FILE"]:
                    break;
                case ["MetaClip", "Tls", var tls]:
                    Assert.True(typeof(TlsSettings).GetProperty(tls) is not null, $"{silo}: {name} is not a TLS setting of the silo (TlsSettings has no {tls})");
                    break;
                case [TlsSettings.CertificateVariable or TlsSettings.KeyVariable or TlsSettings.PasswordVariable or TlsSettings.CaVariable]:
                    break;
                case ["Orleans", "Membership", var option]:
                    Assert.True(membership.Contains(option), $"{silo}: {name} is not a ClusterMembershipOptions property");
                    break;
                case ["Orleans", "Metadata", _]:
                case ["Logging", "LogLevel", _]:
                case [ClusterSettings.ConnectionStringVariable]:
                    break;
                default:
                    Assert.Fail($"{silo}: {name} is not read by the silo");
                    break;
            }
        }

        // Every deployed silo joins through the membership table and keeps grain state in blobs.
        Assert.Equal("AzureTable", environment["MetaClip__Clustering"]);
        Assert.Equal("AzureBlob", environment["MetaClip__GrainStorage"]);
        Assert.True(environment.ContainsKey(ClusterSettings.ConnectionStringVariable), $"{silo}: no storage connection string");
        Assert.True(environment.ContainsKey("MetaClip__AdvertisedAddress"), $"{silo}: no advertised address");
    }

    [Fact]
    public void The_gpu_silos_are_the_only_kubernetes_silos_that_train()
    {
        var silos = DeploymentFiles.SiloEnvironments();
        Assert.Equal("gpu", silos["kubernetes/metaclip-silo-gpu"]["Orleans__Metadata__accelerator"]);
        Assert.DoesNotContain(silos["kubernetes/metaclip-silo"].Keys, k => k.StartsWith("Orleans__Metadata__", StringComparison.Ordinal));
    }

    [Fact]
    public void Prometheus_scrapes_every_compose_silo_on_its_http_port()
    {
        var compose = DeploymentFiles.Compose();
        var silos = DeploymentFiles.SiloEnvironments().Keys.Where(k => k.StartsWith("compose/", StringComparison.Ordinal)).Select(k => k["compose/".Length..]);
        string prometheus = File.ReadAllText(Repository.Path("deploy", "prometheus", "prometheus.yml"));
        foreach (string silo in silos)
        {
            Assert.Contains($"\"{silo}:8080\"", prometheus, StringComparison.Ordinal);
            Assert.True(((Dictionary<object, object>)compose["services"]).ContainsKey(silo));
            var service = (Dictionary<object, object>)((Dictionary<object, object>)DeploymentFiles.Compose("docker-compose.override.yml")["services"])[silo];
            Assert.Contains(((List<object>)service["ports"]).Cast<string>(), p => p.StartsWith("127.0.0.1:", StringComparison.Ordinal) && p.EndsWith(":8080", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Compose_publishes_every_port_on_loopback_only_and_takes_its_secrets_from_the_environment_without_defaults()
    {
        foreach (var (name, service) in (Dictionary<object, object>)DeploymentFiles.Compose("docker-compose.override.yml")["services"])
        {
            foreach (string port in ((List<object>)((Dictionary<object, object>)service)["ports"]).Cast<string>())
            {
                Assert.True(port.StartsWith("127.0.0.1:", StringComparison.Ordinal), $"{name} publishes {port} beyond loopback");
            }
        }

        Assert.DoesNotContain("ports", ((Dictionary<object, object>)DeploymentFiles.Compose()["services"]).Values.Cast<Dictionary<object, object>>().SelectMany(s => s.Keys.Cast<string>()));

        // A secret is ${NAME:?message}: compose stops with the message when it is unset or empty; .env.example names each.
        var services = (Dictionary<object, object>)DeploymentFiles.Compose()["services"];
        string example = File.ReadAllText(Repository.Path(".env.example"));
        void AssertSecret(string service, string variable, string name)
        {
            var environment = (Dictionary<object, object>)((Dictionary<object, object>)services[service])["environment"];
            Assert.StartsWith($"${{{name}:?", (string)environment[variable], StringComparison.Ordinal);
            Assert.Matches($"(?m)^{name}=$", example);
        }

        AssertSecret("grafana", "GF_SECURITY_ADMIN_PASSWORD", "GRAFANA_ADMIN_PASSWORD");
        Assert.Equal("false", ((Dictionary<object, object>)((Dictionary<object, object>)services["grafana"])["environment"])["GF_AUTH_ANONYMOUS_ENABLED"]);
        foreach (string silo in DeploymentFiles.SiloEnvironments().Keys.Where(k => k.StartsWith("compose/", StringComparison.Ordinal)).Select(k => k["compose/".Length..]))
        {
            AssertSecret(silo, "METACLIP_HTTP_VIEWER_KEYS", "METACLIP_HTTP_VIEWER_KEYS");
            AssertSecret(silo, "METACLIP_HTTP_OPERATOR_KEYS", "METACLIP_HTTP_OPERATOR_KEYS");
        }
    }

    [SkippableFact]
    public async Task Silos_with_the_kubernetes_settings_run_a_job_and_serve_every_metric_the_dashboard_plots()
    {
        string storage = AzuriteStorage.Require();
        // The pod's IP and the secrets are the only values Kubernetes fills in; here they are loopback, Azurite, and
        // the mounted secrets' files (TLS certificates of a CA made here, HTTP keys) in a folder of the test's.
        var settings = DeploymentFiles.SiloEnvironments()["kubernetes/metaclip-silo"]
            .Where(e => e.Value is not null && !e.Value.StartsWith('<'))
            .ToDictionary(e => e.Key, e => e.Key == "MetaClip__MatcherCache" ? _dir.Combine("matchers") : e.Value!, StringComparer.Ordinal);
        settings["MetaClip__AdvertisedAddress"] = "127.0.0.1";
        settings["MetaClip__AllowedLocations"] = $"{Repository.Root};{Path.GetTempPath()}";
        using var ca = new TestCertificateAuthority(_dir.Combine("secrets", "tls"), "cluster-ca");
        var (certificate, key) = ca.IssuePem("silo");
        var (clientCertificate, clientKey) = ca.IssuePem("metaclip-operator");
        string[] secrets = [certificate, key, ca.CaFile, _dir.Combine("secrets", "viewer-keys"), _dir.Combine("secrets", "operator-keys")];
        File.WriteAllText(secrets[3], "viewer-key-0123456789abcdef\n");
        File.WriteAllText(secrets[4], "operator-key-0123456789abcdef\n");
        string[] mounted = ["METACLIP_TLS_CERT", "METACLIP_TLS_KEY", "METACLIP_TLS_CA", "METACLIP_HTTP_VIEWER_KEYS_FILE", "METACLIP_HTTP_OPERATOR_KEYS_FILE"];
        for (int i = 0; i < mounted.Length; i++)
        {
            Assert.StartsWith("/etc/metaclip/", settings[mounted[i]], StringComparison.Ordinal);
            settings[mounted[i]] = secrets[i];
        }

        string[] client = ["--tls-cert", clientCertificate, "--tls-key", clientKey, "--tls-ca", ca.CaFile];
        await using var silos = new SiloProcesses(2, storage, settings: settings);
        await silos.StartAllAsync();
        for (int i = 0; i < 2; i++)
        {
            using var health = JsonDocument.Parse(await silos.HealthAsync(i));
            Assert.Equal("AzureTable", health.RootElement.GetProperty("clustering").GetString());
            Assert.Equal("AzureBlob", health.RootElement.GetProperty("grainStorage").GetString());
            Assert.Equal(int.Parse(settings["MetaClip__MaxConcurrentShards"], CultureInfo.InvariantCulture), health.RootElement.GetProperty("maxConcurrentShards").GetInt32());
        }

        // The images' health check: the silo binary asked about a running silo, and about a port nothing listens on.
        Assert.Equal((0, ""), await HealthCheckAsync(silos.SiloAssembly, silos.HealthUrl(0)));
        var closed = new Uri($"http://127.0.0.1:{SiloProcesses.FreePorts(1)[0]}/health");
        var (code, error) = await HealthCheckAsync(silos.SiloAssembly, closed);
        Assert.Equal(1, code);
        Assert.StartsWith(closed + ": ", error, StringComparison.Ordinal);

        var submit = await CliRun.RunAsync(["submit", "--snapshot", Repository.Path("samples", "snapshot"), "--metadata", Repository.Path("samples", "metadata"),
            "--lang-column", "lang", "--t-en", "20", "--out", _dir.Combine("out"), .. silos.ClientOptions, .. client]);
        Assert.True(submit.ExitCode == 0, submit.Error);
        var watch = await CliRun.RunAsync(["watch", submit.Output.Split(' ')[2], .. silos.ClientOptions, .. client]);
        Assert.True(watch.ExitCode == 0, watch.Error + silos.Logs());
        Assert.True(File.Exists(_dir.Combine("out", "thresholds.json")));

        // What the silos serve after a job: metric names and, per metric, its label names (and each family's type).
        var served = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < 2; i++)
        {
            string metrics = await silos.MetricsAsync(i);
            foreach (Match type in PrometheusType().Matches(metrics))
            {
                types[type.Groups["name"].Value] = type.Groups["type"].Value;
            }

            foreach (Match sample in PrometheusSample().Matches(metrics))
            {
                var labels = served.TryGetValue(sample.Groups["name"].Value, out var known) ? known : served[sample.Groups["name"].Value] = [];
                labels.UnionWith(LabelName().Matches(sample.Groups["labels"].Value).Select(m => m.Groups[1].Value));
            }
        }

        // The project's counters that a curation job does not touch (training, re-runs) are checked against the meter.
        var declared = typeof(MetaClipMetrics).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => f.GetValue(null)).OfType<System.Diagnostics.Metrics.Instrument>().Select(i => i.Name + "_total").ToHashSet(StringComparer.Ordinal);
        Assert.Contains("metaclip_training_steps_total", declared);
        var expressions = DeploymentFiles.DashboardExpressions();
        Assert.True(expressions.Count >= 10, $"the dashboard has {expressions.Count} queries");
        foreach (string expression in expressions)
        {
            foreach (Match metric in SeriesName().Matches(expression))
            {
                string name = metric.Value;
                string series = Regex.Replace(name, "_(bucket|count|sum)$", "");
                bool servedNow = served.ContainsKey(name) || served.Keys.Any(s => s.StartsWith(series + "_", StringComparison.Ordinal));
                Assert.True(servedNow || declared.Contains(name), $"the dashboard plots {name} ({expression}), which no silo serves");
                if (served.TryGetValue(name, out var labels))
                {
                    foreach (Match by in ByLabels().Matches(expression))
                    {
                        foreach (string label in by.Groups[1].Value.Split(',').Select(l => l.Trim()).Where(l => l is not ("instance" or "job" or "le")))
                        {
                            Assert.True(labels.Contains(label), $"{expression}: {name} has no label {label} (it has {string.Join(", ", labels)})");
                        }
                    }
                }
            }
        }

        Assert.Contains("metaclip_shards_total", served.Keys);
        Assert.Contains("pass", served["metaclip_shards_total"]);

        // rate() and increase() only of counters (and histograms' buckets): a gauge's rate means nothing.
        foreach (string expression in expressions)
        {
            foreach (Match rate in RateOf().Matches(expression))
            {
                string name = rate.Groups["name"].Value;
                string family = Regex.Replace(name, "_(bucket|count|sum)$", "");
                string? type = types.GetValueOrDefault(name) ?? types.GetValueOrDefault(family);
                Assert.True(type is null or "counter" or "histogram", $"{expression}: {name} is a {type}, not a counter");
            }
        }

        // The counters a job without re-runs or training never touches are served from 0 on every silo (a panel shows
        // 0, not "No data").
        for (int i = 0; i < 2; i++)
        {
            string metrics = await silos.MetricsAsync(i);
            Assert.Contains("metaclip_shard_retries_total{", metrics, StringComparison.Ordinal);
            Assert.Contains("reason=\"handed-back\"", metrics, StringComparison.Ordinal);
            Assert.Matches(@"(?m)^metaclip_training_steps_total(\{[^}]*\})? 0( |$)", metrics);
            Assert.Matches(@"(?m)^metaclip_training_images_total(\{[^}]*\})? 0( |$)", metrics);
        }
    }

    [Fact]
    public void The_silos_up_panel_counts_the_compose_job_and_the_prometheus_operators_job()
    {
        string expression = DeploymentFiles.DashboardExpressions().Single(e => e.StartsWith("count(up{", StringComparison.Ordinal));
        var matcher = JobMatcher().Match(expression);
        Assert.True(matcher.Success, $"'Silos up' does not select the silo job by a regex: {expression}");
        var job = new Regex("^(?:" + matcher.Groups["regex"].Value + ")$");
        // The compose file's Prometheus job, and the PodMonitor's (Prometheus Operator: NAMESPACE/NAME).
        Assert.Matches(job, "metaclip-silo");
        Assert.Matches(job, "metaclip/metaclip-silo");
        Assert.DoesNotMatch(job, "metaclip-silo-other");
        Assert.Contains("job_name: metaclip-silo", File.ReadAllText(Repository.Path("deploy", "prometheus", "prometheus.yml")), StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Error)> HealthCheckAsync(string silo, Uri url)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", [silo, "--health-check", url.ToString()]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await error).Trim());
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? ", RegexOptions.Multiline)]
    private static partial Regex PrometheusSample();

    [GeneratedRegex(@"^# TYPE (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) (?<type>[a-z]+)", RegexOptions.Multiline)]
    private static partial Regex PrometheusType();

    [GeneratedRegex(@"\b(?:rate|irate|increase)\((?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)")]
    private static partial Regex RateOf();

    [GeneratedRegex(@"job=~""(?<regex>[^""]+)""")]
    private static partial Regex JobMatcher();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""")]
    private static partial Regex LabelName();

    [GeneratedRegex(@"\b(metaclip|orleans|dotnet)_[a-z0-9_]+\b")]
    private static partial Regex SeriesName();

    [GeneratedRegex(@"\bby \(([^)]*)\)")]
    private static partial Regex ByLabels();
}

/// <summary>The repository's deployment files, read as their tools read them.</summary>
internal static class DeploymentFiles
{
    /// <summary>docker-compose.yml (or another compose file of the repository) with its YAML anchors and merge keys resolved.</summary>
    public static Dictionary<object, object> Compose(string file = "docker-compose.yml")
    {
        using var reader = new StreamReader(Repository.Path(file));
        return (Dictionary<object, object>)new DeserializerBuilder().Build().Deserialize(new MergingParser(new Parser(reader)))!;
    }

    /// <summary>
    /// Each silo's environment, by <c>compose/SERVICE</c> or <c>kubernetes/DEPLOYMENT</c>; a value Kubernetes fills in
    /// (<c>valueFrom</c>) is shown as <c>&lt;from …&gt;</c>.
    /// </summary>
    public static Dictionary<string, Dictionary<string, string?>> SiloEnvironments()
    {
        var silos = new Dictionary<string, Dictionary<string, string?>>(StringComparer.Ordinal);
        foreach (var (name, service) in (Dictionary<object, object>)Compose()["services"])
        {
            var definition = (Dictionary<object, object>)service;
            if (definition.TryGetValue("build", out var build) && ((Dictionary<object, object>)build)["dockerfile"] is "deploy/docker/silo.Dockerfile")
            {
                silos["compose/" + name] = ((Dictionary<object, object>)definition["environment"]).ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);
            }
        }

        var documents = Directory.GetFiles(Repository.Path("deploy", "kubernetes"), "*.yaml").SelectMany(Documents).ToList();
        var configMaps = documents.Where(d => (string)d["kind"] == "ConfigMap")
            .ToDictionary(d => (string)Map(d["metadata"])["name"], d => Map(d["data"]), StringComparer.Ordinal);
        foreach (var deployment in documents.Where(d => (string)d["kind"] == "Deployment"))
        {
            var spec = Map(Map(Map(deployment["spec"])["template"])["spec"]);
            var container = Map(((List<object>)spec["containers"]).Single());
            var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var source in container.TryGetValue("envFrom", out var from) ? (List<object>)from : [])
            {
                string configMap = (string)Map(Map(source)["configMapRef"])["name"];
                foreach (var (key, value) in configMaps[configMap])
                {
                    environment[(string)key] = (string)value;
                }
            }

            foreach (var variable in ((List<object>)container["env"]).Select(Map))
            {
                environment[(string)variable["name"]] = variable.TryGetValue("value", out var value) ? (string)value : $"<from {string.Join(',', Map(variable["valueFrom"]).Keys)}>";
            }

            silos["kubernetes/" + (string)Map(deployment["metadata"])["name"]] = environment;
        }

        return silos;
    }

    /// <summary>The PromQL of every panel of every dashboard under deploy/grafana/dashboards.</summary>
    public static List<string> DashboardExpressions()
    {
        var expressions = new List<string>();
        foreach (string file in Directory.GetFiles(Repository.Path("deploy", "grafana", "dashboards"), "*.json"))
        {
            using var dashboard = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
            {
                expressions.AddRange(panel.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!));
            }
        }

        return expressions;
    }

    private static Dictionary<object, object> Map(object node) => (Dictionary<object, object>)node;

    private static IEnumerable<Dictionary<object, object>> Documents(string file)
    {
        using var reader = new StreamReader(file);
        var parser = new Parser(reader);
        var deserializer = new DeserializerBuilder().Build();
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        var documents = new List<Dictionary<object, object>>();
        while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _))
        {
            documents.Add((Dictionary<object, object>)deserializer.Deserialize(parser)!);
        }

        return documents;
    }
}
