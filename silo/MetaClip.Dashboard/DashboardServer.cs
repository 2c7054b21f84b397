using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace MetaClip.Dashboard;

/// <summary>
/// The job dashboard of an embedded silo (<c>metaclip curate --dashboard</c>): its own small web server on loopback
/// only, without keys (like a silo's HTTP port without keys), over the silo's grains.
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardServer(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>Where the dashboard answers (<c>http://127.0.0.1:PORT</c>).</summary>
    public string Url { get; }

    /// <summary>Starts it on 127.0.0.1:<paramref name="port"/> (0: any free port) over the silo whose services are <paramref name="silo"/>.</summary>
    public static async Task<DashboardServer> StartAsync(IServiceProvider silo, int port, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, port));
        builder.Services.AddSingleton(new DashboardData(silo.GetRequiredService<IGrainFactory>(), silo.GetRequiredService<ILocalSiloDetails>(), silo.GetService<ISiloMetadataCache>()));
        var app = builder.Build();
        app.MapMetaClipDashboard();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return new DashboardServer(app, app.Urls.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
