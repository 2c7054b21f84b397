using MetaClip.Engine;
using MetaClip.Engine.Curation;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;
using MetaClip.GrainInterfaces;
using MetaClip.Grains.Telemetry;
using Orleans.Placement;

namespace MetaClip.Grains.Curation;

/// <summary>
/// <see cref="IShardWorkerGrain"/>: runs the engine's pass 1 and pass 2 on one shard, off the grain's turn
/// (on the thread pool), with this silo's cached metadata and threshold table. Placed at random, and gone after
/// each call; each silo runs at most its <see cref="ShardSlots"/> at once. (Not activation-count placement: a
/// coordinator dispatches shards in bursts, faster than silos publish their load — once a second — and that
/// placement sends a whole burst to the silo that looked least loaded at the last publish: a half-second job's
/// 31 shards all ran on one silo of three.) A silo that shuts down hands the shards it runs back.
/// </summary>
[RandomPlacement]
public sealed class ShardWorkerGrain(MetadataCache metadataCache, ThresholdTableCache thresholdCache, ShardIntermediates intermediates, ShardSlots slots, DataStore store, LidModelCache lidModels) : Grain, IShardWorkerGrain
{
    public Task<ShardMatchSummary> Match(ShardTask task) => RunAsync(token => MatchShardAsync(task, token));

    public Task<ShardSampleSummary> Sample(ShardTask task, string thresholdTablePath) => RunAsync(token => SampleShardAsync(task, thresholdTablePath, token));

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
        catch (CurationException e)
        {
            throw new CurationInputException(e.Message);
        }
        finally
        {
            slots.CallEnded();
        }
    }

    private async Task<ShardMatchSummary> MatchShardAsync(ShardTask task, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(task);
        var spec = task.Spec;
        var unit = await Task.Run(async () =>
        {
            // The silo's metadata and matchers are loaded and built (once per silo) while the shard is read.
            var warmUp = Task.Run(async () =>
            {
                var set = await metadataCache.GetAsync(spec.Metadata, JobSpecs.Mode(spec));
                Parallel.ForEach(set.Languages, language => set.GetMatcher(language));
                return set;
            });
            var identifier = JobSpecs.NeedsLid(spec) ? lidModels.GetAsync(spec.LidModel ?? throw new CurationException("the job identifies languages but names no LID model")) : null;
            var rows = await SnapshotPlanner.ReadUnitAsync(store, JobSpecs.Unit(task), JobSpecs.Columns(spec), token);
            var metadata = await warmUp;
            var matches = new UnitMatcher(metadata, spec.Threads > 0 ? spec.Threads : Environment.ProcessorCount, identifier is null ? null : await identifier).Match(rows, token);

            // Written whole: a retried shard never sees half a file.
            await intermediates.PutMatchesAsync(JobSpecs.MatchesPath(task), matches, token);
            return matches;
        }, token);

        // Counts go to the language partitions, each applied exactly once under this shard's id.
        var metadata = await metadataCache.GetAsync(spec.Metadata, JobSpecs.Mode(spec));
        foreach (var (language, (ids, counts)) in ShardCountAggregator.PartialCounts(unit))
        {
            metadata.TryGetList(language, out var list);
            await GrainFactory.GetGrain<ILanguagePartitionGrain>($"{task.JobId}/{language}")
                .ApplyPartial(new ShardPartialCounts(task.ShardId, list.Count, ids, counts));
        }

        MetaClipMetrics.Shards.Add(1, new KeyValuePair<string, object?>("pass", "match"));
        MetaClipMetrics.Texts.Add(unit.Texts);
        return new ShardMatchSummary(task.Index, unit.Rows, unit.SkippedTexts, unit.Images.Count, JobSpecs.Figures(unit.Languages),
            unit.ImageColumn, unit.Matched.Any(m => m.Key is not null));
    }

    private async Task<ShardSampleSummary> SampleShardAsync(ShardTask task, string thresholdTablePath, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(task);
        var table = await thresholdCache.GetAsync(thresholdTablePath);
        var tallies = await Task.Run(async () =>
        {
            var unit = await intermediates.GetMatchesAsync(JobSpecs.MatchesPath(task), token);

            var decisions = ImageSampler.Decide(unit, table, task.Spec.Seed, 0);
            byte[]?[]? images = null;
            if (unit.ImageColumn is not null && decisions.Any(d => d.Kept))
            {
                await using var reader = await ParquetUnitReader.OpenAsync(store, unit.Unit.File, JobSpecs.Columns(task.Spec), CancellationToken.None);
                images = await reader.ReadImagesAsync(unit.Unit.RowGroup, token);
            }

            var figures = new Dictionary<string, LanguageTally>(StringComparer.Ordinal);
            var kept = new List<CuratedRow>();
            foreach (var decision in decisions)
            {
                if (!figures.TryGetValue(decision.Language, out var tally))
                {
                    figures[decision.Language] = tally = new LanguageTally();
                }

                tally.ImagesDecided++;
                if (decision.Kept)
                {
                    tally.ImagesKept++;
                    var chosen = decision.Chosen;
                    kept.Add(new CuratedRow(decision.Uuid, chosen.Url, chosen.Text, chosen.Language, chosen.LidLabel,
                        unit.IdsOf(chosen).ToArray(), decision.Probability, chosen.Key, images?[chosen.Row]));
                }
            }

            await intermediates.PutDecisionsAsync(JobSpecs.DecisionsPart(task.WorkFolder, task.Index), decisions, token);
            await intermediates.PutKeptRowsAsync(JobSpecs.CuratedPart(task.WorkFolder, task.Index), kept, token);
            return figures;
        }, token);

        MetaClipMetrics.Shards.Add(1, new KeyValuePair<string, object?>("pass", "sample"));
        MetaClipMetrics.ImagesKept.Add(tallies.Values.Sum(t => t.ImagesKept));
        return new ShardSampleSummary(task.Index, JobSpecs.Figures(tallies));
    }
}
