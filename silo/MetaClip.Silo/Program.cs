using MetaClip.Cluster.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Runtime.MembershipService.SiloMetadata;

// One silo of a MetaClip cluster. Settings: the MetaClip section (appsettings.json, MetaClip__* environment
// variables, --MetaClip:* arguments); silo metadata from Orleans:Metadata. Health: GET /health on --urls.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
var settings = builder.Configuration.GetSection("MetaClip").Get<ClusterSettings>() ?? new ClusterSettings();
builder.UseOrleans(silo => silo.UseMetaClip(settings, builder.Configuration));

// A graceful stop (SIGTERM, Ctrl+C) hands this silo's running shards back to their coordinators first; keep
// the whole stop shorter than a Kubernetes pod's grace period (30 s by default).
builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(20));

var app = builder.Build();
app.MapGet("/health", (IOptions<SiloMetadata> metadata) =>
    // Liveness must not depend on grain calls: report the silo's own view only.
    Results.Json(new
    {
        status = "ok",
        cluster = settings.ClusterId,
        service = settings.ServiceId,
        clustering = settings.Clustering.ToString(),
        grainStorage = settings.ResolveGrainStorage().ToString(),
        maxConcurrentShards = settings.MaxConcurrentShards,
        metadata = metadata.Value.Metadata,
        training = TrainingPlugin.IsLoaded,
        torchLoaded = TrainingPlugin.TorchLoaded,
    }));
await app.RunAsync();
