using System.Diagnostics;
using MetaClip.Engine;
using MetaClip.Engine.Curation;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.GrainInterfaces;
using MetaClip.Grains.Telemetry;

namespace MetaClip.Grains.Curation;

/// <summary>The coordinator's run: its phases in order, each resumable from the persisted state.</summary>
public sealed partial class CurationJobGrain
{
    private async Task RunAsync()
    {
        // Let the call (or activation) that started the run finish first.
        await Task.Yield();
        var options = Options;
        var clock = Stopwatch.StartNew();
        try
        {
            if (Job.Phase == CurationJobPhase.Planning)
            {
                await PlanAsync(options);
                AddTiming("plan", clock);
                Job.Phase = CurationJobPhase.Matching;
                await Checkpoints.WriteAsync(force: true);
                LogPlanned(logger, JobId, Job.Shards.Count, Job.Files.Count);
                clock.Restart();
            }

            var shards = Job.Shards.Select((plan, index) => new ShardTask(JobId, index, plan.FilePath, plan.FileName, plan.FileFormat, plan.RowGroup, Job.WorkFolder, options,
                plan.RangeStart, plan.RangeEnd, plan.RangeFirstLine)
            { SubmittedBy = Job.SubmittedBy }).ToList();
            if (Job.Phase == CurationJobPhase.Matching)
            {
                await MatchAsync(options, shards);
                AddTiming("match and count (pass 1)", clock);
                Job.Phase = CurationJobPhase.Thresholds;
                await Checkpoints.WriteAsync(force: true);
            }

            // The barrier is behind us: every shard's counts are applied. They are verified against the shards' own
            // figures, then the thresholds computed (again on a resume in a later phase: a pure function of the counts).
            _cancel.Token.ThrowIfCancellationRequested();
            clock.Restart();
            var matchedShards = shards.Where(s => Job.Matched.ContainsKey(s.Index)).ToList();
            var metadata = await metadataCache.GetAsync(options.Metadata, options.Mode);
            var counts = await CountVerification.GatherVerifiedAsync(GrainFactory, JobId, metadata, [.. matchedShards.Select(s => Job.Matched[s.Index])],
                missing => RecountAsync(shards, missing), matchedShards.ToDictionary(s => s.Index, s => s.ShardId),
                (language, e) => LogPartitionUnreachable(logger, JobId, language, e.GetType().Name, e.Message), _cancel.Token);
            var table = await Task.Run(() => steps.ComputeThresholds(counts, _tallies, metadata, options));
            _curves = Curves(counts, table);
            string tablePath = JobWorkFolder.ThresholdTableOf(Job.WorkFolder);
            await intermediates.PutThresholdTableAsync(tablePath, table, CancellationToken.None);
            if (Job.Phase == CurationJobPhase.Thresholds)
            {
                AddTiming("thresholds", clock);
                Job.Phase = CurationJobPhase.Sampling;
                await Checkpoints.WriteAsync(force: true);
            }

            if (Job.Phase == CurationJobPhase.Sampling)
            {
                clock.Restart();
                await SampleAsync(matchedShards, tablePath);
                AddTiming("sample and write (pass 2)", clock);
                Job.Phase = CurationJobPhase.Publishing;
                await Checkpoints.WriteAsync(force: true);
            }

            _cancel.Token.ThrowIfCancellationRequested();
            if (options.Parts == OutputParts.PerShard)
            {
                await DecideLostPartsAgainAsync(options, matchedShards, tablePath);
            }

            await PublishAsync(options, matchedShards, metadata, counts, table);
            await FinishAsync(CurationJobPhase.Done);
            double total = Job.Timings.GetValueOrDefault("total");
            LogDone(logger, JobId, total);
        }
        catch (OperationCanceledException) when (Checkpoints.Deactivating)
        {
            // This activation is going away; the job stays where its checkpoint says and resumes elsewhere.
        }
        catch (OperationCanceledException) when (_cancelRequested)
        {
            await FinishAsync(CurationJobPhase.Cancelled);
            LogCancelled(logger, JobId);
        }
        catch (Exception e) when (!Checkpoints.Deactivating)
        {
            Job.FailedPhase = Job.Phase;
            Job.Phase = CurationJobPhase.Failed;
            Job.Error = e.Message;
            Job.FinishedAt = DateTimeOffset.UtcNow;
            MetaClipMetrics.Jobs.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
            _phaseClock.Stop();
            await Checkpoints.WriteAsync(force: true);
            await this.UnregisterReminderIfAnyAsync(ResumeReminder);
            LogFailed(logger, JobId, Job.FailedPhase, e.Message);
        }
    }

    private ShardDispatcher Dispatcher(string pass) => new(GrainFactory, JobId, logger, reason =>
    {
        Job.ShardRetries++;
        if (reason == ShardRetryReason.HandedBack)
        {
            Job.ShardHandBacks++;
        }
    }, shard => Job.Started.Add($"{pass}/{shard.Index}"));

    /// <summary>
    /// A dispatcher for a pass over <paramref name="pending"/>; shards that an earlier coordinator had started (it was
    /// lost mid-pass) count as re-runs, as they are: their work, and their partials, are done again.
    /// </summary>
    private ShardDispatcher DispatcherFor(string pass, List<ShardTask> pending)
    {
        var dispatcher = Dispatcher(pass);
        dispatcher.CountResumed(pending.Count(s => Job.Started.Contains($"{pass}/{s.Index}")));
        return dispatcher;
    }

    /// <summary>
    /// Splits the snapshot's files into shards: one worker call per file (<see cref="IShardWorkerGrain.Plan"/>), spread
    /// over the cluster like the passes (a big file is read through to find where it may be split: the reading is
    /// the workers', not this grain's). Each file's units are checkpointed as they come; the shards are set, in file
    /// order, once every file is planned. With <c>--skip-bad-files</c> a file that cannot be read is reported and left
    /// out; otherwise it fails the job, naming it.
    /// </summary>
    private async Task PlanAsync(CurationOptions options)
    {
        _phaseClock.Restart();
        _phaseShardsThisRun = 0;
        var files = Job.Files.Select((file, index) => new ShardTask(JobId, index, file.FilePath, file.FileName, file.FileFormat, -1, Job.WorkFolder, options) { SubmittedBy = Job.SubmittedBy }).ToList();
        var pending = files.Where(f => !Job.Planned.ContainsKey(f.Index)).ToList();
        await DispatcherFor("plan", pending).RunAsync(pending, "plan", async (file, worker) =>
        {
            try
            {
                return await worker.Plan(file);
            }
            catch (CurationException e) when (options.SkipBadFiles)
            {
                Job.SkippedFiles.Add(e.Message);
                return [];
            }
        }, async (file, units) =>
        {
            _phaseShardsThisRun++;
            Job.Planned[file.Index] = [.. units.Select(u => new ShardPlan(file.FilePath, file.FileName, file.FileFormat, u.RowGroup, u.RangeStart, u.RangeEnd, u.RangeFirstLine))];
            await Checkpoints.WriteAsync(force: false);
        }, _cancel.Token);

        Job.Shards = [.. Enumerable.Range(0, files.Count).SelectMany(i => Job.Planned[i])];
        Job.Planned = [];
    }

    private async Task MatchAsync(CurationOptions options, List<ShardTask> shards)
    {
        _phaseClock.Restart();
        _phaseShardsThisRun = 0;
        var pending = shards.Where(s => !Job.Matched.ContainsKey(s.Index) && !Job.SkippedShards.Contains(s.Index)).ToList();
        await DispatcherFor("match", pending).RunAsync(pending, "match", async (shard, worker) =>
        {
            try
            {
                return await worker.Match(shard);
            }
            catch (CurationException e) when (options.SkipBadFiles)
            {
                // Reported and left out; its counts were never applied (a shard applies them last).
                Job.SkippedFiles.Add(e.Message);
                return null;
            }
        }, async (shard, summary) =>
        {
            _phaseShardsThisRun++;
            if (summary is null)
            {
                Job.SkippedShards.Add(shard.Index);
            }
            else
            {
                Job.Matched[shard.Index] = summary;
                _tallies.Add(summary.Languages);
                _texts += summary.Languages.Sum(l => l.Texts);
            }

            await Checkpoints.WriteAsync(force: false);
        }, _cancel.Token);
    }

    /// <summary>
    /// Runs pass 1 again for shards whose counts a partition lacks (its state was lost or rolled back): their
    /// partials are applied again (exactly once: a partition that has them ignores them).
    /// </summary>
    private async Task RecountAsync(List<ShardTask> shards, IReadOnlyCollection<int> missing)
    {
        LogRecounting(logger, JobId, missing.Count);
        Job.Recounts += missing.Count;
        var again = shards.Where(s => missing.Contains(s.Index)).ToList();
        await Dispatcher("recount").RunAsync(again, "recount", async (shard, worker) => await worker.Match(shard), (_, _) => Task.CompletedTask, _cancel.Token);
    }

    private async Task SampleAsync(List<ShardTask> shards, string tablePath)
    {
        _phaseClock.Restart();
        _phaseShardsThisRun = 0;
        // A JSON Lines output: the workers write their kept rows as finished lines (keyed like the whole job's output).
        bool? linesWithKey = Options.Format == CuratedFormat.Jsonl ? Job.Matched.Values.Any(m => m.HasKey) : null;
        // One part per shard: each worker writes its shard's parts, all with the job's columns (as the publish names them).
        var partColumns = Options.Parts == OutputParts.PerShard
            ? new ShardPartColumns(Job.Matched.Values.Any(m => m.HasKey), shards.Select(s => Job.Matched[s.Index].ImageColumn).FirstOrDefault(c => c is not null))
            : null;
        var pending = shards.Where(s => !Job.Sampled.ContainsKey(s.Index)).Select(s => s with { CuratedLinesWithKey = linesWithKey, Parts = partColumns }).ToList();
        await DispatcherFor("sample", pending).RunAsync(pending, "sample", async (shard, worker) => await worker.Sample(shard, tablePath), async (shard, summary) =>
        {
            _phaseShardsThisRun++;
            Job.Sampled[shard.Index] = summary;
            Job.DecidedAgain.Remove(shard.Index);
            _tallies.Add(summary.Languages);
            if (Options.Parts != OutputParts.PerShard)
            {
                // A job with one part per shard keeps them until it ends: a part lost before the publish is decided again.
                intermediates.Release(JobWorkFolder.MatchesOf(shard));
            }
            await Checkpoints.WriteAsync(force: false);
        }, _cancel.Token);
    }

    /// <summary>
    /// A job with one part per shard: the shards whose parts are not as their workers reported them, neither in the work
    /// folder nor moved into the output by this job's own commit that stopped half way (lost by the store, removed by hand,
    /// or never written by a worker of an older build), are decided again, once, from their pass-1 intermediates, before
    /// the publish checks every part again (and fails, publishing nothing, if one is still not right).
    /// </summary>
    private async Task DecideLostPartsAgainAsync(CurationOptions options, List<ShardTask> shards, string tablePath)
    {
        var check = await JobPublishing.CheckPartsAsync(store, options, shards, [.. shards.Select(s => Job.Sampled[s.Index])]);
        var lost = check.Problems.Select(p => p.Shard).ToHashSet();
        if (lost.Count == 0)
        {
            return;
        }

        LogPartsLost(logger, JobId, lost.Count, check.Problems[0].Problem);
        foreach (int index in lost)
        {
            _tallies.Add(Job.Sampled[index].Languages.Select(f => f with
            {
                Texts = -f.Texts,
                MatchedTexts = -f.MatchedTexts,
                ImagesDecided = -f.ImagesDecided,
                ImagesKept = -f.ImagesKept,
                Matches = -f.Matches,
            }));
            Job.Sampled.Remove(index);
            Job.DecidedAgain.Add(index);

            // Deciding it again is not a retry of a failed attempt: the dispatcher must not count it as resumed.
            Job.Started.Remove($"sample/{index}");
        }

        Job.Phase = CurationJobPhase.Sampling;
        await Checkpoints.WriteAsync(force: true);
        var clock = Stopwatch.StartNew();
        await SampleAsync(shards, tablePath);
        AddTiming("sample and write (pass 2)", clock);
        Job.Phase = CurationJobPhase.Publishing;
        await Checkpoints.WriteAsync(force: true);
    }

    private async Task PublishAsync(CurationOptions options, List<ShardTask> shards, MetadataSet metadata, Dictionary<string, EntryCounts> counts, ThresholdTable table)
    {
        var matched = shards.Select(s => Job.Matched[s.Index]).ToArray();
        var sampled = shards.Select(s => Job.Sampled[s.Index]).ToArray();
        CountVerification.VerifyDecisions(matched, sampled, shards);
        var tallies = new LanguageTallies();
        foreach (var summary in matched)
        {
            tallies.Add(summary.Languages);
        }

        foreach (var summary in sampled)
        {
            tallies.Add(summary.Languages);
        }

        var inputs = new ReportInputs(shards.Select(s => s.FilePath).Distinct().Count(), shards.Count, matched.Sum(m => (long)m.Rows),
            matched.Sum(m => (long)m.SkippedTexts), matched.Sum(m => (long)m.Images), tallies.TotalDecided, tallies.TotalKept)
        { SkippedFiles = [.. Job.SkippedFiles] };
        var timings = new Dictionary<string, double>(Job.Timings);
        await Task.Run(() => options.Parts == OutputParts.PerShard
            ? JobPublishing.PublishPartsAsync(steps, store, options, shards, matched, sampled, metadata, counts, table, tallies, inputs, timings)
            : JobPublishing.PublishAsync(steps, intermediates, options, shards, matched, metadata, counts, table, tallies, inputs, timings));
        Job.Timings = timings;
    }

    /// <summary>Each counted language's <c>t_lang</c> and head/tail curve, for the status (the dashboard draws them).</summary>
    private static LanguageCurve[] Curves(Dictionary<string, EntryCounts> counts, ThresholdTable table) =>
        [.. counts.Where(c => table.Thresholds.ContainsKey(c.Key)).OrderBy(c => c.Key, StringComparer.Ordinal).Select(c =>
        {
            var points = ReportBuilder.Curve(c.Value.Values.ToArray());
            return new LanguageCurve(c.Key, table.Thresholds[c.Key], [.. points.Select(p => p[0])], [.. points.Select(p => p[1])]);
        })];
}
