using System.Net;
using System.Net.Sockets;
using MetaClip.Engine;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Storage;
using MetaClip.Grains.Curation;
using MetaClip.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MetaClip.Client.Cluster;

/// <summary>
/// A single-machine Orleans cluster inside the <c>metaclip</c> process: one silo on loopback, on free ports,
/// with in-memory grain storage and shard intermediates kept in memory (nothing of a job survives the process,
/// so nothing is written that only a restart would read); blob locations use the account of
/// METACLIP_STORAGE_CONNECTION_STRING. <c>metaclip curate</c> runs its job on it, through the same grains as a
/// multi-silo cluster.
/// </summary>
internal sealed class EmbeddedCluster : IAsyncDisposable
{
    private readonly IHost _host;

    private EmbeddedCluster(IHost host, DataStore store)
    {
        _host = host;
        Store = store;
    }

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>Where the job's blob locations are.</summary>
    public DataStore Store { get; }

    /// <summary>The embedded silo's services (its grain factory, its details).</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>
    /// Starts the silo. The job's metadata is loaded and its matchers built into the silo's cache meanwhile (the
    /// silo's start is mostly single-threaded jitting, so this runs beside it); a bad metadata folder fails here
    /// with the error the job would give.
    /// </summary>
    /// <param name="metadata">The job's metadata folder.</param>
    /// <param name="mode">The job's curation mode.</param>
    /// <param name="matcherCache">The folder of compiled lists (<see cref="CurationOptions.MatcherCache"/>).</param>
    /// <param name="warn">Hears about problems with that folder.</param>
    /// <param name="cancellationToken">Stops the start.</param>
    public static async Task<EmbeddedCluster> StartAsync(string metadata, CurationMode mode, string? matcherCache, Action<string> warn, CancellationToken cancellationToken)
    {
        var store = DataStore.FromEnvironment();
        var metadataCache = new MetadataCache(store, CompiledMatcherCache.Create(matcherCache, warn));
        var warmUp = Task.Run(async () =>
        {
            var set = await metadataCache.GetAsync(metadata, mode).ConfigureAwait(false);
            Parallel.ForEach(set.Languages, new ParallelOptions { CancellationToken = cancellationToken }, language => set.GetMatcher(language));
        }, cancellationToken);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // The silo logs to standard error, never between the command's lines on standard output; a job's failure is the
        // command's one error line, so only critical lines are logged, and with METACLIP_DEBUG=1 every error too.
        bool debug = Environment.GetEnvironmentVariable("METACLIP_DEBUG") == "1";
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(options => options.SingleLine = true).SetMinimumLevel(LogLevel.Error);
        builder.Logging.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.AddFilter((_, level) => level >= LogLevel.Critical || (debug && level >= LogLevel.Error));
        builder.UseOrleans(silo =>
        {
            var (siloPort, gatewayPort) = TwoFreePorts();
            silo.UseLocalhostClustering(siloPort: siloPort, gatewayPort: gatewayPort, serviceId: "metaclip", clusterId: "metaclip-embedded-" + Guid.NewGuid().ToString("N"));
            silo.AddCurationStorage(GrainStorageKind.Memory, connectionString: null, serviceId: "metaclip");
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton(store).AddSingleton(metadataCache);
            silo.Services.AddMetaClipCuration(o =>
            {
                // Two shards at once (each matches on every core): a third and fourth sped a 1M-text job up by 5 %
                // and held two more shards' rows in memory (bench/RESULTS.md, "Bounded memory").
                o.MaxConcurrentShards = 2;
                // Half the silo default for intermediates held in memory (the rest spill to temporary files): the
                // embedded silo shares its process with the client (3M-text file: 609-620 MB peak RSS with 64 MiB, 578-586 MB with 32 MiB).
                o.IntermediateMemoryBytes = 32L << 20;
                // One silo in this process, grain state in memory: nothing outlives the process, so nothing is written
                // that only a restart would read.
                o.SingleSilo = true;
                o.IntermediatesInMemory = true;
                o.AcknowledgeBeforePersisting = true;
            });
        });
        var host = builder.Build();
        try
        {
            await Task.WhenAll(host.StartAsync(cancellationToken), warmUp).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await StopAfterFailedStartAsync(host).ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
            {
                // Orleans says a cancelled start with an exception of its own (OrleansLifecycleCanceledException, not an
                // OperationCanceledException): it is the cancellation the command reports as such (exit 130).
                throw new OperationCanceledException("the embedded cluster's start was cancelled", e, cancellationToken);
            }

            throw;
        }

        return new EmbeddedCluster(host, store);
    }

    /// <summary>
    /// Stops what a start that failed or was cancelled (Ctrl+C while the silo starts) had started; both tasks have ended
    /// (<see cref="Task.WhenAll(Task[])"/> waits for each). Orleans refuses to stop a silo that never reached its Running
    /// state ("not in the Running state"): that refusal is the state the failed start left, not an error of its own,
    /// so the host is disposed and the start's error, which the caller rethrows, is the one reported (it was exit 70
    /// with that refusal instead of exit 130).
    /// </summary>
    private static async Task StopAfterFailedStartAsync(IHost host)
    {
        try
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (InvalidOperationException e) when (e.Message.Contains("not in the Running state", StringComparison.Ordinal))
        {
            // Nothing ran: disposing the host below releases what the start made.
        }
        finally
        {
            host.Dispose();
        }
    }

    public ValueTask DisposeAsync() => StopAsync(_host);

    private static async ValueTask StopAsync(IHost host)
    {
        await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        host.Dispose();
    }

    /// <summary>Two distinct free loopback ports (both held until both are chosen).</summary>
    private static (int, int) TwoFreePorts()
    {
        using var first = new TcpListener(IPAddress.Loopback, 0);
        using var second = new TcpListener(IPAddress.Loopback, 0);
        first.Start();
        second.Start();
        return (((IPEndPoint)first.LocalEndpoint).Port, ((IPEndPoint)second.LocalEndpoint).Port);
    }
}
