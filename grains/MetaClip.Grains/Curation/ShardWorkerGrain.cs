using MetaClip.Engine;
using MetaClip.Engine.Curation;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;
using MetaClip.GrainInterfaces;
using MetaClip.Grains.Telemetry;
using Microsoft.Extensions.Options;
using Orleans.Placement;

namespace MetaClip.Grains.Curation;

/// <summary>
/// <see cref="IShardWorkerGrain"/>: runs the engine's steps on one shard — <see cref="ICurationSteps.PlanFileAsync"/> on
/// a file while the job plans, <see cref="ICurationSteps.MatchUnit"/> in pass 1 and <see cref="ICurationSteps.DecideUnitAsync"/> in pass 2 — off the grain's turn (on the thread pool), with
/// this silo's cached metadata and threshold table; what it adds is the shard's intermediates and its counts sent
/// to the language partitions. Placed at random, and gone after each call; each silo runs at most its
/// <see cref="ShardSlots"/> at once. (Not activation-count placement: a coordinator dispatches shards in bursts,
/// faster than silos publish their load — once a second — and that placement sends a whole burst to the silo that
/// looked least loaded at the last publish.) A silo that shuts down hands the shards it runs back.
/// </summary>
[RandomPlacement]
public sealed class ShardWorkerGrain(
    ICurationSteps steps,
    MetadataCache metadataCache,
    ThresholdTableCache thresholdCache,
    ShardIntermediates intermediates,
    ShardSlots slots,
    DataStore store,
    LidModelCache lidModels,
    IOptions<CurationSiloOptions> siloOptions) : Grain, IShardWorkerGrain
{
    public Task<PlannedUnit[]> Plan(ShardTask file)
    {
        CheckLocations(file, null);
        return RunAsync(async token =>
        {
            var units = await Task.Run(() => steps.PlanFileAsync(file.Unit.File, file.Spec, token), token);
            MetaClipMetrics.Shards.Add(1, new KeyValuePair<string, object?>("pass", "plan"));
            return units.Select(u => new PlannedUnit(u.RowGroup, u.Range?.Start ?? 0, u.Range?.End ?? 0, u.Range?.FirstLine ?? 0)).ToArray();
        });
    }

    public Task<ShardMatchSummary> Match(ShardTask task)
    {
        CheckLocations(task, null);
        return RunAsync(token => MatchShardAsync(task, token));
    }

    public Task<ShardSampleSummary> Sample(ShardTask task, string thresholdTablePath)
    {
        CheckLocations(task, thresholdTablePath);
        return RunAsync(token => SampleShardAsync(task, thresholdTablePath, token));
    }

    /// <summary>
    /// A gateway client can call this grain directly, not only through a job: its locations are checked here too
    /// (<see cref="AllowedLocations"/>), so a forged shard cannot read or write outside the allowed roots.
    /// </summary>
    private void CheckLocations(ShardTask task, string? thresholdTablePath)
    {
        ArgumentNullException.ThrowIfNull(task);
        var allowed = siloOptions.Value.AllowedLocations;
        allowed.Check(task.Spec, task.SubmittedBy);
        allowed.Check("--snapshot", task.FilePath, task.SubmittedBy, write: false);
        allowed.Check("--out", task.WorkFolder, task.SubmittedBy, write: true);
        if (thresholdTablePath is not null)
        {
            allowed.Check("--out", thresholdTablePath, task.SubmittedBy, write: false); // read by the worker, written by the coordinator
        }
    }

    private async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> run)
    {
        DeactivateOnIdle();
        var token = slots.Stopping;
        slots.CallStarted();
        try
        {
            await slots.WaitAsync(token);
            try
            {
                return await run(token);
            }
            finally
            {
                slots.Release();
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw new ShardHandedBackException($"silo {RuntimeIdentity} is shutting down");
        }
        finally
        {
            slots.CallEnded();
        }
    }

    private async Task<ShardMatchSummary> MatchShardAsync(ShardTask task, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(task);
        var options = task.Spec;
        var unit = await Task.Run(async () =>
        {
            // The silo's metadata and matchers are loaded and built (once per silo) while the shard is read.
            var warmUp = Task.Run(async () =>
            {
                var set = await metadataCache.GetAsync(options.Metadata, options.Mode);
                Parallel.ForEach(set.Languages, language => set.GetMatcher(language));
                return set;
            });
            var identifier = options.NeedsLid ? lidModels.GetAsync(options.LidModel ?? throw new CurationException("the job identifies languages but names no LID model")) : null;
            var rows = await SnapshotPlanner.ReadUnitAsync(store, task.Unit, options.Columns, token);
            var metadata = await warmUp;
            var matched = steps.MatchUnit(rows, new UnitMatcher(metadata, options.EffectiveThreads, identifier is null ? null : await identifier), token);

            // Written whole: a retried shard never sees half a file.
            await intermediates.PutMatchesAsync(JobWorkFolder.MatchesOf(task), matched.Matches, token);
            return matched;
        }, token);

        // Counts go to the language partitions, each applied exactly once under this shard's id.
        var metadata = await metadataCache.GetAsync(options.Metadata, options.Mode);
        foreach (var (language, (ids, counts)) in unit.Partials)
        {
            metadata.TryGetList(language, out var list);
            await GrainFactory.GetGrain<ILanguagePartitionGrain>(JobWorkFolder.PartitionKey(task.JobId, language))
                .ApplyPartial(new ShardPartialCounts(task.ShardId, list.Count, ids, counts));
        }

        var matches = unit.Matches;
        MetaClipMetrics.Shards.Add(1, new KeyValuePair<string, object?>("pass", "match"));
        MetaClipMetrics.Texts.Add(matches.Texts);
        var figures = matches.Languages.ToFigures().Select(f => unit.Partials.TryGetValue(f.Language, out var partial)
            ? f with { Matches = (long)partial.Counts.Aggregate(0UL, (sum, c) => sum + c) }
            : f).ToArray();
        int matchedImages = matches.Matched.Select(m => m.Image).Distinct().Count();
        return new ShardMatchSummary(task.Index, matches.Rows, matches.SkippedTexts, matches.Images.Count, figures,
            matches.ImageColumn, matches.Matched.Any(m => m.Key is not null), matchedImages);
    }

    private async Task<ShardSampleSummary> SampleShardAsync(ShardTask task, string thresholdTablePath, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(task);
        var table = await thresholdCache.GetAsync(thresholdTablePath);
        var sampled = await Task.Run<(SampledUnit Result, ShardPartsWritten? Parts)>(async () =>
        {
            var unit = await intermediates.GetMatchesAsync(JobWorkFolder.MatchesOf(task), token);
            var result = await steps.DecideUnitAsync(unit, table, task.Spec, token);
            if (task.Parts is { } columns)
            {
                var parts = await intermediates.PutPartsAsync(JobWorkFolder.PartsOf(task.WorkFolder), JobWorkFolder.MatchesOf(task), task.Index, result,
                    new PublishedColumns(columns.WithKey, columns.ImageColumn), task.Spec, token);
                return (result, new ShardPartsWritten(parts.DecisionsBytes, parts.CuratedBytes, parts.DecisionLines, parts.KeptRows));
            }

            await intermediates.PutDecisionsAsync(JobWorkFolder.DecisionsOf(task.WorkFolder, task.Index), result, token);
            string curated = JobWorkFolder.CuratedOf(task.WorkFolder, task.Index);
            if (task.CuratedLinesWithKey is bool withKey && task.Spec.Format == CuratedFormat.Jsonl)
            {
                await intermediates.PutKeptLinesAsync(curated, result.Kept, withKey, token);
            }
            else
            {
                await intermediates.PutKeptRowsAsync(curated, result.Kept, token);
            }

            return (result, null);
        }, token);

        MetaClipMetrics.Shards.Add(1, new KeyValuePair<string, object?>("pass", "sample"));
        MetaClipMetrics.ImagesKept.Add(sampled.Result.Figures.TotalKept);
        return new ShardSampleSummary(task.Index, sampled.Result.Figures.ToFigures(), sampled.Parts);
    }
}
