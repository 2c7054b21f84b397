using System.Net;
using MetaClip.Cluster.Curation;
using MetaClip.Silo;

// One silo of a local development cluster (localhost clustering). Health: GET /health on --urls.
var builder = WebApplication.CreateBuilder(args);
var settings = builder.Configuration.GetSection("MetaClip").Get<SiloSettings>() ?? new SiloSettings();
builder.UseOrleans(silo =>
{
    silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, new IPEndPoint(IPAddress.Loopback, settings.PrimarySiloPort),
        settings.ServiceId, settings.ClusterId);
    silo.AddMemoryGrainStorage(CurationStorage.Name);
    silo.Services.AddMetaClipCuration();
});
builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(20));

var app = builder.Build();
app.MapGet("/health", () => Results.Text("ok"));
await app.RunAsync();
