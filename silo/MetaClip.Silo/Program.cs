using MetaClip.Dashboard;
using MetaClip.Grains.Hosting;
using MetaClip.Grains.Telemetry;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Orleans.Runtime.MembershipService.SiloMetadata;

// One silo of a MetaClip cluster. Settings: the MetaClip section (appsettings.json, MetaClip__* environment
// variables, --MetaClip:* arguments); silo metadata from Orleans:Metadata. Health: GET /health on --urls (open
// to all); metrics: GET /metrics (Prometheus text format; needs a key, see HttpAccess). `--health-check URL` asks
// a running silo's /health instead (a container's health check: the runtime image has no curl) and exits 0 when
// it answers "ok".
if (args is ["--health-check", var url])
{
    return await HealthCheck.RunAsync(new Uri(url), Console.Error);
}

var builder = WebApplication.CreateBuilder(args);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
ClusterSettings settings;
try
{
    // Wrong settings (a missing storage secret, a connection string that is none, or one whose account does not
    // answer or refuses the key) stop the silo at once with one line naming the setting: exit 2, no stack trace.
    settings = builder.Configuration.GetSection("MetaClip").Get<ClusterSettings>() ?? new ClusterSettings();
    settings.Validate();
    await settings.CheckStorageAsync(TimeSpan.FromSeconds(10));
    builder.UseOrleans(silo => silo.AddMetaClipDashboard(builder.Configuration, settings.ResolveAdvertisedAddress()).UseMetaClip(settings, builder.Configuration));
}
catch (InvalidOperationException e)
{
    await Console.Error.WriteLineAsync($"MetaClip.Silo: {e.Message}");
    return 2;
}

// HTTP keys (viewer, operator); without any (nor anonymous metrics), the HTTP port moves to loopback whatever --urls says.
// A key that is no good (too short) stops the silo as the other settings do: one line, exit 2.
HttpAccess access;
try
{
    access = HttpAccess.FromConfiguration(builder.Configuration);
}
catch (InvalidOperationException e)
{
    await Console.Error.WriteLineAsync($"MetaClip.Silo: {e.Message}");
    return 2;
}

string? loopbackUrls = access.Checks ? null : HttpAccess.LoopbackUrls(builder.Configuration["urls"], builder.Configuration["http_ports"]);
if (loopbackUrls is not null)
{
    builder.WebHost.UseUrls(loopbackUrls);
}

// A graceful stop (SIGTERM, Ctrl+C) hands this silo's running shards back to their coordinators first; keep
// the whole stop shorter than a Kubernetes pod's grace period (30 s by default).
builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(20));

// Metrics on /metrics (Prometheus): the project's meter (shards, texts, partials, retries, jobs, training steps),
// Orleans' own meter and the .NET runtime's.
builder.Services.AddOpenTelemetry()
    .ConfigureResource(resource => resource.AddService("metaclip-silo", serviceInstanceId: Environment.MachineName + ":" + settings.SiloPort))
    .WithMetrics(metrics => metrics.AddMeter(MetaClipMetrics.MeterName, "Microsoft.Orleans").AddRuntimeInstrumentation().AddPrometheusExporter());

var app = builder.Build();
access.LogStart(app.Logger, loopbackUrls ?? builder.Configuration["urls"]);
app.Use(access.FilterAsync);
app.MapPrometheusScrapingEndpoint();
app.MapDashboards(); // the job dashboard at /, the Orleans Dashboard at /orleans (behind the same keys)
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
try
{
    await app.StartAsync();
}
catch (Exception e) when (e is not OperationCanceledException)
{
    await Console.Error.WriteLineAsync($"MetaClip.Silo: the silo did not start: {e.GetBaseException().Message}");
    return 1;
}

// The project's counters from 0 on every silo (a panel shows 0, not "No data", before the first event).
MetaClipMetrics.InitializeSeries();

// HTTP keys given by files are read again when a file changes (a rotated secret): no restart needed.
var watchingKeyFiles = access.WatchKeyFilesAsync(app.Logger, app.Lifetime.ApplicationStopping);
await app.WaitForShutdownAsync();
await watchingKeyFiles;
return 0;
