using System.Diagnostics;
using MetaClip.Curation;
using MetaClip.Outputs;
using MetaClip.Snapshots;
using Orleans.Runtime;

namespace MetaClip.Cluster.Curation;

/// <summary>
/// <see cref="ICurationJobGrain"/>: plans the shards, fans them out to <see cref="IShardWorkerGrain"/>s with a
/// bounded number in flight, waits for all counts (the barrier), computes the thresholds from the language
/// partitions' global counts, fans out pass 2 and publishes the outputs exactly as the single-process
/// pipeline writes them. A shard whose call fails for a reason other than its input (a silo lost, a timeout)
/// is run again: its counts apply once, and its intermediates are replaced whole.
/// </summary>
public sealed class CurationJobGrain(MetadataCache metadataCache) : Grain, ICurationJobGrain, IDisposable
{
    /// <summary>Shards in flight per active silo: enough to keep every core busy, not an unbounded fan-out.</summary>
    private const int ShardsPerSilo = 4;
    private const int Attempts = 3;

    private CurationJobStatus _status = new(CurationJobPhase.NotStarted, 0, 0, 0, 0, null);
    private Task? _run;
    private readonly CancellationTokenSource _cancel = new();
    private readonly List<string> _skipped = [];

    public async Task<CurationJobStatus> Start(CurationJobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (_run is not null)
        {
            return _status;
        }

        if (spec.TEn.HasValue && spec.P.HasValue)
        {
            throw new ArgumentException("give either t_en or p, not both");
        }

        List<SnapshotUnit> units;
        try
        {
            units = await SnapshotPlanner.PlanAsync(SnapshotFile.Discover(spec.Snapshot), JobSpecs.Columns(spec), CancellationToken.None,
                spec.SkipBadFiles ? (_, e) => _skipped.Add(e.Message) : null);
        }
        catch (CurationException e)
        {
            throw new CurationInputException(e.Message);
        }

        string jobId = this.GetPrimaryKeyString();
        string work = Path.Combine(Path.GetFullPath(spec.Output), ".work", jobId);
        var shards = units.Select((u, i) => new ShardTask(jobId, i, u.File.Path, u.File.Name, (int)u.File.Format, u.RowGroup, work, spec)).ToList();
        _status = new CurationJobStatus(CurationJobPhase.Matching, shards.Count, 0, 0, 0, null, Path.GetFullPath(spec.Output));
        await GrainFactory.GetGrain<IJobRegistryGrain>(0).Add(new JobEntry(jobId, DateTimeOffset.UtcNow, spec.Snapshot, _status.Output!));
        _run = RunAsync(spec, shards, work);
        return _status;
    }

    public Task<CurationJobStatus> GetStatus() => Task.FromResult(_status);

    public async Task<CurationJobStatus> Cancel()
    {
        if (_run is null || _status.Phase is CurationJobPhase.Done or CurationJobPhase.Failed or CurationJobPhase.Cancelled)
        {
            return _status;
        }

        await _cancel.CancelAsync();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
            // The run observed the cancellation; its status says so.
        }

        return _status;
    }

    private async Task RunAsync(CurationJobSpec spec, List<ShardTask> shards, string work)
    {
        var total = Stopwatch.StartNew();
        var timings = new Dictionary<string, double>();
        try
        {
            // Pass 1.
            long texts = 0;
            var matched = await ForEachShardAsync(shards, async shard =>
            {
                try
                {
                    return await Worker(shard).Match(shard);
                }
                catch (CurationInputException e) when (spec.SkipBadFiles)
                {
                    // Reported and left out; its counts were never applied (a shard applies them last).
                    _skipped.Add(e.Message);
                    return null;
                }
            }, summary =>
            {
                texts += summary?.Languages.Sum(l => l.Texts) ?? 0;
                _status = _status with { ShardsMatched = _status.ShardsMatched + 1, Texts = texts };
            });
            shards = [.. shards.Where(shard => matched[shard.Index] is not null)];
            timings["match and count (pass 1)"] = total.Elapsed.TotalSeconds;

            // The barrier is behind us: every shard's counts are applied. Thresholds from the global counts.
            _cancel.Token.ThrowIfCancellationRequested();
            _status = _status with { Phase = CurationJobPhase.Thresholds };
            var metadata = await Task.Run(() => metadataCache.Get(spec.Metadata, JobSpecs.Mode(spec)));
            var counts = new Dictionary<string, EntryCounts>(StringComparer.Ordinal);
            foreach (string language in metadata.Languages)
            {
                metadata.TryGetList(language, out var list);
                var global = await GrainFactory.GetGrain<ILanguagePartitionGrain>($"{this.GetPrimaryKeyString()}/{language}").GetCounts();
                counts[language] = new EntryCounts(language, global.Counts.Length == list.Count ? [.. global.Counts] : new ulong[list.Count]);
            }

            // Sorting every count vector is CPU work: off the grain's turn.
            string tablePath = Path.Combine(work, "thresholds.table");
            var table = await Task.Run(() =>
            {
                var computed = ThresholdTable.Compute(counts, JobSpecs.EffectiveTEn(spec), spec.P);
                Directory.CreateDirectory(work);
                using var stream = File.Create(tablePath);
                ThresholdTableCodec.Write(stream, computed);
                return computed;
            });

            // Pass 2.
            _status = _status with { Phase = CurationJobPhase.Sampling };
            var sampled = await ForEachShardAsync<ShardSampleSummary?>(shards, async shard => await Worker(shard).Sample(shard, tablePath),
                _ => _status = _status with { ShardsSampled = _status.ShardsSampled + 1 });
            timings["sample and write (pass 2)"] = total.Elapsed.TotalSeconds - timings["match and count (pass 1)"];

            _cancel.Token.ThrowIfCancellationRequested();
            _status = _status with { Phase = CurationJobPhase.Publishing };
            await PublishAsync(spec, shards, work, metadata, [.. matched.OfType<ShardMatchSummary>()], [.. sampled.OfType<ShardSampleSummary>()],
                counts, table, timings, total, _skipped);
            _status = _status with { Phase = CurationJobPhase.Done };
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
            _status = _status with { Phase = CurationJobPhase.Cancelled };
            RemoveWorkFolder(work);
        }
        catch (Exception e)
        {
            _status = _status with { Phase = CurationJobPhase.Failed, Error = e.Message };
            RemoveWorkFolder(work);
        }
    }

    public void Dispose() => _cancel.Dispose();

    private IShardWorkerGrain Worker(ShardTask shard) => GrainFactory.GetGrain<IShardWorkerGrain>($"{shard.JobId}/{shard.Index}");

    /// <summary>
    /// Runs every shard with a bounded number in flight; retries a shard whose failure is not its input's
    /// fault. After a failure no further shard starts, and the first failure is thrown once every shard in
    /// flight has finished (so nothing writes into the job's folder after it is cleaned up).
    /// </summary>
    private async Task<TResult[]> ForEachShardAsync<TResult>(List<ShardTask> shards, Func<ShardTask, Task<TResult>> run, Action<TResult> done)
    {
        var hosts = await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        using var slots = new SemaphoreSlim(Math.Max(1, hosts.Count) * ShardsPerSilo);
        var results = new TResult[shards.Count == 0 ? 0 : shards.Max(s => s.Index) + 1];
        Exception? firstFailure = null;
        await Task.WhenAll(shards.Select(async shard =>
        {
            try
            {
                await slots.WaitAsync(_cancel.Token);
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

                for (int attempt = 1; ; attempt++)
                {
                    _cancel.Token.ThrowIfCancellationRequested();
                    try
                    {
                        results[shard.Index] = await run(shard);
                        break;
                    }
                    catch (Exception e) when (e is not (CurationException or CurationInputException) && attempt < Attempts)
                    {
                        // A lost silo or a timeout: run the shard again, elsewhere if need be.
                    }
                }

                done(results[shard.Index]);
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
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(firstFailure);
        }

        return results;
    }

    private static async Task PublishAsync(CurationJobSpec spec, List<ShardTask> shards, string work, MetaClip.Metadata.MetadataSet metadata,
        ShardMatchSummary[] matched, ShardSampleSummary[] sampled, Dictionary<string, EntryCounts> counts, ThresholdTable table,
        Dictionary<string, double> timings, Stopwatch total, IReadOnlyList<string> skippedFiles)
    {
        var tallies = new Dictionary<string, LanguageTally>(StringComparer.Ordinal);
        foreach (var figures in matched.SelectMany(m => m.Languages).Concat(sampled.SelectMany(s => s.Languages)))
        {
            if (!tallies.TryGetValue(figures.Language, out var tally))
            {
                tallies[figures.Language] = tally = new LanguageTally();
            }

            tally.Add(new LanguageTally { Texts = figures.Texts, MatchedTexts = figures.MatchedTexts, ImagesDecided = figures.ImagesDecided, ImagesKept = figures.ImagesKept });
        }

        using var staging = new OutputStaging(spec.Output);
        string? imageColumn = matched.Select(m => m.ImageColumn).FirstOrDefault(c => c is not null);
        await using (var curated = new CuratedWriter(staging.Folder, JobSpecs.Format(spec), matched.Any(m => m.HasKey), imageColumn))
        await using (var decisions = CurationFiles.CreateLines(staging.PathOf(CurationFiles.DecisionsFile)))
        {
            foreach (var shard in shards)
            {
                await using (var part = File.OpenRead(JobSpecs.DecisionsPart(work, shard.Index)))
                {
                    await part.CopyToAsync(decisions);
                }

                string rowsPath = JobSpecs.CuratedPart(work, shard.Index);
                List<CuratedRow> rows;
                await using (var part = File.OpenRead(rowsPath))
                {
                    rows = CuratedRowsCodec.Read(part, rowsPath);
                }

                await curated.WriteAsync(rows, CancellationToken.None);
            }
        }

        CurationFiles.WriteThresholds(staging.PathOf(CurationFiles.ThresholdsFile), table, spec.Seed, tallies, counts);
        CurationFiles.WriteEntryCounts(staging.PathOf(CurationFiles.EntryCountsFolder), metadata, counts, table);
        timings["total"] = total.Elapsed.TotalSeconds;
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
        { SkippedFiles = [.. skippedFiles] };
        ReportWriter.Write(staging.Folder, ReportBuilder.Build(options, metadata, inputs, counts, tallies, table, timings));
        staging.Commit();
        RemoveWorkFolder(work);
    }

    /// <summary>Removes the job's intermediates, and the <c>.work</c> folder once no job uses it.</summary>
    private static void RemoveWorkFolder(string work)
    {
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }

        string workRoot = Path.GetDirectoryName(work)!;
        if (Directory.Exists(workRoot) && !Directory.EnumerateFileSystemEntries(workRoot).Any())
        {
            Directory.Delete(workRoot);
        }
    }
}
