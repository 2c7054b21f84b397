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
        // shard's kept rows are read (and decoded, when they are rows) while the current batch is written: one shard
        // ahead, so the memory held stays a batch plus one shard. A batch holds shards of one form: rows to format, or
        // finished lines (a JSON Lines job's workers write those) to copy; a mix comes only from workers of two builds.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var parts = new List<string>();
        var rows = new List<CuratedRow>();
        var lines = new List<ReadOnlyMemory<byte>>();
        long lineCount = 0, decisionLines = 0;
        bool batchOfLines = false;
        Task<KeptPart> KeptOf(int i) =>
            Task.Run(() => intermediates.GetKeptAsync(JobWorkFolder.CuratedOf(shards[i].WorkFolder, shards[i].Index), CancellationToken.None));

        async Task FlushAsync(int last)
        {
            async Task WriteDecisions(Stream stream, CancellationToken token) =>
                decisionLines += await intermediates.CopyDecisionsAsync(parts, stream, token).ConfigureAwait(false);
            if (batchOfLines)
            {
                await publisher.AppendLinesAsync(WriteDecisions, lines, lineCount, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await publisher.AppendAsync(WriteDecisions, rows, CancellationToken.None).ConfigureAwait(false);
            }

            for (int j = last - parts.Count + 1; j <= last; j++)
            {
                intermediates.Release(JobWorkFolder.DecisionsOf(shards[j].WorkFolder, shards[j].Index));
                intermediates.Release(JobWorkFolder.CuratedOf(shards[j].WorkFolder, shards[j].Index));
            }

            parts.Clear();
            rows.Clear();
            lines.Clear();
            lineCount = 0;
        }

        var next = shards.Count > 0 ? KeptOf(0) : null;
        try
        {
            for (int i = 0; i < shards.Count; i++)
            {
                var kept = await next!.ConfigureAwait(false);
                next = i + 1 < shards.Count ? KeptOf(i + 1) : null;
                bool isLines = kept.Rows is null;
                if (parts.Count > 0 && isLines != batchOfLines)
                {
                    await FlushAsync(i - 1).ConfigureAwait(false);
                }

                batchOfLines = isLines;

                parts.Add(JobWorkFolder.DecisionsOf(shards[i].WorkFolder, shards[i].Index));
                if (isLines)
                {
                    lines.Add(kept.Lines);
                    lineCount += kept.LineCount;
                }
                else
                {
                    rows.AddRange(kept.Rows!);
                }

                if (rows.Count + lineCount >= BatchRows || parts.Count >= BatchShards || i == shards.Count - 1)
                {
                    await FlushAsync(i).ConfigureAwait(false);
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
        if (decisionLines != tallies.TotalDecided || publisher.KeptRows != tallies.TotalKept)
        {
            throw new InvalidOperationException(
                $"the shards' outputs hold {decisionLines} decisions and {publisher.KeptRows} kept rows, but they decided {tallies.TotalDecided} and kept {tallies.TotalKept}; " +
                "nothing was published. Retry the job");
        }

        timings["publish"] = clock.Elapsed.TotalSeconds;
        return await publisher.CommitAsync(metadata, counts, thresholds, tallies, inputs, timings, CancellationToken.None).ConfigureAwait(false);
    }
}
