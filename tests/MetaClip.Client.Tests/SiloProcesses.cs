using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace MetaClip.Client.Tests;

/// <summary>
/// A real cluster of silo processes (<c>MetaClip.Silo</c>) on loopback: membership in an Azure Table and grain
/// state in Azure Blob Storage, both on Azurite. Silos can be killed (SIGKILL) and started again on their ports.
/// </summary>
internal sealed class SiloProcesses : IAsyncDisposable
{
    /// <summary>
    /// An Orleans client of the test's own, connected to these silos' gateways (stopped when disposed);
    /// <paramref name="configure"/>: more of the client's settings (its TLS certificate).
    /// </summary>
    public async Task<TestClient> ConnectAsync(Action<IClientBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterId;
                o.ServiceId = ServiceId;
            });
            client.UseStaticClustering([.. Gateways.Split(',').Select(IPEndPoint.Parse)]);
            configure?.Invoke(client);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new TestClient(host);
    }

    private readonly string _silo;
    private readonly string _storage;
    private readonly int[] _ports;
    private readonly Process?[] _processes;
    private readonly List<string> _logs = [];
    private readonly IReadOnlySet<int> _training;
    private readonly string _trainingPlugin;
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly string _httpAddress;
    private readonly Dictionary<int, IReadOnlyDictionary<string, string>> _siloSettings = [];

    /// <summary>
    /// <paramref name="silos"/> silos on <paramref name="storage"/> (Azurite); those in <paramref name="trainingSilos"/>
    /// accept training jobs (metadata <c>training=accept</c>, the training plugin loaded). <paramref name="settings"/>: more
    /// environment for every silo (a deployment's settings); the cluster's identity, ports and storage stay the harness's.
    /// Unless the settings say otherwise, jobs may use the repository, the temporary folder and every blob container
    /// (<c>MetaClip__AllowedLocations</c>). <paramref name="httpAddress"/>: the host of each silo's <c>--urls</c>.
    /// </summary>
    public SiloProcesses(int silos, string storage, int maxConcurrentShards = 1, IReadOnlySet<int>? trainingSilos = null, IReadOnlyDictionary<string, string>? settings = null,
        string httpAddress = "127.0.0.1")
    {
        _settings = settings ?? new Dictionary<string, string>();
        _httpAddress = httpAddress;
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        _silo = Repository.Path("silo", "MetaClip.Silo", "bin", configuration, "net10.0", "MetaClip.Silo.dll");
        _trainingPlugin = Repository.Path("grains", "MetaClip.Training.Grains", "bin", configuration, "net10.0", "MetaClip.Training.Grains.dll");
        _training = trainingSilos ?? new HashSet<int>();
        Assert.True(_training.Count == 0 || File.Exists(_trainingPlugin), $"the training plugin is not built: {_trainingPlugin}");
        Assert.True(File.Exists(_silo), $"the silo host is not built: {_silo}");
        _storage = storage;
        _ports = FreePorts(3 * silos);
        _processes = new Process?[silos];
        MaxConcurrentShards = maxConcurrentShards;
        ClusterId = "test-" + Guid.NewGuid().ToString("N")[..12];
        ServiceId = "test-" + Guid.NewGuid().ToString("N")[..12];
    }

    public string ClusterId { get; }

    /// <summary>More environment for silo <paramref name="index"/> only, over the settings of every silo (from its next start on).</summary>
    public void SetSiloSettings(int index, IReadOnlyDictionary<string, string> settings) => _siloSettings[index] = settings;

    /// <summary>The silo host's assembly (<c>dotnet SiloAssembly</c> starts one).</summary>
    public string SiloAssembly => _silo;

    public string ServiceId { get; }

    public int MaxConcurrentShards { get; }

    /// <summary>The <c>--cluster</c> value: every silo's gateway.</summary>
    public string Gateways => string.Join(',', Enumerable.Range(0, _processes.Length).Select(i => $"127.0.0.1:{GatewayPort(i)}"));

    /// <summary>The connection options of the <c>metaclip</c> commands.</summary>
    public string[] ClientOptions => ["--cluster", Gateways, "--cluster-id", ClusterId, "--service-id", ServiceId];

    public async Task StartAllAsync()
    {
        for (int i = 0; i < _processes.Length; i++)
        {
            await StartAsync(i);
        }
    }

    public async Task StartAsync(int index)
    {
        StartProcess(index);
        await WaitHealthyAsync(index);
    }

    /// <summary>Starts silo <paramref name="index"/> expecting it to refuse to start: waits until it exits; returns its logs.</summary>
    public async Task<string> StartRefusedAsync(int index)
    {
        var process = StartProcess(index);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        process.WaitForExit();
        Assert.NotEqual(0, process.ExitCode);
        process.Dispose();
        _processes[index] = null;
        return Logs();
    }

    private Process StartProcess(int index)
    {
        var start = new ProcessStartInfo("dotnet", [_silo, "--urls", $"http://{_httpAddress}:{HealthPort(index)}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var env = start.Environment;
        foreach (var (name, value) in _settings.Concat(_siloSettings.GetValueOrDefault(index) ?? new Dictionary<string, string>()))
        {
            env[name] = value;
        }

        env["MetaClip__Clustering"] = "AzureTable";
        env["MetaClip__ClusterId"] = ClusterId;
        env["MetaClip__ServiceId"] = ServiceId;
        env["MetaClip__SiloPort"] = SiloPort(index).ToString(CultureInfo.InvariantCulture);
        env["MetaClip__GatewayPort"] = GatewayPort(index).ToString(CultureInfo.InvariantCulture);
        if (!_settings.ContainsKey("MetaClip__MaxConcurrentShards"))
        {
            env["MetaClip__MaxConcurrentShards"] = MaxConcurrentShards.ToString(CultureInfo.InvariantCulture);
        }

        env["METACLIP_STORAGE_CONNECTION_STRING"] = _storage;
        if (!_settings.ContainsKey("MetaClip__AllowedLocations"))
        {
            env["MetaClip__AllowedLocations"] = $"{Repository.Root};{Path.GetTempPath()};az://";
        }

        if (_training.Contains(index))
        {
            env["Orleans__Metadata__training"] = "accept";
            env["MetaClip__TrainingPlugin"] = _trainingPlugin;
        }

        // Declare a killed silo dead within seconds rather than the production default of about a minute.
        env["Orleans__Membership__ProbeTimeout"] = "00:00:01";
        env["Orleans__Membership__NumMissedProbesLimit"] = "2";
        env["Orleans__Membership__NumVotesForDeathDeclaration"] = "1";

        // A restarted cluster joins only once the killed silos are seen dead in the table (stale I-am-alive times).
        env["Orleans__Membership__IAmAliveTablePublishTimeout"] = "00:00:03";
        env["Orleans__Membership__NumMissedTableIAmAliveLimit"] = "2";
        env["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Log(index, e.Data);
        process.ErrorDataReceived += (_, e) => Log(index, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[index] = process;
        return process;
    }

    /// <summary>Kills a silo process at once (no graceful shutdown: its shards and activations are simply lost).</summary>
    public void Kill(int index)
    {
        var process = _processes[index];
        if (process is null)
        {
            return;
        }

        process.Kill(entireProcessTree: true);
        process.WaitForExit(10_000);
        process.Dispose();
        _processes[index] = null;
    }

    /// <summary>
    /// Stops a silo process gracefully (SIGTERM, as Kubernetes stops a pod): it hands its running shards back and
    /// leaves the cluster; waits until it has exited.
    /// </summary>
    public async Task StopAsync(int index)
    {
        var process = _processes[index];
        if (process is null)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        process.Dispose();
        _processes[index] = null;
    }

    /// <summary>The silos' logs so far (for assertion messages).</summary>
    public string Logs()
    {
        lock (_logs)
        {
            return string.Join('\n', _logs.TakeLast(60));
        }
    }

    /// <summary>Every line the silos logged so far.</summary>
    public string AllLogs()
    {
        lock (_logs)
        {
            return string.Join('\n', _logs);
        }
    }

    public ValueTask DisposeAsync()
    {
        for (int i = 0; i < _processes.Length; i++)
        {
            Kill(i);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Silo <paramref name="index"/>'s <c>/health</c> address.</summary>
    public Uri HealthUrl(int index) => new($"http://127.0.0.1:{HealthPort(index)}/health");

    /// <summary>Silo <paramref name="index"/>'s <c>/health</c> answer (JSON).</summary>
    public async Task<string> HealthAsync(int index)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return await http.GetStringAsync(HealthUrl(index));
    }

    /// <summary>Silo <paramref name="index"/>'s <c>/metrics</c> (Prometheus text format).</summary>
    public async Task<string> MetricsAsync(int index)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return await http.GetStringAsync(new Uri($"http://127.0.0.1:{HealthPort(index)}/metrics"));
    }

    /// <summary>
    /// The sum over every silo of the <c>/metrics</c> samples of <paramref name="metric"/> whose labels include
    /// <paramref name="label"/> (e.g. <c>pass="match"</c>; null: any).
    /// </summary>
    public async Task<double> MetricAsync(string metric, string? label = null)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        double sum = 0;
        for (int i = 0; i < _processes.Length; i++)
        {
            if (_processes[i] is null)
            {
                continue;
            }

            string text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{HealthPort(i)}/metrics"));
            foreach (string line in text.Split('\n'))
            {
                if (line.StartsWith(metric + "{", StringComparison.Ordinal) && (label is null || line.Contains(label, StringComparison.Ordinal)))
                {
                    sum += double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }

        return sum;
    }

    /// <summary>Silo <paramref name="index"/>'s silo-to-silo port.</summary>
    public int SiloPort(int index) => _ports[3 * index];

    /// <summary>Silo <paramref name="index"/>'s gateway port.</summary>
    public int GatewayPort(int index) => _ports[(3 * index) + 1];

    /// <summary>Silo <paramref name="index"/>'s HTTP port (<c>/health</c>, <c>/metrics</c>).</summary>
    public int HealthPort(int index) => _ports[(3 * index) + 2];

    private void Log(int index, string? line)
    {
        if (line is not null)
        {
            lock (_logs)
            {
                _logs.Add($"silo {index}: {line}");
            }
        }
    }

    private async Task WaitHealthyAsync(int index)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            Assert.False(_processes[index]!.HasExited, $"silo {index} exited during start:\n{Logs()}");
            try
            {
                if ((await http.GetAsync(new Uri($"http://127.0.0.1:{HealthPort(index)}/health"))).IsSuccessStatusCode)
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

            Assert.True(DateTime.UtcNow < deadline, $"silo {index}'s health endpoint did not come up:\n{Logs()}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// <paramref name="count"/> distinct loopback ports that are free now, from below the kernel's ephemeral range: a
    /// port the kernel hands out for outgoing connections (to Azurite, between silos) can be taken by one between
    /// choosing it and a silo binding it, which can be seconds later (silos start in turn; a killed silo restarts on
    /// its ports). Each test process starts at its own offset and never hands a port out twice.
    /// </summary>
    public static int[] FreePorts(int count)
    {
        lock (PortLock)
        {
            var ports = new List<int>(count);
            for (int tried = 0; ports.Count < count; tried++)
            {
                Assert.True(tried < PortRange.Count, "no free loopback ports below the ephemeral range");
                int port = PortRange.First + (_nextPort++ % PortRange.Count);
                if (IsFree(port))
                {
                    ports.Add(port);
                }
            }

            return [.. ports];
        }
    }

    private static readonly object PortLock = new();

    private static readonly (int First, int Count) PortRange = PortsBelowEphemeral();

    private static int _nextPort = Environment.ProcessId * 97;

    private static (int First, int Count) PortsBelowEphemeral()
    {
        int ephemeralStart = 32768;
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        if (File.Exists(range) && int.TryParse(File.ReadAllText(range).Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture, out int start))
        {
            ephemeralStart = start;
        }

        int first = Math.Max(10_000, ephemeralStart - 12_000);
        Assert.True(ephemeralStart - first >= 1_000, $"the ephemeral port range starts at {ephemeralStart}: too low to keep test ports out of it");
        return (first, ephemeralStart - first);
    }

    private static bool IsFree(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            listener.Stop();
        }
    }
}

/// <summary>An Orleans client of a test's own, stopped when disposed.</summary>
internal sealed class TestClient(IHost host) : IAsyncDisposable
{
    public IServiceProvider Services => host.Services;

    public IClusterClient Client => host.Services.GetRequiredService<IClusterClient>();

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
