using MetaClip.Engine.Curation;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.GrainInterfaces;

namespace MetaClip.Grains.Curation;

/// <summary>
/// A coordinator's publish step: the shards' decision lines and kept rows, in shard order, go through the engine's
/// <see cref="CurationPublisher"/> — the same publisher as the single-process pipeline — and are released as they go.
/// </summary>
public static class JobPublishing
{
    /// <summary>The publisher appends shards' outputs this many kept rows or shards at a time.</summary>
    private const int BatchRows = 16_384;
    private const int BatchShards = 256;

    public static async Task<CurationResult> PublishAsync(ICurationSteps steps, ShardIntermediates intermediates, CurationOptions options,
        IReadOnlyList<ShardTask> shards, IReadOnlyList<ShardMatchSummary> matched, MetadataSet metadata, IReadOnlyDictionary<string, EntryCounts> counts,
        ThresholdTable thresholds, LanguageTallies tallies, ReportInputs inputs, IDictionary<string, double> timings)
    {
        ArgumentNullException.ThrowIfNull(tallies);
        ArgumentNullException.ThrowIfNull(timings);
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(intermediates);
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(matched);
        var columns = new PublishedColumns(matched.Any(m => m.HasKey), matched.Select(m => m.ImageColumn).FirstOrDefault(c => c is not null));
        await using var publisher = await steps.OpenPublisherAsync(options, columns, shards.Count > 0 ? shards[0].JobId : string.Empty, CancellationToken.None).ConfigureAwait(false);

        // Shards in index order, a batch of them at a time (trivial shards would each pay for a parallel write). The next
        // shard's kept rows are read and decoded while the current batch is written: one shard ahead, so the memory
        // held stays a batch plus one shard.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var parts = new List<string>();
        var rows = new List<CuratedRow>();
        long lines = 0;
        Task<IReadOnlyList<CuratedRow>> KeptRowsOf(int i) =>
            Task.Run(() => intermediates.GetKeptRowsAsync(JobWorkFolder.CuratedOf(shards[i].WorkFolder, shards[i].Index), CancellationToken.None));
        var next = shards.Count > 0 ? KeptRowsOf(0) : null;
        try
        {
            for (int i = 0; i < shards.Count; i++)
            {
                string work = shards[i].WorkFolder;
                parts.Add(JobWorkFolder.DecisionsOf(work, shards[i].Index));
                var kept = await next!.ConfigureAwait(false);
                next = i + 1 < shards.Count ? KeptRowsOf(i + 1) : null;
                rows.AddRange(kept);
                if (rows.Count >= BatchRows || parts.Count >= BatchShards || i == shards.Count - 1)
                {
                    await publisher.AppendAsync(async (stream, token) => lines += await intermediates.CopyDecisionsAsync(parts, stream, token).ConfigureAwait(false),
                        rows, CancellationToken.None).ConfigureAwait(false);
                    for (int j = i - parts.Count + 1; j <= i; j++)
                    {
                        intermediates.Release(JobWorkFolder.DecisionsOf(work, shards[j].Index));
                        intermediates.Release(JobWorkFolder.CuratedOf(work, shards[j].Index));
                    }

                    parts.Clear();
                    rows.Clear();
                }
            }
        }
        finally
        {
            if (next is not null)
            {
                // The publish failed with a read ahead in flight: let it end before the job's work folder is removed; its
                // own outcome no longer matters (the failure that stopped the publish is the one reported).
                await Task.WhenAny(next).ConfigureAwait(false);
                _ = next.Exception;
            }
        }

        // What is about to be published is what the shards decided: one line per decided image, one row per kept one.
        if (lines != tallies.TotalDecided || publisher.KeptRows != tallies.TotalKept)
        {
            throw new InvalidOperationException(
                $"the shards' outputs hold {lines} decisions and {publisher.KeptRows} kept rows, but they decided {tallies.TotalDecided} and kept {tallies.TotalKept}; " +
                "nothing was published. Retry the job");
        }

        timings["publish"] = clock.Elapsed.TotalSeconds;
        return await publisher.CommitAsync(metadata, counts, thresholds, tallies, inputs, timings, CancellationToken.None).ConfigureAwait(false);
    }
}
