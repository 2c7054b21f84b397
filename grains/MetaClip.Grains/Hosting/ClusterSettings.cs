using System.Net;
using System.Net.Sockets;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace MetaClip.Grains.Hosting;

/// <summary>How silos find each other.</summary>
public enum ClusteringKind
{
    /// <summary>Development clustering on one machine: every silo joins through the primary silo's port.</summary>
    Localhost,

    /// <summary>Membership in an Azure Table (Azurite locally): silos and clients on any machines.</summary>
    AzureTable,
}

/// <summary>Where grain state (jobs, their shard states, the global counts) lives.</summary>
public enum GrainStorageKind
{
    /// <summary>In silo memory: fine for an embedded single-process cluster, lost with its silos.</summary>
    Memory,

    /// <summary>Azure Blob Storage (Azurite locally): survives silo deaths and whole-cluster restarts.</summary>
    AzureBlob,
}

/// <summary>
/// A silo's cluster settings, from the <c>MetaClip</c> configuration section: appsettings.json, environment
/// variables (<c>MetaClip__SiloPort=11112</c>) or the command line (<c>--MetaClip:SiloPort 11112</c>). The
/// storage connection string may also come from <c>METACLIP_STORAGE_CONNECTION_STRING</c>; it is never logged.
/// </summary>
public sealed class ClusterSettings
{
    /// <summary>The environment variable that may hold the storage connection string.</summary>
    public const string ConnectionStringVariable = MetaClip.Engine.Storage.DataStore.ConnectionStringVariable;

    /// <summary>One deployment of the cluster; a whole-cluster restart may use a new one.</summary>
    public string ClusterId { get; set; } = "metaclip-local";

    /// <summary>The service across deployments: grain state (jobs and counts) is keyed by it.</summary>
    public string ServiceId { get; set; } = "metaclip";

    public ClusteringKind Clustering { get; set; } = ClusteringKind.Localhost;

    /// <summary>Default: Azure Blob when a storage connection string is set, else memory.</summary>
    public GrainStorageKind? GrainStorage { get; set; }

    /// <summary>The Azure Storage connection string (blob and table endpoints).</summary>
    public string? StorageConnectionString { get; set; }

    /// <summary>
    /// The address other silos and clients reach this silo at: an IP address, or a host name resolved once at the
    /// start (a container's service name in docker compose); in Kubernetes, the pod's IP (<c>status.podIP</c>).
    /// </summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port clients (<c>metaclip submit --cluster</c>) connect to.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The silo port of the cluster's first silo, which the others join through (localhost clustering).</summary>
    public int PrimarySiloPort { get; set; } = 11111;

    /// <summary>Shards this silo runs at once.</summary>
    public int MaxConcurrentShards { get; set; } = 2;

    /// <summary>The folder of compiled metadata lists on this machine, <c>off</c> for none (default: <c>METACLIP_MATCHER_CACHE</c>, else <c>~/.cache/metaclip/matchers</c>).</summary>
    public string? MatcherCache { get; set; }

    /// <summary>
    /// The training plugin (<c>MetaClip.Training.Grains.dll</c>, or its folder) that a silo which trains
    /// (<c>Orleans:Metadata:accelerator=gpu</c> or <c>training=accept</c>) loads; default: <c>training/</c> beside the silo.
    /// Other silos never load it, nor TorchSharp.
    /// </summary>
    public string? TrainingPlugin { get; set; }

    /// <summary>
    /// Bind the silo and gateway ports to every address of the machine (<c>0.0.0.0</c>) instead of the advertised
    /// address only: for a container or host whose advertised address is not one of its own (NAT). Default: false.
    /// Without TLS this needs <see cref="AllowInsecureTransport"/>.
    /// </summary>
    public bool ListenOnAnyAddress { get; set; }

    /// <summary>
    /// Mutual TLS on the silo and gateway ports (<c>MetaClip:Tls:CertificateFile</c>, <c>KeyFile</c>, <c>Password</c>,
    /// <c>CaFile</c>, or <c>METACLIP_TLS_*</c>): every silo and client must present a certificate signed by the CA.
    /// </summary>
    public TlsSettings Tls { get; set; } = new();

    /// <summary>
    /// The principals (client certificate subjects, or names given with <c>--as</c> without TLS) that may cancel and
    /// retry any job, separated by <c>;</c> or <c>,</c>; everyone else only their own jobs.
    /// </summary>
    public string? Operators { get; set; }

    /// <summary>
    /// Run the silo and gateway ports without TLS although they can be reached from other machines (an advertised
    /// address that is not loopback, or <see cref="ListenOnAnyAddress"/>): anyone who reaches them can submit and
    /// cancel jobs. Only on a private network that nothing else reaches; the silo logs a warning at every start.
    /// Default: false (such a silo refuses to start).
    /// </summary>
    public bool AllowInsecureTransport { get; set; }

    /// <summary>
    /// The folders and <c>az://</c> containers or prefixes that jobs may read and write, separated by <c>;</c> or
    /// <c>,</c> (<c>az://</c> alone: every container of the storage account). Unset: none, and every job is refused
    /// until the operator sets it. See <see cref="Curation.AllowedLocations"/>.
    /// </summary>
    public string? AllowedLocations { get; set; }

    /// <summary>The TLS settings with the <c>METACLIP_TLS_*</c> environment variables for those not set.</summary>
    public TlsSettings ResolveTls() => Tls.WithEnvironment();

    /// <summary>The principals of <see cref="Operators"/>.</summary>
    public IReadOnlySet<string> ResolveOperators() =>
        new HashSet<string>((Operators ?? string.Empty).Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);

    /// <summary>
    /// Whether the silo and gateway ports can be reached from other machines: Azure Table clustering with an
    /// advertised address that is not loopback, or <see cref="ListenOnAnyAddress"/>.
    /// </summary>
    public bool ExposesTransport() =>
        Clustering == ClusteringKind.AzureTable && (ListenOnAnyAddress || !IPAddress.IsLoopback(ResolveAdvertisedAddress()));

    /// <summary>The connection string from the settings or the environment.</summary>
    public string? ResolveConnectionString() =>
        string.IsNullOrWhiteSpace(StorageConnectionString) ? Environment.GetEnvironmentVariable(ConnectionStringVariable) : StorageConnectionString;

    /// <summary>The advertised address as an IP address: the setting itself, or its host name's first IPv4 address.</summary>
    public IPAddress ResolveAdvertisedAddress()
    {
        if (IPAddress.TryParse(AdvertisedAddress, out var address))
        {
            return address;
        }

        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses(AdvertisedAddress);
        }
        catch (SocketException e)
        {
            throw new InvalidOperationException($"MetaClip:AdvertisedAddress={AdvertisedAddress}: not an IP address, and the host name does not resolve ({e.Message})", e);
        }

        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException($"MetaClip:AdvertisedAddress={AdvertisedAddress}: the host name resolves to no address");
    }

    public GrainStorageKind ResolveGrainStorage() =>
        GrainStorage ?? (ResolveConnectionString() is { Length: > 0 } ? GrainStorageKind.AzureBlob : GrainStorageKind.Memory);

    /// <summary>Checks the settings together; the message names the setting and what is wrong.</summary>
    public void Validate()
    {
        bool needsStorage = Clustering == ClusteringKind.AzureTable || ResolveGrainStorage() == GrainStorageKind.AzureBlob;
        if (needsStorage && string.IsNullOrWhiteSpace(ResolveConnectionString()))
        {
            throw new InvalidOperationException(
                $"MetaClip:Clustering={Clustering} / MetaClip:GrainStorage={ResolveGrainStorage()} need a storage connection string: set MetaClip:StorageConnectionString or {ConnectionStringVariable}");
        }

        if (needsStorage || ResolveConnectionString() is { Length: > 0 })
        {
            CheckConnectionStringFormat();
        }

        if (MaxConcurrentShards < 1)
        {
            throw new InvalidOperationException($"MetaClip:MaxConcurrentShards must be at least 1, not {MaxConcurrentShards}");
        }

        var tls = ResolveTls();
        tls.Validate($"MetaClip:Tls:CertificateFile or {TlsSettings.CertificateVariable}", $"MetaClip:Tls:CaFile or {TlsSettings.CaVariable}");
        if (!AllowInsecureTransport && !tls.IsConfigured && ExposesTransport())
        {
            string exposed = ListenOnAnyAddress ? "MetaClip:ListenOnAnyAddress=true" : $"MetaClip:AdvertisedAddress={AdvertisedAddress} is not loopback";
            throw new InvalidOperationException(
                $"{exposed}, and the silo and gateway ports have no TLS: anyone who reaches them could run and cancel jobs. " +
                $"Give the silo a certificate and the cluster's CA (MetaClip:Tls:CertificateFile and MetaClip:Tls:CaFile, or {TlsSettings.CertificateVariable} and {TlsSettings.CaVariable}); " +
                "on a private network that nothing else reaches, set MetaClip:AllowInsecureTransport=true to run so on purpose");
        }
    }

    /// <summary>The setting that gave the connection string, for messages (never the value: it holds the account key).</summary>
    public string ConnectionStringSource =>
        string.IsNullOrWhiteSpace(StorageConnectionString) ? ConnectionStringVariable : "MetaClip:StorageConnectionString";

    /// <summary>
    /// Reaches the storage account once before the silo starts (table service when the membership is there, blob
    /// service when grain state is), with one retry and a short timeout: a wrong endpoint or account key fails here
    /// with one line that names the setting and the endpoint, instead of Orleans' start-up retries and stack traces.
    /// </summary>
    public async Task CheckStorageAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        string? connection = ResolveConnectionString();
        if (string.IsNullOrWhiteSpace(connection))
        {
            return;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        Uri? endpoint = null;
        try
        {
            if (Clustering == ClusteringKind.AzureTable)
            {
                var options = new TableClientOptions();
                options.Retry.MaxRetries = 1;
                options.Retry.NetworkTimeout = timeout;
                var tables = new TableServiceClient(connection, options);
                endpoint = tables.Uri;
                await foreach (var _ in tables.QueryAsync(maxPerPage: 1, cancellationToken: deadline.Token).AsPages().ConfigureAwait(false))
                {
                    break;
                }
            }

            if (ResolveGrainStorage() == GrainStorageKind.AzureBlob)
            {
                var options = new BlobClientOptions();
                options.Retry.MaxRetries = 1;
                options.Retry.NetworkTimeout = timeout;
                var blobs = new BlobServiceClient(connection, options);
                endpoint = blobs.Uri;
                await foreach (var _ in blobs.GetBlobContainersAsync(cancellationToken: deadline.Token).AsPages(pageSizeHint: 1).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        catch (RequestFailedException e)
        {
            string reason = e.Status == 0 ? e.Message : $"HTTP {e.Status} {e.ErrorCode}";
            throw new InvalidOperationException($"{ConnectionStringSource}: the storage account at {endpoint} refused the silo ({FirstLine(reason)}): check the endpoint and the account key");
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"{ConnectionStringSource}: the storage account at {endpoint} did not answer within {timeout.TotalSeconds:0} s");
        }
        catch (Exception e) when (e is AggregateException or HttpRequestException or IOException)
        {
            string reason = e is AggregateException all && all.InnerExceptions.Count > 0 ? all.InnerExceptions[^1].Message : e.Message;
            throw new InvalidOperationException($"{ConnectionStringSource}: the storage account at {endpoint} cannot be reached ({FirstLine(reason)})");
        }
    }

    private void CheckConnectionStringFormat()
    {
        string connection = ResolveConnectionString() ?? "";
        try
        {
            if (Clustering == ClusteringKind.AzureTable)
            {
                _ = new TableServiceClient(connection);
            }

            if (ResolveGrainStorage() == GrainStorageKind.AzureBlob)
            {
                _ = new BlobServiceClient(connection);
            }
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or UriFormatException)
        {
            // The parser's message may quote the string; name the setting only.
            throw new InvalidOperationException($"{ConnectionStringSource} is not an Azure Storage connection string with {(Clustering == ClusteringKind.AzureTable ? "a table" : "a blob")} endpoint (e.g. DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net)", e);
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
