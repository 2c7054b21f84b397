using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Azure.Data.Tables;
using MetaClip.Client.Cluster;
using MetaClip.Engine;
using MetaClip.Engine.Storage;
using MetaClip.GrainInterfaces;
using MetaClip.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace MetaClip.Client.Commands;

/// <summary>
/// <c>metaclip submit|status|watch|cancel|retry|jobs|results</c>: jobs on a running cluster (silo processes, e.g.
/// the local cluster of <c>silo/run-local-cluster.sh</c>), reached through its gateways or its membership table.
/// </summary>
internal static class ClusterCommands
{
    public static IEnumerable<Command> Create(TextWriter output, bool interactive)
    {
        yield return Submit(output);
        yield return Status(output);
        yield return Watch(output, interactive);
        yield return Cancel(output);
        yield return Retry(output);
        yield return Jobs(output);
        yield return Results(output);
    }

    private static Command Jobs(TextWriter output)
    {
        var connection = new ConnectionOptions();
        var command = new Command("jobs", "List the jobs submitted to the cluster, with their phase.");
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var client = await connection.ConnectAsync(parse, cancellationToken).ConfigureAwait(false);
            var jobs = await client.Client.GetGrain<IJobRegistryGrain>(0).List().ConfigureAwait(false);
            if (jobs.Length == 0)
            {
                await output.WriteLineAsync("No jobs on this cluster.").ConfigureAwait(false);
            }

            foreach (var entry in jobs)
            {
                var status = await client.Client.GetGrain<ICurationJobGrain>(entry.Id).GetStatus().ConfigureAwait(false);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{entry.Id}  {entry.SubmittedAt:u}  {status.Phase,-10}  {status.ShardsMatched}/{status.Shards} matched  {entry.Snapshot} -> {entry.Output}")).ConfigureAwait(false);
            }

            return MetaClipCommandLine.Success;
        });
        return command;
    }

    private static Command Results(TextWriter output)
    {
        var (command, id, connection) = JobCommand("results", "Where a finished job's outputs are, and its thresholds per language.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var client = await connection.ConnectAsync(parse, cancellationToken).ConfigureAwait(false);
            string jobId = parse.GetRequiredValue(id);
            var status = await client.Client.GetGrain<ICurationJobGrain>(jobId).GetStatus().ConfigureAwait(false);
            if (status.Phase != CurationJobPhase.Done)
            {
                throw new CurationException(status.Phase == CurationJobPhase.NotStarted
                    ? $"no job {jobId} on this cluster"
                    : $"job {jobId} has no results: it is {status.Phase}{(status.Error is null ? "" : " (" + status.Error + ")")}");
            }

            var report = await MetaClip.Engine.Outputs.ReportWriter.ReadAsync(DataStore.FromEnvironment(), status.Output!, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"Results: {status.Output}").ConfigureAwait(false);
            await output.WriteLineAsync($"Report:  {DataStore.Combine(status.Output!, "report.html")}").ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"p = {report.P:R}, t_en = {report.TEn?.ToString(CultureInfo.InvariantCulture) ?? "-"}, seed = {report.Seed}")).ConfigureAwait(false);
            await output.WriteLineAsync("lang      t_lang   matched texts   images kept / matched").ConfigureAwait(false);
            foreach (var language in report.Languages)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{language.Language,-8} {language.Threshold?.ToString(CultureInfo.InvariantCulture) ?? "-",7} {language.MatchedTexts,15:N0}   {language.ImagesKept,11:N0} / {language.ImagesDecided:N0}")).ConfigureAwait(false);
            }

            return MetaClipCommandLine.Success;
        });
        return command;
    }

    private static Command Submit(TextWriter output)
    {
        var job = new JobOptionSet();
        var connection = new ConnectionOptions();
        var command = new Command("submit", "Submit a curation job to a running cluster and print its id at once (follow it with 'metaclip watch ID').");
        job.AddTo(command);
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = job.Read(parse);
            await using var client = await connection.ConnectAsync(parse, cancellationToken).ConfigureAwait(false);
            string id = Guid.NewGuid().ToString("N");
            var status = await client.Client.GetGrain<ICurationJobGrain>(id).Start(options).ConfigureAwait(false);

            await output.WriteLineAsync($"Submitted job {id} ({status.Shards} shards).").ConfigureAwait(false);
            await output.WriteLineAsync($"Follow it with: metaclip watch {id} --cluster {parse.GetValue(connection.Cluster)}").ConfigureAwait(false);
            return MetaClipCommandLine.Success;
        });
        return command;
    }

    private static Command Status(TextWriter output)
    {
        var (command, id, connection) = JobCommand("status", "Print a job's phase and progress.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var client = await connection.ConnectAsync(parse, cancellationToken).ConfigureAwait(false);
            if (TrainingJobs.IsTrainingJob(parse.GetRequiredValue(id)))
            {
                var training = await client.Client.GetGrain<ITrainingJobGrain>(parse.GetRequiredValue(id)).GetStatus().ConfigureAwait(false);
                await output.WriteLineAsync(TrainingJobs.Describe(training)).ConfigureAwait(false);
                return training.Phase == TrainingJobPhase.Failed ? MetaClipCommandLine.InputError : MetaClipCommandLine.Success;
            }

            var status = await client.Client.GetGrain<ICurationJobGrain>(parse.GetRequiredValue(id)).GetStatus().ConfigureAwait(false);
            await output.WriteLineAsync(Describe(parse.GetRequiredValue(id), status)).ConfigureAwait(false);
            return status.Phase == CurationJobPhase.Failed ? MetaClipCommandLine.InputError : MetaClipCommandLine.Success;
        });
        return command;
    }

    private static Command Watch(TextWriter output, bool interactive)
    {
        var (command, id, connection) = JobCommand("watch", "Follow a job until it ends: progress per phase, then where its results and report are.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var client = await connection.ConnectAsync(parse, cancellationToken).ConfigureAwait(false);
            if (TrainingJobs.IsTrainingJob(parse.GetRequiredValue(id)))
            {
                return await TrainingJobs.WatchAsync(client.Client.GetGrain<ITrainingJobGrain>(parse.GetRequiredValue(id)), output, cancellationToken).ConfigureAwait(false);
            }

            var job = client.Client.GetGrain<ICurationJobGrain>(parse.GetRequiredValue(id));
            var status = await ConsoleProgress.RunAsync(interactive, output, progress =>
                ClusterCuration.FollowAsync(job, progress, cancellationToken)).ConfigureAwait(false);
            if (status.Phase == CurationJobPhase.Cancelled)
            {
                await output.WriteLineAsync("The job was cancelled; nothing was published.").ConfigureAwait(false);
                return MetaClipCommandLine.Cancelled;
            }

            await output.WriteLineAsync($"Results: {status.Output}").ConfigureAwait(false);
            await output.WriteLineAsync($"Report:  {DataStore.Combine(status.Output ?? ".", "report.html")}").ConfigureAwait(false);
            return MetaClipCommandLine.Success;
        });
        return command;
    }

    private static Command Cancel(TextWriter output)
    {
        var (command, id, connection) = JobCommand("cancel", "Cancel a running job: no new shard starts and nothing is published.");
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var client = await connection.ConnectAsync(parse, cancellationToken).ConfigureAwait(false);
            if (TrainingJobs.IsTrainingJob(parse.GetRequiredValue(id)))
            {
                var training = await client.Client.GetGrain<ITrainingJobGrain>(parse.GetRequiredValue(id)).Cancel().ConfigureAwait(false);
                await output.WriteLineAsync(TrainingJobs.Describe(training)).ConfigureAwait(false);
                return MetaClipCommandLine.Success;
            }

            var status = await client.Client.GetGrain<ICurationJobGrain>(parse.GetRequiredValue(id)).Cancel().ConfigureAwait(false);
            await output.WriteLineAsync(Describe(parse.GetRequiredValue(id), status)).ConfigureAwait(false);
            return MetaClipCommandLine.Success;
        });
        return command;
    }

    private static Command Retry(TextWriter output)
    {
        var (command, id, connection) = JobCommand("retry", "Run a failed job again from where it stopped: finished shards are kept, the rest run again.");
        var skip = new Option<bool>("--skip-bad-files") { Description = "This time report an unreadable file or row group and go on without it." };
        command.Options.Add(skip);
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var client = await connection.ConnectAsync(parse, cancellationToken).ConfigureAwait(false);
            string jobId = parse.GetRequiredValue(id);
            var job = client.Client.GetGrain<ICurationJobGrain>(jobId);
            var before = await job.GetStatus().ConfigureAwait(false);
            if (before.Phase != CurationJobPhase.Failed)
            {
                throw new CurationException(before.Phase == CurationJobPhase.NotStarted
                    ? $"no job {jobId} on this cluster"
                    : $"job {jobId} is {before.Phase}: only a failed job can be retried");
            }

            var status = await job.Retry(parse.GetValue(skip)).ConfigureAwait(false);
            await output.WriteLineAsync(Describe(jobId, status)).ConfigureAwait(false);
            return MetaClipCommandLine.Success;
        });
        return command;
    }

    private static (Command Command, Argument<string> Id, ConnectionOptions Connection) JobCommand(string name, string description)
    {
        var id = new Argument<string>("job") { Description = "The job id that 'metaclip submit' printed." };
        var connection = new ConnectionOptions();
        var command = new Command(name, description) { id };
        connection.AddTo(command);
        return (command, id, connection);
    }

    private static string Describe(string id, CurationJobStatus s) => string.Create(CultureInfo.InvariantCulture,
        $"{id}: {s.Phase}; shards matched {s.ShardsMatched}/{s.Shards}, sampled {s.ShardsSampled}/{s.Shards}; {s.Texts:N0} texts{(s.Error is null ? "" : "; error: " + s.Error)}");

    /// <summary>
    /// How to reach the cluster: its gateways (<c>HOST:PORT,...</c>) or its membership table (<c>azure-table</c>,
    /// with the storage connection string from METACLIP_STORAGE_CONNECTION_STRING), and its cluster and service ids.
    /// </summary>
    internal sealed class ConnectionOptions
    {
        private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

        public Option<string> Cluster { get; } = new("--cluster")
        {
            Description = "The cluster: gateway endpoints HOST:PORT, comma-separated, or 'azure-table' to find the gateways in the cluster's Azure Table " +
                $"(connection string from {ClusterSettings.ConnectionStringVariable}). Env METACLIP_CLUSTER.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("METACLIP_CLUSTER") ?? "127.0.0.1:30000",
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

        public void AddTo(Command command)
        {
            command.Options.Add(Cluster);
            command.Options.Add(ClusterId);
            command.Options.Add(ServiceId);
        }

        public async Task<ConnectedClient> ConnectAsync(ParseResult parse, CancellationToken cancellationToken)
        {
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

            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.ClearProviders();
            builder.UseOrleansClient(client =>
            {
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = clusterId;
                    o.ServiceId = serviceId;
                });
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
                throw new CurationException($"cannot reach the cluster at {cluster} (cluster id {clusterId}): {why}", e);
            }

            return new ConnectedClient(host);
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

    /// <summary>A started cluster client, stopped when disposed.</summary>
    internal sealed class ConnectedClient(IHost host) : IAsyncDisposable
    {
        public IClusterClient Client => host.Services.GetRequiredService<IClusterClient>();

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            host.Dispose();
        }
    }
}
