using System.Net;
using System.Net.Sockets;
using MetaClip.Cluster.Curation;
using MetaClip.Cluster.Hosting;
using MetaClip.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MetaClip.Client.Cluster;

/// <summary>
/// A single-machine Orleans cluster inside the <c>metaclip</c> process: one silo on loopback, on free ports,
/// with in-memory grain storage; blob locations use the account of METACLIP_STORAGE_CONNECTION_STRING. <c>metaclip curate</c> runs its job on it, through the same grains as a
/// multi-silo cluster.
/// </summary>
internal sealed class EmbeddedCluster : IAsyncDisposable
{
    private readonly IHost _host;

    private EmbeddedCluster(IHost host) => _host = host;

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    public static async Task<EmbeddedCluster> StartAsync(CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(options => options.SingleLine = true).SetMinimumLevel(LogLevel.Error);
        builder.Logging.AddFilter((category, level) => level >= LogLevel.Error && category?.StartsWith("Orleans", StringComparison.Ordinal) != true || level >= LogLevel.Critical);
        builder.UseOrleans(silo =>
        {
            var (siloPort, gatewayPort) = TwoFreePorts();
            silo.UseLocalhostClustering(siloPort: siloPort, gatewayPort: gatewayPort, serviceId: "metaclip", clusterId: "metaclip-embedded-" + Guid.NewGuid().ToString("N"));
            silo.AddCurationStorage(GrainStorageKind.Memory, connectionString: null, serviceId: "metaclip");
            silo.UseInMemoryReminderService();
            silo.Services.AddMetaClipCuration(o =>
            {
                o.MaxConcurrentShards = 4;
                o.StorageConnectionString = Environment.GetEnvironmentVariable(DataStore.ConnectionStringVariable);
            });
        });
        var host = builder.Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        return new EmbeddedCluster(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        _host.Dispose();
    }

    /// <summary>Two distinct free loopback ports (both held until both are chosen).</summary>
    private static (int, int) TwoFreePorts()
    {
        using var first = new TcpListener(IPAddress.Loopback, 0);
        using var second = new TcpListener(IPAddress.Loopback, 0);
        first.Start();
        second.Start();
        return (((IPEndPoint)first.LocalEndpoint).Port, ((IPEndPoint)second.LocalEndpoint).Port);
    }
}
