using System.Runtime.ExceptionServices;
using MetaClip.Engine;
using MetaClip.GrainInterfaces;
using MetaClip.Grains.Telemetry;
using Microsoft.Extensions.Logging;

namespace MetaClip.Grains.Curation;

/// <summary>Why a shard ran again.</summary>
public enum ShardRetryReason
{
    /// <summary>A stopping silo handed it back.</summary>
    HandedBack,

    /// <summary>A silo was lost or did not answer in time.</summary>
    Cluster,

    /// <summary>It had started under a coordinator that was lost (its silo died); the resumed job runs it again.</summary>
    Resumed,

    /// <summary>The run failed for another reason than its input (an I/O error, say).</summary>
    Error,
}

/// <summary>
/// A coordinator's fan-out of one pass: every shard runs on a fresh <see cref="IShardWorkerGrain"/> activation,
/// with about <see cref="ShardsPerSilo"/> shards in flight per active silo — a limit followed as silos join or
/// leave during the pass, so a silo added mid-job gets shards at once. A shard whose run fails for a reason
/// other than its input is run again (elsewhere, once membership has caught up); after any other failure no
/// further shard starts, and the first failure is thrown once every shard in flight has finished (so nothing
/// writes into the job's folder after it is cleaned up). Runs in the coordinator's grain context.
/// </summary>
public sealed partial class ShardDispatcher(IGrainFactory grains, string jobId, ILogger logger, Action<ShardRetryReason> retried, Action<ShardTask>? started = null)
{
    /// <summary>Shards in flight per active silo; each silo bounds how many it runs at once (back-pressure).</summary>
    public const int ShardsPerSilo = 4;

    /// <summary>Runs of one shard that may fail for reasons other than its input or the cluster's state before the job fails.</summary>
    private const int Attempts = 4;

    /// <summary>How often the in-flight limit follows the active silos.</summary>
    private static readonly TimeSpan MembershipRefresh = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a shard keeps being retried while the cluster cannot reach a silo (a lost silo is only declared
    /// dead after its probes fail; until then calls routed to it fail at once). The coordinator's own calls to the
    /// language partitions ride out a lost silo for as long (<see cref="CountVerification"/>).
    /// </summary>
    internal static readonly TimeSpan ClusterRecoveryBudget = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>Runs <paramref name="run"/> for every shard and <paramref name="done"/> with each result, in the grain's turn.</summary>
    public async Task RunAsync<TResult>(IReadOnlyList<ShardTask> shards, string pass, Func<ShardTask, IShardWorkerGrain, Task<TResult>> run,
        Func<ShardTask, TResult, Task> done, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(shards);
        var gate = new AdjustableGate(await LimitAsync());
        using var finished = new CancellationTokenSource();
        var following = FollowMembershipAsync(gate, finished.Token);
        Exception? firstFailure = null;
        try
        {
            await Task.WhenAll(shards.Select(async shard =>
            {
                try
                {
                    await gate.WaitAsync(token);
                }
                catch (OperationCanceledException e)
                {
                    firstFailure ??= e;
                    return;
                }

                try
                {
                    if (firstFailure is null)
                    {
                        started?.Invoke(shard);
                        var result = await RunShardAsync(shard, pass, run, token);
                        token.ThrowIfCancellationRequested();
                        await done(shard, result);
                    }
                }
                catch (Exception e)
                {
                    firstFailure ??= e;
                }
                finally
                {
                    gate.Release();
                }
            }));
        }
        finally
        {
            await finished.CancelAsync();
            await following;
        }

        if (firstFailure is not null)
        {
            ExceptionDispatchInfo.Throw(firstFailure);
        }
    }

    private async Task<TResult> RunShardAsync<TResult>(ShardTask shard, string pass, Func<ShardTask, IShardWorkerGrain, Task<TResult>> run, CancellationToken token)
    {
        System.Diagnostics.Stopwatch? recovering = null;
        for (int runNumber = 1, failures = 0, handBacks = 0; ; runNumber++)
        {
            token.ThrowIfCancellationRequested();
            try
            {
                return await run(shard, Worker(shard, pass, runNumber));
            }
            catch (ShardHandedBackException e)
            {
                // A silo shutting down gave the shard back: never the job's fault, so never a reason to fail it. Wait a
                // little (while every silo stops, a re-run lands on another stopping one until membership says so).
                Retried(ShardRetryReason.HandedBack, shard, e);
                await Task.Delay(RetryDelay(++handBacks), token);
            }
            catch (Exception e) when (e is OrleansException or TimeoutException &&
                (recovering ??= System.Diagnostics.Stopwatch.StartNew()).Elapsed < ClusterRecoveryBudget)
            {
                // A lost silo, a timeout, a silo not yet declared dead: run the shard again on a fresh activation.
                Retried(ShardRetryReason.Cluster, shard, e);
                await Task.Delay(RetryDelay(runNumber), token);
            }
            catch (Exception e) when (e is not (CurationException or ShardHandedBackException or OrleansException or TimeoutException or OperationCanceledException)
                && ++failures < Attempts)
            {
                // Another failure of the run itself (an I/O error, say): a few more tries.
                Retried(ShardRetryReason.Error, shard, e);
                await Task.Delay(RetryDelay(runNumber), token);
            }
        }
    }

    /// <summary>Counts the shards that a lost coordinator had started and a resumed one runs again.</summary>
    public void CountResumed(int shards)
    {
        for (int i = 0; i < shards; i++)
        {
            retried(ShardRetryReason.Resumed);
        }

        if (shards > 0)
        {
            MetaClipMetrics.ShardRetries.Add(shards, new KeyValuePair<string, object?>("reason", "resumed"));
        }
    }

    private void Retried(ShardRetryReason reason, ShardTask shard, Exception failure)
    {
        retried(reason);
        MetaClipMetrics.ShardRetries.Add(1, new KeyValuePair<string, object?>("reason", reason switch
        {
            ShardRetryReason.HandedBack => "handed-back",
            ShardRetryReason.Cluster => "cluster",
            ShardRetryReason.Resumed => "resumed",
            _ => "error",
        }));
        if (logger.IsEnabled(LogLevel.Warning))
        {
            // Names the failure's type too: a hand-back and a lost silo's rejection read alike otherwise.
            LogShardRetry(logger, jobId, shard.Index, failure.GetType().Name, failure.Message);
        }
    }

    private async Task<int> LimitAsync()
    {
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        return Math.Max(1, hosts.Count) * ShardsPerSilo;
    }

    /// <summary>Keeps the gate's limit at <see cref="ShardsPerSilo"/> per active silo until the pass ends.</summary>
    private async Task FollowMembershipAsync(AdjustableGate gate, CancellationToken finished)
    {
        while (!finished.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(MembershipRefresh, finished);
                int limit = await LimitAsync();
                if (limit != gate.Limit)
                {
                    LogInFlightLimit(logger, jobId, gate.Limit, limit);
                    gate.SetLimit(limit);
                }
            }
            catch (OperationCanceledException) when (finished.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                // Membership could not be read this time (a silo lost meanwhile): keep the limit, ask again later.
                LogMembershipUnread(logger, jobId, e.Message);
            }
        }
    }

    /// <summary>
    /// A fresh worker activation per pass and run (<c>{job}/{shard}/{pass}[/{run}]</c>): a worker leaves after its
    /// call, and a new key never waits for the old activation's deactivation or lands on a lost silo's.
    /// </summary>
    private IShardWorkerGrain Worker(ShardTask shard, string pass, int run) =>
        grains.GetGrain<IShardWorkerGrain>(run == 1 ? $"{shard.JobId}/{shard.Index}/{pass}" : $"{shard.JobId}/{shard.Index}/{pass}/{run}");

    /// <summary>0.25 s after the first failed run, doubling up to <see cref="MaxRetryDelay"/>.</summary>
    internal static TimeSpan RetryDelay(int runNumber) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxRetryDelay.TotalMilliseconds, 250 * Math.Pow(2, Math.Min(10, runNumber - 1))));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: shard {Shard} runs again: {FailureType}: {Reason}")]
    private static partial void LogShardRetry(ILogger logger, string jobId, int shard, string failureType, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: shards in flight {Old} -> {New} (active silos changed)")]
    private static partial void LogInFlightLimit(ILogger logger, string jobId, int old, int @new);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: could not read the active silos: {Error}")]
    private static partial void LogMembershipUnread(ILogger logger, string jobId, string error);
}
