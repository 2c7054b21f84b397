using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MetaClip.Client;

namespace MetaClip.Tests.Commands;

/// <summary>
/// <c>metaclip submit/watch/status/cancel</c> against a real cluster of two silo processes on loopback,
/// compared with the single-process engine.
/// </summary>
public sealed class ClusterCommandTests : IAsyncLifetime
{
    private readonly List<Process> _silos = [];
    private string _cluster = string.Empty;

    public async Task InitializeAsync()
    {
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        string silo = Repository.Path("silo", "MetaClip.Silo", "bin", configuration, "net10.0", "MetaClip.Silo.dll");
        Assert.True(File.Exists(silo), $"the silo host is not built: {silo}");
        var ports = FreePorts(6);
        var gateways = new List<string>();
        for (int i = 0; i < 2; i++)
        {
            var start = new ProcessStartInfo("dotnet", [silo, "--urls", $"http://127.0.0.1:{ports[4 + i]}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.Environment["MetaClip__SiloPort"] = ports[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["MetaClip__GatewayPort"] = ports[2 + i].ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["MetaClip__PrimarySiloPort"] = ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["MetaClip__ClusterId"] = "metaclip-test";
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _silos.Add(process);
            await WaitHealthyAsync(ports[4 + i]);
            gateways.Add($"127.0.0.1:{ports[2 + i]}");
        }

        _cluster = string.Join(',', gateways);
    }

    public Task DisposeAsync()
    {
        foreach (var process in _silos)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
            process.Dispose();
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_job_submitted_to_two_silo_processes_gives_the_engine_result_and_can_be_followed()
    {
        using var dir = new TempFolder();
        string[] job = ["--snapshot", Repository.Path("samples", "snapshot"), "--metadata", Repository.Path("samples", "metadata"), "--lang-column", "lang", "--t-en", "20"];
        Assert.Equal(0, (await CliRun.RunAsync(["curate", .. job, "--out", dir.Combine("engine"), "--engine-only"])).ExitCode);

        var submit = await CliRun.RunAsync(["submit", .. job, "--out", dir.Combine("cluster"), "--cluster", _cluster, "--cluster-id", "metaclip-test"]);
        Assert.True(submit.ExitCode == 0, submit.Error);
        string id = submit.Output.Split(' ')[2];

        var watch = await CliRun.RunAsync("watch", id, "--cluster", _cluster, "--cluster-id", "metaclip-test");
        Assert.True(watch.ExitCode == 0, watch.Error);
        Assert.Contains("Results: " + dir.Combine("cluster"), watch.Output, StringComparison.Ordinal);
        foreach (string file in new[] { "thresholds.json", "decisions.jsonl", "curated/part-00000.parquet" })
        {
            Assert.Equal(File.ReadAllBytes(dir.Combine("engine", file)), File.ReadAllBytes(dir.Combine("cluster", file)));
        }

        var status = await CliRun.RunAsync("status", id, "--cluster", _cluster, "--cluster-id", "metaclip-test");
        Assert.Contains($"{id}: Done; shards matched 6/6, sampled 6/6", status.Output, StringComparison.Ordinal);

        var jobs = await CliRun.RunAsync("jobs", "--cluster", _cluster, "--cluster-id", "metaclip-test");
        Assert.Contains(id, jobs.Output, StringComparison.Ordinal);
        Assert.Contains("Done", jobs.Output, StringComparison.Ordinal);

        var results = await CliRun.RunAsync("results", id, "--cluster", _cluster, "--cluster-id", "metaclip-test");
        Assert.True(results.ExitCode == 0, results.Error);
        Assert.Contains("Results: " + dir.Combine("cluster"), results.Output, StringComparison.Ordinal);
        Assert.Contains("zh ", results.Output, StringComparison.Ordinal);
        Assert.Contains("t_en = 20", results.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watching_a_job_the_cluster_does_not_know_is_an_error()
    {
        var watch = await CliRun.RunAsync("watch", "no-such-job", "--cluster", _cluster, "--cluster-id", "metaclip-test");
        Assert.Equal(MetaClipCommandLine.InputError, watch.ExitCode);
        Assert.Contains("no job no-such-job", watch.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cluster_that_cannot_be_reached_is_a_one_line_error()
    {
        var status = await CliRun.RunAsync("status", "x", "--cluster", "10.1.2.3:30000");
        Assert.Equal(MetaClipCommandLine.InputError, status.ExitCode);
        Assert.Contains("only local clusters are supported for now", status.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_local_port_without_a_cluster_is_a_one_line_error_not_a_hang()
    {
        int closed = FreePorts(1)[0];
        var status = await CliRun.RunAsync("status", "x", "--cluster", $"127.0.0.1:{closed}");
        Assert.Equal(MetaClipCommandLine.InputError, status.ExitCode);
        Assert.Contains("cannot reach the cluster", status.ErrorLine, StringComparison.Ordinal);
    }

    private static async Task WaitHealthyAsync(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if ((await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health"))).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // Not up yet.
            }
            catch (TaskCanceledException) when (DateTime.UtcNow < deadline)
            {
                // Not up yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"silo health endpoint on port {port} did not come up");
            await Task.Delay(200);
        }
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}
