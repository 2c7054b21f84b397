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
        foreach (string kind in (string[])["Namespace", "ConfigMap", "Deployment", "PodDisruptionBudget", "HorizontalPodAutoscaler", "PodMonitor"])
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
