using System.CommandLine;
using System.Globalization;
using MetaClip.Client.Cluster;
using MetaClip.Cluster;
using MetaClip.Curation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MetaClip.Client.Commands;

/// <summary>
/// <c>metaclip submit|status|watch|cancel|jobs|results</c>: jobs on a running cluster (for now a local cluster of silo
/// processes started with <c>silo/run-local-cluster.sh</c>, joined through their gateway ports).
/// </summary>
internal static class ClusterCommands
{
    public static IEnumerable<Command> Create(TextWriter output, bool interactive)
    {
        yield return Submit(output);
        yield return Status(output);
        yield return Watch(output, interactive);
        yield return Cancel(output);
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

            var report = MetaClip.Outputs.ReportWriter.Read(status.Output!);
            await output.WriteLineAsync($"Results: {status.Output}").ConfigureAwait(false);
            await output.WriteLineAsync($"Report:  {Path.Combine(status.Output!, "report.html")}").ConfigureAwait(false);
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
            CurationJobStatus status;
            try
            {
                status = await client.Client.GetGrain<ICurationJobGrain>(id).Start(ClusterCuration.Spec(options)).ConfigureAwait(false);
            }
            catch (CurationInputException e)
            {
                throw new CurationException(e.Message, e);
            }

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
            var job = client.Client.GetGrain<ICurationJobGrain>(parse.GetRequiredValue(id));
            var status = await ConsoleProgress.RunAsync(interactive, output, progress =>
                ClusterCuration.FollowAsync(job, progress, cancellationToken)).ConfigureAwait(false);
            if (status.Phase == CurationJobPhase.Cancelled)
            {
                await output.WriteLineAsync("The job was cancelled; nothing was published.").ConfigureAwait(false);
                return MetaClipCommandLine.Cancelled;
            }

            await output.WriteLineAsync($"Results: {status.Output}").ConfigureAwait(false);
            await output.WriteLineAsync($"Report:  {Path.Combine(status.Output ?? ".", "report.html")}").ConfigureAwait(false);
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
            var status = await client.Client.GetGrain<ICurationJobGrain>(parse.GetRequiredValue(id)).Cancel().ConfigureAwait(false);
            await output.WriteLineAsync(Describe(parse.GetRequiredValue(id), status)).ConfigureAwait(false);
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

    /// <summary>How to reach the cluster: its gateways and cluster id (options, or METACLIP_CLUSTER / METACLIP_CLUSTER_ID).</summary>
    private sealed class ConnectionOptions
    {
        private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

        public Option<string> Cluster { get; } = new("--cluster")
        {
            Description = "Gateway endpoints of the cluster, comma-separated (env METACLIP_CLUSTER). Local clusters only for now: 127.0.0.1:PORT.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("METACLIP_CLUSTER") ?? "127.0.0.1:30000",
            HelpName = "HOST:PORT,...",
        };

        public Option<string> ClusterId { get; } = new("--cluster-id")
        {
            Description = "The cluster id the silos were started with (env METACLIP_CLUSTER_ID).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("METACLIP_CLUSTER_ID") ?? "metaclip-local",
            HelpName = "ID",
        };

        public void AddTo(Command command)
        {
            command.Options.Add(Cluster);
            command.Options.Add(ClusterId);
        }

        public async Task<ConnectedClient> ConnectAsync(ParseResult parse, CancellationToken cancellationToken)
        {
            var ports = new List<int>();
            foreach (string endpoint in parse.GetRequiredValue(Cluster).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                int colon = endpoint.LastIndexOf(':');
                string address = colon < 0 ? endpoint : endpoint[..colon];
                if (colon < 0 || !int.TryParse(endpoint[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) ||
                    address is not ("127.0.0.1" or "localhost"))
                {
                    throw new CurationException($"--cluster {endpoint}: expected 127.0.0.1:PORT (only local clusters are supported for now)");
                }

                ports.Add(port);
            }

            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.ClearProviders();
            builder.UseOrleansClient(client => client.UseLocalhostClustering([.. ports], "metaclip", parse.GetRequiredValue(ClusterId)));
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
                throw new CurationException($"cannot reach the cluster at {parse.GetRequiredValue(Cluster)} (cluster id {parse.GetRequiredValue(ClusterId)}): {why}", e);
            }

            return new ConnectedClient(host);
        }
    }

    /// <summary>A started cluster client, stopped when disposed.</summary>
    private sealed class ConnectedClient(IHost host) : IAsyncDisposable
    {
        public IClusterClient Client => host.Services.GetRequiredService<IClusterClient>();

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            host.Dispose();
        }
    }
}
