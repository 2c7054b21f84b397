using System.Net;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Dashboard;

namespace MetaClip.Dashboard;

/// <summary>Puts the dashboards on a silo: MetaClip's pages at <c>/</c> and the Orleans Dashboard at <see cref="OrleansPath"/>.</summary>
public static class DashboardHosting
{
    /// <summary>Where the Orleans Dashboard (grain activations, calls, silos) is served.</summary>
    public const string OrleansPath = "/orleans";

    /// <summary>
    /// The silo's part: the Orleans Dashboard's grains and profiler, and this silo's HTTP URL in its metadata
    /// (<see cref="SiloHttpUrl.MetadataKey"/>; call it before the silo reads <c>Orleans:Metadata</c>), recorded in the
    /// cluster once the silo is active (<see cref="SiloUrlRegistration"/>).
    /// </summary>
    public static ISiloBuilder AddMetaClipDashboard(this ISiloBuilder silo, IConfiguration configuration, IPAddress advertised)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configuration);
        string key = "Orleans:Metadata:" + SiloHttpUrl.MetadataKey;
        if (string.IsNullOrEmpty(configuration[key]) && SiloHttpUrl.FromConfiguration(configuration, advertised) is { } url)
        {
            configuration[key] = url;
        }

        if (configuration[key] is { Length: > 0 } published)
        {
            silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
                new SiloUrlRegistration(sp.GetRequiredService<IGrainFactory>(), published, sp.GetRequiredService<ILogger<SiloUrlRegistration>>()));
        }

        silo.AddDashboard();
        silo.Services.AddMetaClipDashboard();
        return silo;
    }

    /// <summary>The web part: MetaClip's pages and API, and the Orleans Dashboard under <see cref="OrleansPath"/>.</summary>
    public static IEndpointRouteBuilder MapDashboards(this IEndpointRouteBuilder app)
    {
        app.MapMetaClipDashboard();
        app.MapOrleansDashboard(OrleansPath);
        return app;
    }
}
