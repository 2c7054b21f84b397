using System.Diagnostics;
using System.Runtime.ExceptionServices;
using MetaClip.Engine;
using MetaClip.Engine.Curation;
using MetaClip.Engine.Lid;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;
using MetaClip.GrainInterfaces;
using MetaClip.Grains.Hosting;
using MetaClip.Grains.Telemetry;
using Microsoft.Extensions.Logging;

namespace MetaClip.Grains.Curation;

/// <summary>
/// <see cref="ICurationJobGrain"/>: plans the shards, fans them out to <see cref="IShardWorkerGrain"/>s with a
/// bounded number in flight, waits for all counts (the barrier), computes the thresholds from the language
/// partitions' global counts, fans out pass 2 and publishes the outputs exactly as the single-process
/// pipeline writes them. A shard whose call fails for a reason other than its input (a silo lost, a timeout,
/// a silo handing its shards back) is run again: its counts apply once, and its intermediates are replaced
/// whole. The job's progress is checkpointed to grain storage; a new activation resumes it.
/// </summary>
public sealed partial class CurationJobGrain(
    [PersistentState("job", CurationStorage.Name)] IPersistentState<CurationJobState> state,
    MetadataCache metadataCache,
    LidModelCache lidModels,
    ShardIntermediates intermediates,
    DataStore store,
    ILogger<CurationJobGrain> logger) : Grain, ICurationJobGrain, IRemindable, IDisposable
{
    /// <summary>Shards in flight per active silo; each silo bounds how many it runs at once (back-pressure).</summary>
    private const int ShardsPerSilo = 4;

    /// <summary>Runs of one shard that may fail for reasons other than its input or the cluster's state before the job fails.</summary>
    private const int Attempts = 4;

    /// <summary>
    /// How long a shard keeps being retried while the cluster cannot reach a silo (a lost silo is only declared
    /// dead after its probes fail; until then calls routed to it fail at once).
    /// </summary>
    private static readonly TimeSpan ClusterRecoveryBudget = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>The publisher appends shards' outputs this many kept rows or shards at a time.</summary>
    private const int PublishBatchRows = 16_384;
    private const int PublishBatchShards = 256;

    private const string ResumeReminder = "resume";
    private static readonly TimeSpan CheckpointInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromMinutes(20);

    private readonly CancellationTokenSource _cancel = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Stopwatch _phaseClock = new();
    private readonly Dictionary<string, LanguageTally> _tallies = new(StringComparer.Ordinal);
    private Task? _run;
    private bool _deactivating;
    private bool _cancelRequested;
    private int _phaseShardsThisRun;
    private long _texts;
    private DateTime _lastCheckpoint;
    private bool _flushScheduled;
    private CurationJobPhase? _reportedPhase;
    private int _persistedResults;

    private CurationJobState Job => state.State;

    private string JobId => this.GetPrimaryKeyString();

    private static bool IsRunning(CurationJobPhase phase) =>
        phase is CurationJobPhase.Matching or CurationJobPhase.Thresholds or CurationJobPhase.Sampling or CurationJobPhase.Publishing;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Job.Phase is CurationJobPhase.Done or CurationJobPhase.Cancelled && Job.WorkFolder.Length > 0
            && await store.KindAsync(Job.WorkFolder, cancellationToken) != StoredKind.Missing)
        {
            // The previous activation was lost between recording the end and cleaning up.
            await CleanUpAsync();
        }

        if (Job.Spec is not null && IsRunning(Job.Phase))
        {
            // The job was running when its previous activation was lost: resume it from the persisted shard states.
            Job.Resumes++;
            LogResuming(logger, JobId, Job.Phase, Job.Matched.Count, Job.Sampled.Count, Job.Shards.Count);
            RebuildTallies();
            StartRun();
        }
        else
        {
            RebuildTallies();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_run is { IsCompleted: false })
        {
            // Leave the job where it is; the next activation (a status call or the reminder) resumes it.
            _deactivating = true;
            await _cancel.CancelAsync();
            await CheckpointAsync(force: true);
            LogHandingOver(logger, JobId, reason.ReasonCode);
        }
    }

    public async Task<CurationJobStatus> Start(CurationJobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (Job.Spec is not null)
        {
            return Status();
        }

        if (spec.TEn.HasValue && spec.P.HasValue)
        {
            throw new ArgumentException("give either t_en or p, not both");
        }

        var skipped = new List<string>();
        List<SnapshotUnit> units;
        try
        {
            if (JobSpecs.NeedsLid(spec))
            {
                // Checked (and loaded into this silo's cache) before anything runs: a missing or broken model
                // fails the start, naming the file.
                await lidModels.GetAsync(spec.LidModel ?? throw new CurationException(LanguageIdentifier.NoModel));
            }

            var files = await SnapshotFile.DiscoverAsync(store, spec.Snapshot, CancellationToken.None);
            units = await SnapshotPlanner.PlanAsync(store, files, JobSpecs.Columns(spec), CancellationToken.None,
                spec.SkipBadFiles ? (_, e) => skipped.Add(e.Message) : null);
        }
        catch (CurationException e)
        {
            throw new CurationInputException(e.Message);
        }

        string output = DataStore.Normalize(spec.Output);
        Job.Spec = spec with { Output = output };
        Job.Phase = CurationJobPhase.Matching;
        Job.SubmittedAt = DateTimeOffset.UtcNow;
        Job.WorkFolder = DataStore.Combine(output, $".work/{JobId}");
        Job.Shards = [.. units.Select(u => new ShardPlan(u.File.Path, u.File.Name, (int)u.File.Format, u.RowGroup))];
        Job.SkippedFiles = skipped;
        await CheckpointAsync(force: true);
        await this.RegisterOrUpdateReminder(ResumeReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await GrainFactory.GetGrain<IJobRegistryGrain>(0).Add(new JobEntry(JobId, Job.SubmittedAt, spec.Snapshot, output));
        LogStarted(logger, JobId, Job.Shards.Count, spec.Snapshot);
        StartRun();
        return Status();
    }

    public Task<CurationJobStatus> GetStatus() => Task.FromResult(Status());

    public async Task<CurationJobStatus> Cancel()
    {
        if (Job.Spec is null || Job.Phase is CurationJobPhase.Done or CurationJobPhase.Cancelled)
        {
            return Status();
        }

        _cancelRequested = true;
        await _cancel.CancelAsync();
        if (_run is not null)
        {
            try
            {
                await _run;
            }
            catch (OperationCanceledException)
            {
                // The run observed the cancellation.
            }
        }

        if (Job.Phase != CurationJobPhase.Cancelled)
        {
            // A failed job (or one whose run was lost): discard what it kept for a retry.
            await FinishAsync(CurationJobPhase.Cancelled);
        }

        return Status();
    }

    public async Task<CurationJobStatus> Retry(bool skipBadFiles)
    {
        if (Job.Spec is null || Job.Phase != CurationJobPhase.Failed)
        {
            return Status();
        }

        Job.Spec = Job.Spec with { SkipBadFiles = Job.Spec.SkipBadFiles || skipBadFiles };
        Job.Phase = Job.FailedPhase;
        Job.Error = null;
        await CheckpointAsync(force: true);
        await this.RegisterOrUpdateReminder(ResumeReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        LogRetrying(logger, JobId, Job.Phase);
        StartRun();
        return Status();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Activation resumed a running job already; a finished job needs no reminder any more.
        if (!IsRunning(Job.Phase))
        {
            await this.UnregisterReminderIfAnyAsync(ResumeReminder);
        }
    }

    public void Dispose()
    {
        _cancel.Dispose();
        _writeLock.Dispose();
    }

    private void StartRun()
    {
        DelayDeactivation(KeepAlive);
        _run = RunAsync();
    }

    private CurationJobStatus Status()
    {
        var job = Job;
        if (job.Spec is null)
        {
            return new CurationJobStatus(CurationJobPhase.NotStarted, 0, 0, 0, 0, null) { Coordinator = RuntimeIdentity };
        }

        return new CurationJobStatus(_reportedPhase ?? job.Phase, job.Shards.Count, job.Matched.Count + job.SkippedShards.Count, job.Sampled.Count, _texts, job.Error, job.Spec.Output)
        {
            Languages = JobSpecs.Figures(_tallies),
            SubmittedAt = job.SubmittedAt,
            PhaseSeconds = _phaseClock.Elapsed.TotalSeconds,
            PhaseShardsThisRun = _phaseShardsThisRun,
            Resumes = job.Resumes,
            ShardRetries = job.ShardRetries,
            ShardHandBacks = job.ShardHandBacks,
            Coordinator = RuntimeIdentity,
            SkippedFiles = [.. job.SkippedFiles],
            ShardResultsPersisted = _persistedResults,
        };
    }

    private async Task RunAsync()
    {
        // Let the call (or activation) that started the run finish first.
        await Task.Yield();
        var spec = Job.Spec!;
        var shards = Job.Shards.Select((plan, index) => ShardOf(index, plan, spec)).ToList();
        var clock = Stopwatch.StartNew();
        try
        {
            if (Job.Phase == CurationJobPhase.Matching)
            {
                await MatchAsync(spec, shards);
                AddTiming("match and count (pass 1)", clock);
                Job.Phase = CurationJobPhase.Thresholds;
                await CheckpointAsync(force: true);
            }

            // The barrier is behind us: every shard's counts are applied. Thresholds from the global counts
            // (recomputed on a resume in a later phase: they are a pure function of the counts).
            _cancel.Token.ThrowIfCancellationRequested();
            clock.Restart();
            var matchedShards = shards.Where(s => Job.Matched.ContainsKey(s.Index)).ToList();
            var metadata = await metadataCache.GetAsync(spec.Metadata, JobSpecs.Mode(spec));
            var (counts, table, tablePath) = await ComputeThresholdsAsync(spec, metadata);
            if (Job.Phase == CurationJobPhase.Thresholds)
            {
                AddTiming("thresholds", clock);
                Job.Phase = CurationJobPhase.Sampling;
                await CheckpointAsync(force: true);
            }

            if (Job.Phase == CurationJobPhase.Sampling)
            {
                clock.Restart();
                await SampleAsync(matchedShards, tablePath);
                AddTiming("sample and write (pass 2)", clock);
                Job.Phase = CurationJobPhase.Publishing;
                await CheckpointAsync(force: true);
            }

            _cancel.Token.ThrowIfCancellationRequested();
            clock.Restart();
            await PublishAsync(spec, matchedShards, metadata, counts, table);
            await FinishAsync(CurationJobPhase.Done);
            double seconds = Job.Timings.GetValueOrDefault("total");
            LogDone(logger, JobId, seconds);
        }
        catch (OperationCanceledException) when (_deactivating)
        {
            // This activation is going away; the job stays where its checkpoint says and resumes elsewhere.
        }
        catch (OperationCanceledException) when (_cancelRequested)
        {
            await FinishAsync(CurationJobPhase.Cancelled);
            LogCancelled(logger, JobId);
        }
        catch (Exception e) when (!_deactivating)
        {
            Job.FailedPhase = Job.Phase;
            Job.Phase = CurationJobPhase.Failed;
            Job.Error = e.Message;
            MetaClipMetrics.Jobs.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
            _phaseClock.Stop();
            await CheckpointAsync(force: true);
            await this.UnregisterReminderIfAnyAsync(ResumeReminder);
            LogFailed(logger, JobId, Job.FailedPhase, e.Message);
        }
    }

    private async Task MatchAsync(CurationJobSpec spec, List<ShardTask> shards)
    {
        var pending = shards.Where(s => !Job.Matched.ContainsKey(s.Index) && !Job.SkippedShards.Contains(s.Index)).ToList();
        await ForEachShardAsync(pending, "match", async (shard, worker) =>
        {
            try
            {
                return await worker.Match(shard);
            }
            catch (CurationInputException e) when (spec.SkipBadFiles)
            {
                // Reported and left out; its counts were never applied (a shard applies them last).
                Job.SkippedFiles.Add(e.Message);
                return null;
            }
        }, async (shard, summary) =>
        {
            if (summary is null)
            {
                Job.SkippedShards.Add(shard.Index);
            }
            else
            {
                Job.Matched[shard.Index] = summary;
                AddFigures(summary.Languages);
                _texts += summary.Languages.Sum(l => l.Texts);
            }

            await CheckpointAsync(force: false);
        });
    }

    private async Task SampleAsync(List<ShardTask> shards, string tablePath)
    {
        var pending = shards.Where(s => !Job.Sampled.ContainsKey(s.Index)).ToList();
        await ForEachShardAsync<ShardSampleSummary?>(pending, "sample", async (shard, worker) => await worker.Sample(shard, tablePath), async (shard, summary) =>
        {
            Job.Sampled[shard.Index] = summary!;
            AddFigures(summary!.Languages);
            intermediates.Release(JobSpecs.MatchesPath(shard));
            await CheckpointAsync(force: false);
        });
    }

    private async Task<(Dictionary<string, EntryCounts> Counts, ThresholdTable Table, string Path)> ComputeThresholdsAsync(
        CurationJobSpec spec, MetaClip.Engine.Matching.MetadataSet metadata)
    {
        var counts = new Dictionary<string, EntryCounts>(StringComparer.Ordinal);
        foreach (string language in metadata.Languages)
        {
            metadata.TryGetList(language, out var list);
            var global = await GrainFactory.GetGrain<ILanguagePartitionGrain>($"{JobId}/{language}").GetCounts();
            counts[language] = new EntryCounts(language, global.Counts.Length == list.Count ? [.. global.Counts] : new ulong[list.Count]);
        }

        // Sorting every count vector is CPU work: off the grain's turn. The table is immutable; it is written
        // whole under a temporary name, so a silo never reads half of it.
        string work = Job.WorkFolder;
        string tablePath = DataStore.Combine(work, "thresholds.table");
        var table = await Task.Run(async () =>
        {
            var computed = ThresholdTable.Compute(counts, JobSpecs.EffectiveTEn(spec), spec.P);
            await intermediates.PutThresholdTableAsync(tablePath, computed, CancellationToken.None);
            return computed;
        });
        return (counts, table, tablePath);
    }

    /// <summary>
    /// A fresh worker activation per pass and run (<c>{job}/{shard}/{pass}[/{run}]</c>): a worker leaves after its
    /// call, and a new key never waits for the old activation's deactivation or lands on a lost silo's.
    /// </summary>
    private IShardWorkerGrain Worker(ShardTask shard, string pass, int run) =>
        GrainFactory.GetGrain<IShardWorkerGrain>(run == 1 ? $"{shard.JobId}/{shard.Index}/{pass}" : $"{shard.JobId}/{shard.Index}/{pass}/{run}");

    private ShardTask ShardOf(int index, ShardPlan plan, CurationJobSpec spec) =>
        new(JobId, index, plan.FilePath, plan.FileName, plan.FileFormat, plan.RowGroup, Job.WorkFolder, spec);

    /// <summary>
    /// Runs every shard with a bounded number in flight; retries a shard whose failure is not its input's
    /// fault (a fresh worker activation each time, so a lost silo's shards are placed elsewhere). After a
    /// failure no further shard starts, and the first failure is thrown once every shard in flight has
    /// finished (so nothing writes into the job's folder after it is cleaned up).
    /// </summary>
    private async Task ForEachShardAsync<TResult>(List<ShardTask> shards, string pass, Func<ShardTask, IShardWorkerGrain, Task<TResult>> run, Func<ShardTask, TResult, Task> done)
    {
        _phaseClock.Restart();
        _phaseShardsThisRun = 0;
        var hosts = await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        using var slots = new SemaphoreSlim(Math.Max(1, hosts.Count) * ShardsPerSilo);
        Exception? firstFailure = null;
        var token = _cancel.Token;
        await Task.WhenAll(shards.Select(async shard =>
        {
            try
            {
                await slots.WaitAsync(token);
            }
            catch (OperationCanceledException e)
            {
                firstFailure ??= e;
                return;
            }

            try
            {
                if (firstFailure is not null)
                {
                    return;
                }

                TResult result;
                Stopwatch? recovering = null;
                for (int runNumber = 1, failures = 0, handBacks = 0; ; runNumber++)
                {
                    token.ThrowIfCancellationRequested();
                    try
                    {
                        result = await run(shard, Worker(shard, pass, runNumber));
                        break;
                    }
                    catch (ShardHandedBackException e)
                    {
                        // A silo shutting down gave the shard back: never the job's fault, so never a reason to fail
                        // it. Wait a little (while every silo stops, a re-run lands on another stopping one until
                        // membership says so), then run it on a fresh activation.
                        Job.ShardRetries++;
                        Job.ShardHandBacks++;
                        MetaClipMetrics.ShardRetries.Add(1, new KeyValuePair<string, object?>("reason", "handed-back"));
                        LogShardRetry(logger, JobId, shard.Index, e);
                        await Task.Delay(RetryDelay(++handBacks), token);
                    }
                    catch (Exception e) when (e is OrleansException or TimeoutException &&
                        (recovering ??= Stopwatch.StartNew()).Elapsed < ClusterRecoveryBudget)
                    {
                        // A lost silo, a timeout, a silo not yet declared dead: wait a little, then run the shard
                        // again on a fresh activation (elsewhere once membership has caught up).
                        Job.ShardRetries++;
                        MetaClipMetrics.ShardRetries.Add(1, new KeyValuePair<string, object?>("reason", "cluster"));
                        LogShardRetry(logger, JobId, shard.Index, e);
                        await Task.Delay(RetryDelay(runNumber), token);
                    }
                    catch (Exception e) when (e is not (CurationException or CurationInputException or ShardHandedBackException or OrleansException or TimeoutException)
                        && ++failures < Attempts)
                    {
                        // Another failure of the run itself (an I/O error, say): a few more tries.
                        Job.ShardRetries++;
                        MetaClipMetrics.ShardRetries.Add(1, new KeyValuePair<string, object?>("reason", "error"));
                        LogShardRetry(logger, JobId, shard.Index, e);
                        await Task.Delay(RetryDelay(runNumber), token);
                    }
                }

                token.ThrowIfCancellationRequested();
                _phaseShardsThisRun++;
                await done(shard, result);
            }
            catch (Exception e)
            {
                firstFailure ??= e;
            }
            finally
            {
                slots.Release();
            }
        }));
        if (firstFailure is not null)
        {
            ExceptionDispatchInfo.Throw(firstFailure);
        }
    }

    /// <summary>0.25 s after the first failed run, doubling up to <see cref="MaxRetryDelay"/>.</summary>
    private static TimeSpan RetryDelay(int runNumber) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxRetryDelay.TotalMilliseconds, 250 * Math.Pow(2, Math.Min(10, runNumber - 1))));

    private async Task PublishAsync(CurationJobSpec spec, List<ShardTask> shards, MetaClip.Engine.Matching.MetadataSet metadata,
        Dictionary<string, EntryCounts> counts, ThresholdTable table)
    {
        var matched = shards.Select(s => Job.Matched[s.Index]).ToArray();
        var tallies = new Dictionary<string, LanguageTally>(StringComparer.Ordinal);
        foreach (var figures in matched.SelectMany(m => m.Languages).Concat(shards.SelectMany(s => Job.Sampled[s.Index].Languages)))
        {
            if (!tallies.TryGetValue(figures.Language, out var tally))
            {
                tallies[figures.Language] = tally = new LanguageTally();
            }

            tally.Add(new LanguageTally { Texts = figures.Texts, MatchedTexts = figures.MatchedTexts, ImagesDecided = figures.ImagesDecided, ImagesKept = figures.ImagesKept });
        }

        string work = Job.WorkFolder;
        var timings = new Dictionary<string, double>(Job.Timings);
        string[] skippedFiles = [.. Job.SkippedFiles];
        var clock = Stopwatch.StartNew();
        await Task.Run(async () =>
        {
            using var staging = await OutputStaging.CreateAsync(store, spec.Output, CancellationToken.None);
            string? imageColumn = matched.Select(m => m.ImageColumn).FirstOrDefault(c => c is not null);
            await using (var curated = new CuratedWriter(staging.Folder, JobSpecs.Format(spec), matched.Any(m => m.HasKey), imageColumn))
            await using (var decisions = CurationFiles.CreateLines(staging.PathOf(CurationFiles.DecisionsFile)))
            {
                // Shards in index order, a batch of them at a time (trivial shards would each pay for a parallel
                // write); the two files are independent, so a batch's decision lines and kept rows go side by side.
                var parts = new List<string>();
                var rows = new List<CuratedRow>();
                for (int i = 0; i < shards.Count; i++)
                {
                    parts.Add(JobSpecs.DecisionsPart(work, shards[i].Index));
                    rows.AddRange(await intermediates.GetKeptRowsAsync(JobSpecs.CuratedPart(work, shards[i].Index), CancellationToken.None));
                    if (rows.Count >= PublishBatchRows || parts.Count >= PublishBatchShards || i == shards.Count - 1)
                    {
                        await Task.WhenAll(intermediates.CopyDecisionsAsync(parts, decisions, CancellationToken.None), curated.WriteAsync(rows, CancellationToken.None));
                        for (int j = i - parts.Count + 1; j <= i; j++)
                        {
                            intermediates.Release(JobSpecs.DecisionsPart(work, shards[j].Index));
                            intermediates.Release(JobSpecs.CuratedPart(work, shards[j].Index));
                        }

                        parts.Clear();
                        rows.Clear();
                    }
                }
            }

            CurationFiles.WriteThresholds(staging.PathOf(CurationFiles.ThresholdsFile), table, spec.Seed, tallies, counts);
            CurationFiles.WriteEntryCounts(staging.PathOf(CurationFiles.EntryCountsFolder), metadata, counts, table);
            timings["publish"] = clock.Elapsed.TotalSeconds;
            timings["total"] = timings.Where(t => t.Key != "total").Sum(t => t.Value);
            var options = new CurationOptions
            {
                Snapshot = spec.Snapshot,
                Metadata = spec.Metadata,
                Output = spec.Output,
                TEn = spec.TEn,
                P = spec.P,
                Seed = spec.Seed,
                Mode = JobSpecs.Mode(spec),
                Columns = JobSpecs.Columns(spec),
                Format = JobSpecs.Format(spec),
            };
            var inputs = new ReportInputs(shards.Select(s => s.FilePath).Distinct().Count(), shards.Count, matched.Sum(m => (long)m.Rows),
                matched.Sum(m => (long)m.SkippedTexts), matched.Sum(m => (long)m.Images),
                tallies.Values.Sum(t => t.ImagesDecided), tallies.Values.Sum(t => t.ImagesKept))
            { SkippedFiles = skippedFiles };
            ReportWriter.Write(staging.Folder, ReportBuilder.Build(options, metadata, inputs, counts, tallies, table, timings));
            await staging.CommitAsync(CancellationToken.None);
        });
        Job.Timings = timings;
    }

    /// <summary>
    /// Ends the job: records its final phase, then removes its intermediates and its reminder. Until that is
    /// done, callers still see the phase before (a job is reported done once nothing of it is left behind); a
    /// coordinator lost in between cleans up on its next activation.
    /// </summary>
    private async Task FinishAsync(CurationJobPhase phase)
    {
        if (Job.Phase != phase)
        {
            MetaClipMetrics.Jobs.Add(1, new KeyValuePair<string, object?>("outcome", phase == CurationJobPhase.Done ? "done" : "cancelled"));
        }

        _reportedPhase = Job.Phase;
        try
        {
            Job.Phase = phase;
            _phaseClock.Stop();
            await CheckpointAsync(force: true);
            await CleanUpAsync();
        }
        finally
        {
            _reportedPhase = null;
        }
    }

    private async Task CleanUpAsync()
    {
        string work = Job.WorkFolder;
        await Task.Run(() => RemoveWorkFolderAsync(intermediates, work));
        await this.UnregisterReminderIfAnyAsync(ResumeReminder);
    }

    /// <summary>
    /// Persists the job's state: at once when forced, else at most once per <see cref="CheckpointInterval"/>
    /// (a skipped checkpoint is written when the interval has passed, so no result waits for the next one).
    /// </summary>
    private async Task CheckpointAsync(bool force)
    {
        if (_deactivating && !force)
        {
            return;
        }

        if (!force && DateTime.UtcNow - _lastCheckpoint < CheckpointInterval)
        {
            if (!_flushScheduled)
            {
                _flushScheduled = true;
                _ = FlushLaterAsync();
            }

            return;
        }

        await _writeLock.WaitAsync();
        try
        {
            _lastCheckpoint = DateTime.UtcNow;
            int results = Job.Matched.Count + Job.Sampled.Count;
            await state.WriteStateAsync();
            _persistedResults = results;
            if (IsRunning(Job.Phase) && !_deactivating)
            {
                DelayDeactivation(KeepAlive);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task FlushLaterAsync()
    {
        try
        {
            await Task.Delay(CheckpointInterval);
            _flushScheduled = false;
            if (!_deactivating && IsRunning(Job.Phase))
            {
                await CheckpointAsync(force: true);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The next checkpoint writes the same state again; a lost write only means more shards re-run on a resume.
            LogCheckpointFailed(logger, JobId, e.Message);
        }
    }

    private void AddTiming(string step, Stopwatch clock) =>
        Job.Timings[step] = Job.Timings.GetValueOrDefault(step) + clock.Elapsed.TotalSeconds;

    private void RebuildTallies()
    {
        _tallies.Clear();
        _texts = 0;
        foreach (var summary in Job.Matched.Values)
        {
            AddFigures(summary.Languages);
            _texts += summary.Languages.Sum(l => l.Texts);
        }

        foreach (var summary in Job.Sampled.Values)
        {
            AddFigures(summary.Languages);
        }
    }

    private void AddFigures(LanguageFigures[] figures)
    {
        foreach (var f in figures)
        {
            if (!_tallies.TryGetValue(f.Language, out var tally))
            {
                _tallies[f.Language] = tally = new LanguageTally();
            }

            tally.Add(new LanguageTally { Texts = f.Texts, MatchedTexts = f.MatchedTexts, ImagesDecided = f.ImagesDecided, ImagesKept = f.ImagesKept });
        }
    }

    /// <summary>Removes the job's intermediates, and the <c>.work</c> folder once no job uses it.</summary>
    private static async Task RemoveWorkFolderAsync(ShardIntermediates intermediates, string work)
    {
        if (work.Length == 0)
        {
            return;
        }

        await intermediates.RemoveAllAsync(work, CancellationToken.None);
        if (DataStore.IsBlob(work))
        {
            return;
        }

        string workRoot = Path.GetDirectoryName(work)!;
        if (Directory.Exists(workRoot) && !Directory.EnumerateFileSystemEntries(workRoot).Any())
        {
            Directory.Delete(workRoot);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: started with {Shards} shards over {Snapshot}")]
    private static partial void LogStarted(ILogger logger, string jobId, int shards, string snapshot);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: resuming in phase {Phase} ({Matched} matched, {Sampled} sampled of {Shards} shards)")]
    private static partial void LogResuming(ILogger logger, string jobId, CurationJobPhase phase, int matched, int sampled, int shards);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: this activation stops ({Reason}); the job resumes on the next one")]
    private static partial void LogHandingOver(ILogger logger, string jobId, DeactivationReasonCode reason);

    /// <summary>Names the failure's type too: a hand-back and a lost silo's rejection read alike otherwise.</summary>
    private static void LogShardRetry(ILogger logger, string jobId, int shard, Exception failure)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            LogShardRetry(logger, jobId, shard, failure.GetType().Name, failure.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: shard {Shard} runs again: {FailureType}: {Reason}")]
    private static partial void LogShardRetry(ILogger logger, string jobId, int shard, string failureType, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: a deferred checkpoint failed: {Error}")]
    private static partial void LogCheckpointFailed(ILogger logger, string jobId, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: retrying from phase {Phase}")]
    private static partial void LogRetrying(ILogger logger, string jobId, CurationJobPhase phase);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: done in {Seconds:0.00} s")]
    private static partial void LogDone(ILogger logger, string jobId, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: cancelled")]
    private static partial void LogCancelled(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId}: failed in phase {Phase}: {Error}")]
    private static partial void LogFailed(ILogger logger, string jobId, CurationJobPhase phase, string error);
}
