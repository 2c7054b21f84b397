using System.Diagnostics;
using YamlDotNet.Serialization;

namespace MetaClip.Client.Tests.Deploy;

/// <summary>
/// deploy/kubernetes as a cluster would take it, offline (no API server runs here): <c>kubectl kustomize</c> renders
/// it, and every object (and the PodMonitor) validates against the Kubernetes OpenAPI schemas of a current release
/// (npm <c>kubernetes-models</c>, installed into .artifacts/k8s-validate by deploy/kubernetes/validate/). Then the
/// fields this project relies on, by name: the packaged validators do not reject unknown fields.
/// </summary>
public sealed class KubernetesManifestsTests
{
    private static readonly string Validator = Repository.Path(".artifacts", "k8s-validate");

    [SkippableFact]
    public async Task Every_rendered_object_validates_against_the_kubernetes_schemas()
    {
        string rendered = await RenderAsync();
        string file = Path.Combine(Validator, "rendered.yaml");
        await File.WriteAllTextAsync(file, rendered);
        var (code, output) = await ValidateAsync(file, Repository.Path("deploy", "kubernetes", "podmonitor.yaml"));
        Assert.True(code == 0, output);
        int objects = Documents(rendered).Count + 1;
        Assert.Contains($"{objects} objects, 0 invalid", output, StringComparison.Ordinal);
        foreach (string kind in (string[])["Namespace", "ConfigMap", "Deployment", "PodDisruptionBudget", "HorizontalPodAutoscaler", "NetworkPolicy", "PodMonitor"])
        {
            Assert.Contains($"ok {kind} ", output, StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task The_validator_rejects_a_broken_object()
    {
        await PrepareValidatorAsync();
        string file = Path.Combine(Validator, "broken.yaml");
        await File.WriteAllTextAsync(file, """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: broken}
            spec:
              replicas: "3"
              selector: {matchLabels: {a: b}}
              template: {metadata: {labels: {a: b}}, spec: {}}
            """);
        var (code, output) = await ValidateAsync(file);
        Assert.Equal(1, code);
        Assert.Contains("spec/replicas must be integer", output, StringComparison.Ordinal);
        Assert.Contains("must have required property containers", output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Silos_start_probed_roll_out_without_losing_one_run_locked_down_and_have_disruption_budgets()
    {
        var documents = Documents(await RenderAsync());
        var deployments = documents.Where(d => (string)d["kind"] == "Deployment").ToList();
        var autoscaled = documents.Where(d => (string)d["kind"] == "HorizontalPodAutoscaler")
            .Select(h => (string)Map(Map(h["spec"])["scaleTargetRef"])["name"]).ToHashSet(StringComparer.Ordinal);
        var budgets = documents.Where(d => (string)d["kind"] == "PodDisruptionBudget").Select(b => Map(Map(Map(b["spec"])["selector"])["matchLabels"])).ToList();
        Assert.Equal(2, deployments.Count);
        Assert.Contains("metaclip-silo", autoscaled);
        foreach (var deployment in deployments)
        {
            string name = (string)Map(deployment["metadata"])["name"];
            var spec = Map(deployment["spec"]);
            // The autoscaler owns the count: a fixed replicas would reset it on every apply.
            Assert.True(!autoscaled.Contains(name) || !spec.ContainsKey("replicas"), $"{name}: replicas is set although an autoscaler owns the count");
            var rolling = Map(Map(spec["strategy"])["rollingUpdate"]);
            Assert.Equal("0", rolling["maxUnavailable"].ToString());

            var template = Map(spec["template"]);
            var labels = Map(Map(template["metadata"])["labels"]);
            Assert.True(budgets.Any(b => b.All(l => labels.TryGetValue(l.Key, out var v) && Equals(v, l.Value))), $"{name}: no PodDisruptionBudget selects its pods");

            var pod = Map(template["spec"]);
            var podSecurity = Map(pod["securityContext"]);
            Assert.Equal("true", podSecurity["runAsNonRoot"].ToString());
            Assert.Equal("RuntimeDefault", Map(podSecurity["seccompProfile"])["type"]);
            var container = Map(((List<object>)pod["containers"]).Single());
            var security = Map(container["securityContext"]);
            Assert.Equal("true", security["readOnlyRootFilesystem"].ToString());
            Assert.Equal("false", security["allowPrivilegeEscalation"].ToString());
            Assert.Equal("ALL", Assert.Single((List<object>)Map(security["capabilities"])["drop"]));
            foreach (string probe in (string[])["startupProbe", "readinessProbe", "livenessProbe"])
            {
                Assert.True(container.ContainsKey(probe), $"{name}: no {probe}");
                Assert.Equal("/health", Map(Map(container[probe])["httpGet"])["path"]);
            }

            // A read-only root: /tmp and the compiled-list cache are volumes.
            var mounts = ((List<object>)container["volumeMounts"]).Select(m => (string)Map(m)["mountPath"]).ToList();
            Assert.Contains("/tmp", mounts);
            Assert.Contains("/cache/matchers", mounts);
        }
    }

    [SkippableFact]
    public async Task Silos_take_their_tls_certificates_and_http_keys_from_mounted_secrets_and_never_run_without_tls()
    {
        var documents = Documents(await RenderAsync());
        var config = Map(documents.Single(d => (string)d["kind"] == "ConfigMap" && (string)Map(d["metadata"])["name"] == "metaclip-silo")["data"]);
        Assert.False(config.ContainsKey("MetaClip__AllowInsecureTransport"), "the silos run without TLS on purpose");
        var files = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["METACLIP_TLS_CERT"] = "/etc/metaclip/tls/tls.crt",
            ["METACLIP_TLS_KEY"] = "/etc/metaclip/tls/tls.key",
            ["METACLIP_TLS_CA"] = "/etc/metaclip/tls/ca.crt",
            ["METACLIP_HTTP_VIEWER_KEYS_FILE"] = "/etc/metaclip/http/viewer-keys",
            ["METACLIP_HTTP_OPERATOR_KEYS_FILE"] = "/etc/metaclip/http/operator-keys",
        };
        foreach (var (variable, file) in files)
        {
            Assert.Equal(file, config[variable]);
        }

        var deployments = documents.Where(d => (string)d["kind"] == "Deployment").ToList();
        Assert.Equal(2, deployments.Count);
        foreach (var deployment in deployments)
        {
            string name = (string)Map(deployment["metadata"])["name"];
            var pod = Map(Map(Map(deployment["spec"])["template"])["spec"]);
            var container = Map(((List<object>)pod["containers"]).Single());
            Assert.Contains(((List<object>)container["envFrom"]).Select(Map), e => (string)Map(e["configMapRef"])["name"] == "metaclip-silo");
            var volumes = ((List<object>)pod["volumes"]).Select(Map).ToDictionary(v => (string)v["name"], StringComparer.Ordinal);
            var mounts = ((List<object>)container["volumeMounts"]).Select(Map).ToList();
            foreach (var (volume, secret, folder) in new[] { ("tls", "metaclip-tls", "/etc/metaclip/tls"), ("http-keys", "metaclip-http-keys", "/etc/metaclip/http") })
            {
                Assert.True(volumes.TryGetValue(volume, out var definition), $"{name}: no {volume} volume");
                Assert.Equal(secret, Map(definition["secret"])["secretName"]);
                var mount = Assert.Single(mounts, m => (string)m["name"] == volume);
                Assert.Equal(folder, mount["mountPath"]);
                Assert.Equal("true", mount["readOnly"].ToString());

                // A subPath mount would never see a rotated secret.
                Assert.False(mount.ContainsKey("subPath"), $"{name}: {volume} is mounted with a subPath");
            }
        }
    }

    [SkippableFact]
    public async Task A_network_policy_lets_only_silos_reach_silo_ports_and_only_clients_and_http_namespaces_reach_gateways_and_http()
    {
        var documents = Documents(await RenderAsync());
        var silo = new Dictionary<object, object> { ["app.kubernetes.io/name"] = "metaclip", ["app.kubernetes.io/component"] = "silo" };
        var gpuSilo = new Dictionary<object, object> { ["app.kubernetes.io/name"] = "metaclip", ["app.kubernetes.io/component"] = "silo-gpu" };
        var client = new Dictionary<object, object> { ["app.kubernetes.io/name"] = "metaclip", ["app.kubernetes.io/component"] = "client" };
        var stranger = new Dictionary<object, object> { ["app"] = "something-else" };

        // Every silo pod is under the policy (the deployments' own labels), for ingress.
        var policy = Map(Assert.Single(documents, d => (string)d["kind"] == "NetworkPolicy")["spec"]);
        Assert.Contains("Ingress", ((List<object>)policy["policyTypes"]).Cast<string>());
        foreach (var deployment in documents.Where(d => (string)d["kind"] == "Deployment"))
        {
            var labels = Map(Map(Map(Map(deployment["spec"])["template"])["metadata"])["labels"]);
            Assert.True(Selects(Map(policy["podSelector"]), labels), $"{Map(deployment["metadata"])["name"]}: its pods are not under the network policy");
        }

        // Each port is opened by one rule, to exactly these peers.
        var rules = ((List<object>)policy["ingress"]).Select(Map).ToList();
        Assert.All(rules, r => Assert.True(r.ContainsKey("ports") && r.ContainsKey("from"), "a rule without ports or peers opens everything"));
        List<Dictionary<object, object>> PeersOf(int port) =>
            ((List<object>)Assert.Single(rules, r => ((List<object>)r["ports"]).Select(Map).Any(p => p["port"].ToString() == port.ToString(System.Globalization.CultureInfo.InvariantCulture)))["from"]).Select(Map).ToList();

        var siloPeers = PeersOf(11111);
        Assert.All(siloPeers, p => Assert.Equal(["podSelector"], p.Keys.Cast<string>()));
        Assert.Contains(siloPeers, p => Selects(Map(p["podSelector"]), silo));
        Assert.Contains(siloPeers, p => Selects(Map(p["podSelector"]), gpuSilo));
        Assert.DoesNotContain(siloPeers, p => Selects(Map(p["podSelector"]), client) || Selects(Map(p["podSelector"]), stranger));

        var gatewayPeers = PeersOf(30000);
        Assert.All(gatewayPeers, p => Assert.Equal(["podSelector"], p.Keys.Cast<string>()));
        Assert.Contains(gatewayPeers, p => Selects(Map(p["podSelector"]), client));
        Assert.DoesNotContain(gatewayPeers, p => Selects(Map(p["podSelector"]), stranger) || Selects(Map(p["podSelector"]), silo));

        var httpPeers = PeersOf(8080);
        Assert.Contains(httpPeers, p => p.TryGetValue("podSelector", out var pods) && Selects(Map(pods), client));
        Assert.DoesNotContain(httpPeers, p => p.TryGetValue("podSelector", out var pods) && Selects(Map(pods), stranger));
        var namespaces = Map(Assert.Single(httpPeers, p => p.ContainsKey("namespaceSelector"))["namespaceSelector"]);
        Assert.NotEmpty(Map(namespaces["matchLabels"]));
    }

    /// <summary>Whether a label selector (<c>matchLabels</c>, and <c>matchExpressions</c> with In) selects <paramref name="labels"/>; an empty selector selects everything.</summary>
    private static bool Selects(Dictionary<object, object> selector, Dictionary<object, object> labels)
    {
        bool matches = !selector.TryGetValue("matchLabels", out var required) || Map(required).All(l => labels.TryGetValue(l.Key, out var v) && Equals(v, l.Value));
        if (selector.TryGetValue("matchExpressions", out var expressions))
        {
            foreach (var expression in ((List<object>)expressions).Select(Map))
            {
                Assert.Equal("In", expression["operator"]);
                matches &= labels.TryGetValue(expression["key"], out var value) && ((List<object>)expression["values"]).Contains(value);
            }
        }

        return matches;
    }

    private static async Task<string> RenderAsync()
    {
        string? kubectl = Which("kubectl");
        SkipUnlessCi(kubectl is null, "kubectl is not installed (Debian: apt-get install kubernetes-client)");
        var (code, output, error) = await RunAsync(kubectl!, ["kustomize", Repository.Path("deploy", "kubernetes")], Repository.Path());
        Assert.True(code == 0, $"kubectl kustomize failed: {error}");
        await PrepareValidatorAsync();
        return output;
    }

    /// <summary>deploy/kubernetes/validate/ copied to .artifacts/k8s-validate, its packages installed there once (npm).</summary>
    private static async Task PrepareValidatorAsync()
    {
        SkipUnlessCi(Which("node") is null || Which("npm") is null, "Node.js/npm are not installed");
        Directory.CreateDirectory(Validator);
        string source = Repository.Path("deploy", "kubernetes", "validate");
        string package = await File.ReadAllTextAsync(Path.Combine(source, "package.json"));
        string installed = Path.Combine(Validator, "package.json");
        bool current = File.Exists(installed) && await File.ReadAllTextAsync(installed) == package &&
            Directory.Exists(Path.Combine(Validator, "node_modules", "kubernetes-models"));
        File.Copy(Path.Combine(source, "validate.mjs"), Path.Combine(Validator, "validate.mjs"), overwrite: true);
        if (!current)
        {
            await File.WriteAllTextAsync(installed, package);
            var (code, output, error) = await RunAsync(Which("npm")!, ["install", "--no-audit", "--no-fund", "--no-update-notifier"], Validator);
            Assert.True(code == 0, $"npm install of the validator failed: {output}{error}");
        }
    }

    private static async Task<(int Code, string Output)> ValidateAsync(params string[] files)
    {
        var (code, output, error) = await RunAsync(Which("node")!, ["validate.mjs", .. files], Validator);
        return (code, output + error);
    }

    private static void SkipUnlessCi(bool missing, string why)
    {
        if (missing && string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail($"CI=true but {why}: .ci/run installs it");
        }

        Skip.If(missing, why);
    }

    private static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);

    private static async Task<(int Code, string Output, string Error)> RunAsync(string program, string[] arguments, string directory)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    private static List<Dictionary<object, object>> Documents(string yaml)
    {
        var deserializer = new DeserializerBuilder().Build();
        return yaml.Split("\n---\n").Where(d => !string.IsNullOrWhiteSpace(d)).Select(d => (Dictionary<object, object>)deserializer.Deserialize<object>(d)!).ToList();
    }

    private static Dictionary<object, object> Map(object node) => (Dictionary<object, object>)node;
}
