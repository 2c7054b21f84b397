using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MetaClip.Client.Cluster;

/// <summary>A started cluster client (<see cref="ClusterConnection.ConnectAsync"/>), stopped when disposed.</summary>
internal sealed class ConnectedClient(IHost host) : IAsyncDisposable
{
    public IClusterClient Client => host.Services.GetRequiredService<IClusterClient>();

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        host.Dispose();
    }
}
