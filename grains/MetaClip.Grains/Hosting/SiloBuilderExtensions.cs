using System.Net;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using MetaClip.Grains.Curation;
using MetaClip.Grains.Placement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Serialization;
using Orleans.Storage;

namespace MetaClip.Grains.Hosting;

/// <summary>Configures a silo of a MetaClip cluster from its <see cref="ClusterSettings"/>.</summary>
public static class SiloBuilderExtensions
{
    /// <summary>
    /// The blob container that holds a service's grain state: one per service id (the blob names carry only
    /// the grain's id), so two services sharing a storage account never see each other's jobs.
    /// </summary>
    public static string StateContainer(string serviceId)
    {
        ArgumentNullException.ThrowIfNull(serviceId);
        var name = new System.Text.StringBuilder("metaclip-");
        foreach (char c in serviceId.ToLowerInvariant())
        {
            name.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        }

        string container = System.Text.RegularExpressions.Regex.Replace(name.ToString(), "-{2,}", "-").TrimEnd('-');
        if (container.Length > 63)
        {
            string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(serviceId)))[..12];
            container = container[..50].TrimEnd('-') + "-" + hash;
        }

        return container;
    }

    /// <summary>
    /// Clustering, endpoints, grain storage and reminders as the settings say; silo metadata from the
    /// <c>Orleans:Metadata</c> section (e.g. <c>Orleans__Metadata__accelerator=gpu</c>); membership timings from
    /// <c>Orleans:Membership</c>; and the curation services.
    /// </summary>
    public static ISiloBuilder UseMetaClip(this ISiloBuilder silo, ClusterSettings settings, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(configuration);
        settings.Validate();
        string? connection = settings.ResolveConnectionString();
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = settings.ServiceId;
        });

        if (settings.Clustering == ClusteringKind.AzureTable)
        {
            // The ports listen on the advertised address only, unless the settings say every address (NAT, some containers).
            silo.ConfigureEndpoints(settings.ResolveAdvertisedAddress(), settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: settings.ListenOnAnyAddress);
            silo.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(connection));
            silo.UseAzureTableReminderService(o => o.TableServiceClient = new TableServiceClient(connection));
        }
        else
        {
            silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, new IPEndPoint(IPAddress.Loopback, settings.PrimarySiloPort),
                settings.ServiceId, settings.ClusterId);
            if (connection is { Length: > 0 })
            {
                silo.UseAzureTableReminderService(o => o.TableServiceClient = new TableServiceClient(connection));
            }
            else
            {
                silo.UseInMemoryReminderService();
            }
        }

        // Mutual TLS on the silo and gateway ports: silos and clients present certificates signed by the cluster's CA.
        var tls = settings.ResolveTls();
        TlsCertificates? certificates = null;
        if (tls.IsConfigured)
        {
            certificates = TlsCertificates.Load(tls);

            // Only silos' certificates (MetaClip:Tls:SiloSubjects, by default this silo's own name) on the silo port.
            var siloSubjects = tls.ResolveSiloSubjects();
            certificates.ConfigureSilo(silo, siloSubjects);

            // Who a client's call comes from is proven by the client (a signature with its certificate's key) and
            // checked here, not taken from what it says; the dashboard's calls are signed with this silo's certificate.
            var proven = certificates;
            silo.Services.AddSingleton<IIncomingGrainCallFilter>(sp => new PrincipalVerification(proven, siloSubjects, sp.GetRequiredService<ILogger<PrincipalVerification>>()));
            silo.Services.AddSingleton<IOutgoingGrainCallFilter>(sp => new PrincipalSigningFilter(proven, sp));
        }

        // TLS, or plain ports other machines reach (allowed on purpose: Validate refuses them otherwise), and the
        // allowed locations, said at every start.
        var locations = AllowedLocations.Parse(settings.AllowedLocations);
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
            new SecuritySettingsLog(sp.GetRequiredService<ILogger<SecuritySettingsLog>>(), settings, locations, certificates));

        silo.AddCurationStorage(settings.ResolveGrainStorage(), connection, settings.ServiceId);
        var metadata = configuration.GetSection("Orleans:Metadata");
        silo.UseSiloMetadata(metadata);
        silo.AddPlacementDirector<AcceleratorPlacement, AcceleratorPlacementDirector>();
        if (TrainingPlugin.Trains(metadata))
        {
            TrainingPlugin.Add(silo, settings.TrainingPlugin);
        }

        silo.Services.Configure<ClusterMembershipOptions>(configuration.GetSection("Orleans:Membership"));
        silo.Services.AddMetaClipCuration(o =>
        {
            o.MaxConcurrentShards = settings.MaxConcurrentShards;
            o.StorageConnectionString = connection;
            o.MatcherCache = settings.MatcherCache;
            o.AllowedLocations = locations;
            o.Operators = settings.ResolveOperators();
        });
        return silo;
    }

    /// <summary>The grain storage of jobs, the job registry and language partitions.</summary>
    public static ISiloBuilder AddCurationStorage(this ISiloBuilder silo, GrainStorageKind kind, string? connectionString, string serviceId)
    {
        ArgumentNullException.ThrowIfNull(silo);
        if (kind == GrainStorageKind.Memory)
        {
            // In memory, nothing persisted outlives the process, so no older format has to be read back: state is
            // kept in Orleans' binary form, a fraction of the JSON's cost per write (a partition writes per shard).
            silo.Services.AddOptions<MemoryGrainStorageOptions>(CurationStorage.Name)
                .Configure<Serializer>((options, serializer) => options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
            return silo.AddMemoryGrainStorage(CurationStorage.Name);
        }

        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException($"Azure Blob grain storage needs a connection string ({ClusterSettings.ConnectionStringVariable})");
        }

        return silo.AddAzureBlobGrainStorage(CurationStorage.Name, o =>
        {
            o.BlobServiceClient = new BlobServiceClient(connectionString);
            o.ContainerName = StateContainer(serviceId);
        });
    }
}
