using MetaClip.Engine;
using MetaClip.Engine.Curation;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Storage;
using MetaClip.GrainInterfaces;

namespace MetaClip.Grains.Curation;

/// <summary>
/// A coordinator's publish step: the shards' decision lines and kept rows, in shard order, go through the engine's
/// <see cref="CurationPublisher"/> — the same publisher as the single-process pipeline — and are released as they go.
/// In a job with one part per shard (<see cref="PublishPartsAsync"/>) the workers wrote the parts, and the coordinator
/// only checks them and has the store move them into place: no kept row passes through it.
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
        var held = new List<KeptPart>(); // the batch's lines, in rented arrays until written
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

            foreach (var part in held)
            {
                part.Release();
            }

            held.Clear();
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
                    held.Add(kept);
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

    /// <summary>
    /// Publishes a job with one part per shard (<see cref="OutputParts.PerShard"/>): every shard's worker reported the parts
    /// it wrote (their sizes and what they hold); each must be in the job's parts folder with that size
    /// (<see cref="CheckPartsAsync"/>), or nothing is published. Then the counts, thresholds and report are written, and
    /// the parts are moved into place by the store, the report last. The retry of a publish that stopped half way takes the
    /// parts its commit already moved from the output; a part found nowhere was decided again first (the coordinator's
    /// <c>DecideLostPartsAgainAsync</c>).
    /// </summary>
    public static async Task<CurationResult> PublishPartsAsync(ICurationSteps steps, DataStore store, CurationOptions options,
        IReadOnlyList<ShardTask> shards, IReadOnlyList<ShardMatchSummary> matched, IReadOnlyList<ShardSampleSummary> sampled, MetadataSet metadata,
        IReadOnlyDictionary<string, EntryCounts> counts, ThresholdTable thresholds, LanguageTallies tallies, ReportInputs inputs, IDictionary<string, double> timings)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(matched);
        ArgumentNullException.ThrowIfNull(timings);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var check = await CheckPartsAsync(store, options, shards, sampled).ConfigureAwait(false);
        if (check.Problems.Count > 0)
        {
            throw new CurationException($"{check.Problems.Count} shard(s) have no good parts: {string.Join("; ", check.Problems.Take(3).Select(p => p.Problem))}; nothing was published");
        }

        var columns = new PublishedColumns(matched.Any(m => m.HasKey), matched.Select(m => m.ImageColumn).FirstOrDefault(c => c is not null));
        await using var publisher = await steps.OpenPublisherAsync(options, columns, shards.Count > 0 ? shards[0].JobId : string.Empty, CancellationToken.None).ConfigureAwait(false);
        publisher.AddStoredParts(check.Placed, check.DecisionLines, check.KeptRows);
        timings["publish"] = clock.Elapsed.TotalSeconds;
        return await publisher.CommitAsync(metadata, counts, thresholds, tallies, inputs, timings, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// The parts of a job with one part per shard, checked against what each shard's worker reported (<paramref name="sampled"/>,
    /// in the order of <paramref name="shards"/>): each reported part must be in the job's parts folder with the size its worker
    /// wrote, or (moved by this job's commit that stopped half way) in the output, listed by the manifest this job's commit
    /// wrote there, with that size. <see cref="PartsCheck.Problems"/> names each shard whose parts are not (missing, of
    /// another size, or never written: a worker of an older build).
    /// </summary>
    public static async Task<PartsCheck> CheckPartsAsync(DataStore store, CurationOptions options, IReadOnlyList<ShardTask> shards, IReadOnlyList<ShardSampleSummary> sampled)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(sampled);
        var placed = new List<PlacedOutput>();
        var problems = new List<(int Shard, string Problem)>();
        long decisionLines = 0, keptRows = 0;
        if (shards.Count == 0)
        {
            return new PartsCheck(placed, 0, 0, problems);
        }

        string folder = JobWorkFolder.PartsOf(shards[0].WorkFolder);
        var stored = await ListAsync(store, folder).ConfigureAwait(false);
        Dictionary<string, StoredFile>? inPlace = null;
        for (int i = 0; i < shards.Count; i++)
        {
            int index = shards[i].Index;
            if (sampled[i].Parts is not { } parts)
            {
                problems.Add((index, $"shard {index} was decided by a worker that wrote no parts of its own (a silo of an older build)"));
                continue;
            }

            var expected = new ShardPartFiles(index,
                parts.DecisionLines > 0 ? ShardPartWriter.DecisionsName(index) : null, parts.DecisionsBytes,
                parts.KeptRows > 0 ? ShardPartWriter.CuratedName(index, options.Format) : null, parts.CuratedBytes, parts.DecisionLines, parts.KeptRows);
            var found = new List<PlacedOutput>();
            foreach (var (name, bytes) in expected.Files())
            {
                if (!stored.TryGetValue(name, out var file))
                {
                    // Not in the work folder: moved into place already by this job's commit that stopped half way?
                    inPlace ??= await PlacedByJobAsync(store, options.Output, shards[0].JobId).ConfigureAwait(false);
                    inPlace.TryGetValue(name, out file);
                }

                if (file is null)
                {
                    problems.Add((index, $"shard {index}'s part {name} is missing from {folder}"));
                }
                else if (file.Bytes != bytes)
                {
                    problems.Add((index, $"shard {index}'s part {file.Location} holds {file.Bytes} bytes, but its worker wrote {bytes}"));
                }
                else
                {
                    found.Add(new PlacedOutput(file.Location, name));
                }
            }

            placed.AddRange(found);
            decisionLines += parts.DecisionLines;
            keptRows += parts.KeptRows;
        }

        return new PartsCheck(placed, decisionLines, keptRows, problems);
    }

    /// <summary>The files under <paramref name="folder"/> by relative name (none when it does not exist).</summary>
    private static async Task<Dictionary<string, StoredFile>> ListAsync(DataStore store, string folder) =>
        await store.KindAsync(folder, CancellationToken.None).ConfigureAwait(false) == StoredKind.Folder
            ? (await store.ListAsync(folder, CancellationToken.None).ConfigureAwait(false)).ToDictionary(f => f.Name, StringComparer.Ordinal)
            : [];

    /// <summary>
    /// The parts in the output that job <paramref name="jobId"/>'s own commit put there: only when the output's manifest
    /// names the job (a commit rewrites it, naming its job, before it moves anything), and only the files it lists.
    /// </summary>
    private static async Task<Dictionary<string, StoredFile>> PlacedByJobAsync(DataStore store, string output, string jobId)
    {
        var manifest = await OutputManifest.ReadAsync(store, output, CancellationToken.None).ConfigureAwait(false);
        if (manifest is null || !string.Equals(manifest.Job, jobId, StringComparison.Ordinal))
        {
            return [];
        }

        var listed = manifest.Files.ToHashSet(StringComparer.Ordinal);
        var placed = new Dictionary<string, StoredFile>(StringComparer.Ordinal);
        foreach (string part in new[] { ShardPartWriter.DecisionsFolder, CuratedWriter.Folder })
        {
            foreach (var (name, file) in await ListAsync(store, DataStore.Combine(output, part)).ConfigureAwait(false))
            {
                if (listed.Contains($"{part}/{name}"))
                {
                    placed[$"{part}/{name}"] = file;
                }
            }
        }

        return placed;
    }
}

/// <summary>
/// The parts of a job with one part per shard as checked before its publish: those in place (<see cref="Placed"/>: where
/// each is, and its name in the output), what the reports say they hold, and the shards whose parts are not as reported.
/// </summary>
public sealed record PartsCheck(IReadOnlyList<PlacedOutput> Placed, long DecisionLines, long KeptRows, IReadOnlyList<(int Shard, string Problem)> Problems);
