using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Azure.Data.Tables;
using MetaClip.Client.Commands;
using MetaClip.Engine;
using MetaClip.GrainInterfaces;
using MetaClip.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace MetaClip.Client.Cluster;

/// <summary>
/// How a command reaches a running cluster: its gateways (<c>HOST:PORT,...</c>) or its membership table
/// (<c>azure-table</c>, with the storage connection string from METACLIP_STORAGE_CONNECTION_STRING), and its
/// cluster and service ids, and who the client is (its TLS certificate, or a name), as options of the command;
/// <see cref="ConnectAsync"/> starts a client.
/// </summary>
internal sealed class ClusterConnection
{
    /// <summary>The environment variable holding the default of <c>--cluster</c>.</summary>
    public const string ClusterVariable = "METACLIP_CLUSTER";

    /// <summary>The file <c>silo/run-local-cluster.sh</c> writes its gateways to (the default after <see cref="ClusterVariable"/>).</summary>
    public const string LocalClusterFile = "out/local-cluster/gateways";

    private const string FallbackGateway = "127.0.0.1:30000";

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    public Option<string> Cluster { get; } = new("--cluster")
    {
        Description = "The cluster: gateway endpoints HOST:PORT, comma-separated, or 'azure-table' to find the gateways in the cluster's Azure Table " +
            $"(connection string from {ClusterSettings.ConnectionStringVariable}). Default: ${ClusterVariable}, else the gateways silo/run-local-cluster.sh " +
            $"wrote to {LocalClusterFile}, else {FallbackGateway}.",
        DefaultValueFactory = _ => DefaultCluster(),
        HelpName = "HOST:PORT,...|azure-table",
    };

    public Option<string> ClusterId { get; } = new("--cluster-id")
    {
        Description = "The cluster id the silos were started with (env METACLIP_CLUSTER_ID).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("METACLIP_CLUSTER_ID") ?? "metaclip-local",
        HelpName = "ID",
    };

    public Option<string> ServiceId { get; } = new("--service-id")
    {
        Description = "The service id the silos were started with (env METACLIP_SERVICE_ID).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("METACLIP_SERVICE_ID") ?? "metaclip",
        HelpName = "ID",
    };

    public Option<string?> TlsCertificate { get; } = new("--tls-cert")
    {
        Description = $"Mutual TLS to the gateways: this client's certificate, PEM or PKCS#12 (.pfx, .p12; password from {TlsSettings.PasswordVariable}), signed by the cluster's CA; " +
            $"its subject's common name is who submits and cancels (env {TlsSettings.CertificateVariable}).",
        HelpName = "FILE",
    };

    public Option<string?> TlsKey { get; } = new("--tls-key")
    {
        Description = $"The PEM private key of --tls-cert, when not in the certificate's file (env {TlsSettings.KeyVariable}).",
        HelpName = "FILE",
    };

    public Option<string?> TlsCa { get; } = new("--tls-ca")
    {
        Description = $"The CA certificate that signed the silos' certificates; only it is trusted (env {TlsSettings.CaVariable}).",
        HelpName = "FILE",
    };

    public Option<string?> As { get; } = new("--as")
    {
        Description = $"Without TLS: the name jobs are recorded as submitted by (env {UserVariable}, else the OS user). Only a label: without TLS nothing proves it. " +
            "With TLS the certificate's name is used.",
        HelpName = "NAME",
    };

    /// <summary>The environment variable holding the default of <c>--as</c>.</summary>
    public const string UserVariable = "METACLIP_USER";

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Cluster);
        command.Options.Add(ClusterId);
        command.Options.Add(ServiceId);
        command.Options.Add(TlsCertificate);
        command.Options.Add(TlsKey);
        command.Options.Add(TlsCa);
        command.Options.Add(As);
    }

    /// <summary>
    /// Connects to the cluster. <paramref name="responseTimeout"/>: how long a grain call may go unanswered before it
    /// fails (a follower asks again at once through another gateway, so it is short for <c>watch</c>; Orleans'
    /// default of 30 s otherwise).
    /// </summary>
    public async Task<ConnectedClient> ConnectAsync(ParseResult parse, CancellationToken cancellationToken, TimeSpan? responseTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(parse);
        string cluster = parse.GetRequiredValue(Cluster).Trim();
        string clusterId = parse.GetRequiredValue(ClusterId);
        string serviceId = parse.GetRequiredValue(ServiceId);
        IPEndPoint[]? gateways = null;
        string? connection = null;
        if (cluster.Equals("azure-table", StringComparison.OrdinalIgnoreCase))
        {
            connection = Environment.GetEnvironmentVariable(ClusterSettings.ConnectionStringVariable);
            if (string.IsNullOrWhiteSpace(connection))
            {
                throw new CurationException($"--cluster azure-table: set {ClusterSettings.ConnectionStringVariable} to the cluster's storage connection string");
            }
        }
        else
        {
            gateways = await ParseGatewaysAsync(cluster, cancellationToken).ConfigureAwait(false);
        }

        var (certificates, principal) = Identify(parse);
        var handshakes = new TlsHandshakeFailures();
        var identity = new CallerIdentity();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(handshakes);
        builder.UseOrleansClient(client =>
        {
            if (certificates is not null)
            {
                client.UseTls(certificates.Configure);
            }

            // Every call says who makes it: the grains record it on the jobs this client submits and check it when it
            // cancels or retries one (see JobPrincipal). With TLS it proves it: a signature with the certificate's key
            // over this client's id, the name and the time, made once every few minutes (the silo checks it and takes
            // the name from the certificate).
            var signer = certificates is null ? null : new PrincipalProofSigner(() => certificates.Certificate);
            client.AddOutgoingGrainCallFilter(context =>
            {
                if (signer is null)
                {
                    RequestContext.Set(JobPrincipal.RequestContextKey, principal);
                }
                else if (identity.Source is { } source)
                {
                    var proof = signer.For(source);
                    RequestContext.Set(JobPrincipalProof.RequestContextKey, proof);
                    RequestContext.Set(JobPrincipal.RequestContextKey, proof.Name);
                }

                return context.Invoke();
            });

            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = serviceId;
            });
            if (responseTimeout is TimeSpan timeout)
            {
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = timeout);
            }

            // A gateway that went away is tried again soon, and the others are used meanwhile.
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            if (gateways is not null)
            {
                client.UseStaticClustering(gateways);
            }
            else
            {
                client.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(connection));
            }
        });
        var host = builder.Build();

        // The client retries its gateways indefinitely: give up after a while with a clear message.
        using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connectTimeout.CancelAfter(ConnectTimeout);
        try
        {
            await host.StartAsync(connectTimeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            string why = e is OperationCanceledException ? $"no gateway answered within {ConnectTimeout.TotalSeconds:0} s" : e.Message;
            string tls = handshakes.Last is { } failure ? $"; the TLS handshake failed: {failure}"
                : certificates is not null ? "; with TLS: is this client's certificate signed by the cluster's CA, and --tls-ca the CA of the silos' certificates?"
                : "; if the cluster uses TLS, give --tls-cert, --tls-key and --tls-ca";
            throw new CurationException($"cannot reach the cluster at {cluster} (cluster id {clusterId}): {why}{tls}", e);
        }
        catch (Exception)
        {
            host.Dispose();
            throw;
        }

        if (certificates is not null)
        {
            // How the silos see this client's calls: what its proofs sign (until then its calls name no one).
            try
            {
                identity.Source = await host.Services.GetRequiredService<IClusterClient>().GetGrain<ICallerSourceGrain>(0).CallerSource().ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                host.Dispose();
                throw new CurationException($"cannot reach the cluster at {cluster} (cluster id {clusterId}): the silos did not say how they see this client ({e.Message}); are they of this version of metaclip?", e);
            }
            catch (Exception)
            {
                host.Dispose();
                throw;
            }
        }

        return new ConnectedClient(host);
    }

    /// <summary>The source of this client's calls as the silos see it, once asked.</summary>
    private sealed class CallerIdentity
    {
        public string? Source { get; set; }
    }

    /// <summary>
    /// The client's certificates (null without TLS) and its principal: the certificate's subject name with TLS, else
    /// <c>--as</c>, <see cref="UserVariable"/> or the OS user.
    /// </summary>
    private (TlsCertificates? Certificates, string Principal) Identify(ParseResult parse)
    {
        string command = MetaClipCommandLine.CommandPath(parse.CommandResult);
        var tls = new TlsSettings
        {
            CertificateFile = parse.GetValue(TlsCertificate),
            KeyFile = parse.GetValue(TlsKey),
            CaFile = parse.GetValue(TlsCa),
        }.WithEnvironment();
        string? name = parse.GetValue(As);
        if (!tls.IsConfigured)
        {
            name ??= Environment.GetEnvironmentVariable(UserVariable) is { Length: > 0 } user ? user : Environment.UserName;
            return (null, name);
        }

        try
        {
            tls.Validate($"--tls-cert (or {TlsSettings.CertificateVariable})", $"--tls-ca (or {TlsSettings.CaVariable})");
            if (name is not null)
            {
                throw new InvalidOperationException("--as: with TLS, jobs are recorded as submitted by the certificate's subject; leave --as out");
            }

            var certificates = TlsCertificates.Load(tls);
            return (certificates, certificates.Principal);
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException(e.Message, command);
        }
    }

    /// <summary><c>METACLIP_CLUSTER</c>, else the gateways of the local cluster started from this folder, else the first local gateway.</summary>
    private static string DefaultCluster()
    {
        if (Environment.GetEnvironmentVariable(ClusterVariable) is { Length: > 0 } configured)
        {
            return configured;
        }

        try
        {
            if (File.Exists(LocalClusterFile) && File.ReadAllText(LocalClusterFile).Trim() is { Length: > 0 } written)
            {
                return written;
            }
        }
        catch (IOException)
        {
            // Being rewritten: fall back.
        }
        catch (UnauthorizedAccessException)
        {
            // Not ours: fall back.
        }

        return FallbackGateway;
    }

    private static async Task<IPEndPoint[]> ParseGatewaysAsync(string cluster, CancellationToken cancellationToken)
    {
        var endpoints = new List<IPEndPoint>();
        foreach (string endpoint in cluster.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = endpoint.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            {
                throw new CurationException($"--cluster {endpoint}: expected HOST:PORT (or 'azure-table')");
            }

            string host = endpoint[..colon].Trim('[', ']');
            if (!IPAddress.TryParse(host, out var address))
            {
                IPAddress[] found;
                try
                {
                    found = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException e)
                {
                    throw new CurationException($"--cluster {endpoint}: cannot resolve {host}: {e.Message}", e);
                }

                address = found.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? found.FirstOrDefault()
                    ?? throw new CurationException($"--cluster {endpoint}: {host} has no address");
            }

            endpoints.Add(new IPEndPoint(address, port));
        }

        return endpoints.Count > 0 ? [.. endpoints] : throw new CurationException("--cluster: no gateway given");
    }
}
