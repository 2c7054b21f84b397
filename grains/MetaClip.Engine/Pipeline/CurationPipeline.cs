using System.Diagnostics;
using System.Threading.Channels;
using MetaClip.Engine.Curation;
using MetaClip.Engine.Lid;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Pipeline;

/// <summary>
/// A whole curation job in one process: load metadata, match and count every unit (pass 1), compute the
/// thresholds from the global counts, decide every image (pass 2), and publish the outputs. Units are read
/// ahead while the previous one is matched on all cores. Outputs appear only when the job succeeds.
/// </summary>
public sealed class CurationPipeline
{
    private readonly CurationOptions _options;
    private readonly IProgress<CurationProgress>? _progress;
    private readonly DataStore _store;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _skipped = new();
    private readonly Action<string> _warn;

    /// <summary>
    /// A job; blob locations (<c>az://</c>) are read and written through <paramref name="store"/> (local paths only
    /// when null). <paramref name="warn"/> hears about problems of this machine that change no result (a compiled
    /// matcher cache that cannot be used); standard error when null.
    /// </summary>
    public CurationPipeline(CurationOptions options, IProgress<CurationProgress>? progress = null, DataStore? store = null, Action<string>? warn = null)
    {
        _options = options;
        _progress = progress;
        _store = store ?? DataStore.Local;
        _warn = warn ?? (message => Console.Error.WriteLine("warning: " + message));
    }

    public async Task<CurationResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var o = _options;
        if (o.TEn.HasValue && o.P.HasValue)
        {
            throw new CurationException("give either t_en (--t-en) or p (--p), not both");
        }

        if (o.P is double p && !(p >= 0 && p <= 1))
        {
            throw new CurationException($"p must be between 0 and 1, got {p}");
        }

        var timings = new Dictionary<string, double>();
        var total = Stopwatch.StartNew();
        var phase = Stopwatch.StartNew();

        Report(CurationPhase.LoadingMetadata, 0, 0, 0);
        var metadata = await MetadataSet.LoadAsync(_store, o.Metadata, o.Mode, cancellationToken, CompiledMatcherCache.Create(o.MatcherCache, _warn)).ConfigureAwait(false);
        timings["load metadata"] = Lap(phase);
        var identifier = o.NeedsLid
            ? new LanguageIdentifier(await FastTextModel.LoadAsync(_store, o.LidModel ?? throw new CurationException(LanguageIdentifier.NoModel), cancellationToken).ConfigureAwait(false))
            : null;
        if (identifier is not null)
        {
            timings["load LID model"] = Lap(phase);
        }

        Report(CurationPhase.Planning, 0, 0, 0);
        var units = await SnapshotPlanner.PlanAsync(_store, await SnapshotFile.DiscoverAsync(_store, o.Snapshot, cancellationToken).ConfigureAwait(false), o.Columns, cancellationToken,
            o.SkipBadFiles ? (name, e) => _skipped.Enqueue(e.Message) : null).ConfigureAwait(false);
        int files = units.Select(u => u.File.Path).Distinct().Count();
        timings["plan"] = Lap(phase);

        using var staging = await OutputStaging.CreateAsync(_store, o.Output, cancellationToken).ConfigureAwait(false);

        // Pass 1: match and count.
        var (results, counts, tallies, texts) = await MatchUnitsAsync(metadata, identifier, units, cancellationToken).ConfigureAwait(false);
        timings["match and count (pass 1)"] = Lap(phase);

        Report(CurationPhase.Thresholds, units.Count, units.Count, texts);
        var table = ThresholdTable.Compute(counts, o.EffectiveTEn, o.P);
        timings["thresholds"] = Lap(phase);

        // Pass 2: decide, write decisions and the curated set.
        Report(CurationPhase.Sampling, 0, units.Count, texts);
        string? imageColumn = results.Select(r => r.ImageColumn).FirstOrDefault(c => c is not null);
        bool withKey = results.Any(r => r.Matched.Any(m => m.Key is not null));
        long decided = 0, kept = 0;
        await using (var curated = new CuratedWriter(staging.Folder, o.Format, withKey, imageColumn))
        await using (var decisions = CurationFiles.CreateLines(staging.PathOf(CurationFiles.DecisionsFile)))
        {
            var keptRows = new List<CuratedRow>();
            for (int u = 0; u < results.Count; u++)
            {
                var unit = results[u];
                var unitDecisions = ImageSampler.Decide(unit, table, o.Seed, o.Epoch);
                byte[]?[]? images = null;
                if (unit.ImageColumn is not null && unitDecisions.Any(d => d.Kept))
                {
                    images = await ReadImagesAsync(unit.Unit, cancellationToken).ConfigureAwait(false);
                }

                keptRows.Clear();
                foreach (var decision in unitDecisions)
                {
                    var tally = tallies[decision.Language];
                    tally.ImagesDecided++;
                    decided++;
                    if (!decision.Kept)
                    {
                        continue;
                    }

                    tally.ImagesKept++;
                    kept++;
                    var chosen = decision.Chosen;
                    keptRows.Add(new CuratedRow(decision.Uuid, chosen.Url, chosen.Text, chosen.Language, chosen.LidLabel,
                        unit.IdsOf(chosen).ToArray(), decision.Probability, chosen.Key, images?[chosen.Row]));
                }

                await ParallelLines.WriteAsync(decisions, unitDecisions.Count, (text, i) =>
                {
                    CurationFiles.AppendDecision(text, unitDecisions[i]);
                    text.Append('\n');
                }, o.Threads, cancellationToken).ConfigureAwait(false);
                await curated.WriteAsync(keptRows, cancellationToken).ConfigureAwait(false);
                Report(CurationPhase.Sampling, u + 1, units.Count, texts);
            }
        }

        timings["sample and write (pass 2)"] = Lap(phase);

        Report(CurationPhase.Writing, units.Count, units.Count, texts);
        CurationFiles.WriteThresholds(staging.PathOf(CurationFiles.ThresholdsFile), table, o.Seed, tallies, counts);
        CurationFiles.WriteEntryCounts(staging.PathOf(CurationFiles.EntryCountsFolder), metadata, counts, table);
        timings["write counts"] = Lap(phase);
        timings["total"] = total.Elapsed.TotalSeconds;

        var report = ReportBuilder.Build(o, metadata, new ReportInputs(files, units.Count, results.Sum(r => (long)r.Rows),
            results.Sum(r => (long)r.SkippedTexts), results.Sum(r => (long)r.Images.Count), decided, kept)
        { SkippedFiles = [.. _skipped] },
            counts, tallies, table, timings);
        ReportWriter.Write(staging.Folder, report);
        await staging.CommitAsync(cancellationToken).ConfigureAwait(false);
        Report(CurationPhase.Done, units.Count, units.Count, texts);
        return new CurationResult(staging.Output, report);
    }

    private async Task ReadUnitsAsync(List<SnapshotUnit> units, ChannelWriter<UnitRows> writer, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        ParquetUnitReader? open = null;
        try
        {
            foreach (var unit in units)
            {
                UnitRows rows;
                try
                {
                    if (unit.RowGroup < 0)
                    {
                        rows = await JsonlUnitReader.ReadAsync(_store, unit.File, _options.Columns, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        if (open is null || unit.RowGroup == 0)
                        {
                            if (open is not null)
                            {
                                await open.DisposeAsync().ConfigureAwait(false);
                            }

                            open = await ParquetUnitReader.OpenAsync(_store, unit.File, _options.Columns, cancellationToken).ConfigureAwait(false);
                        }

                        rows = await open.ReadUnitAsync(unit.RowGroup, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (CurationException e) when (_options.SkipBadFiles)
                {
                    _skipped.Enqueue(e.Message);
                    continue;
                }

                await writer.WriteAsync(rows, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            failure = e;
            throw;
        }
        finally
        {
            if (open is not null)
            {
                await open.DisposeAsync().ConfigureAwait(false);
            }

            writer.TryComplete(failure);
        }
    }

    /// <summary>
    /// Pass 1 alone, without writing anything: every unit's matches and the global counts and thresholds computed
    /// from them — the matched pool that training's online curation draws from with <see cref="ImageSampler.Decide"/>
    /// at each epoch.
    /// </summary>
    public async Task<MatchedSnapshot> MatchAsync(CancellationToken cancellationToken = default)
    {
        var o = _options;
        var metadata = await MetadataSet.LoadAsync(_store, o.Metadata, o.Mode, cancellationToken, CompiledMatcherCache.Create(o.MatcherCache, _warn)).ConfigureAwait(false);
        var identifier = o.NeedsLid
            ? new LanguageIdentifier(await FastTextModel.LoadAsync(_store, o.LidModel ?? throw new CurationException(LanguageIdentifier.NoModel), cancellationToken).ConfigureAwait(false))
            : null;
        var units = await SnapshotPlanner.PlanAsync(_store, await SnapshotFile.DiscoverAsync(_store, o.Snapshot, cancellationToken).ConfigureAwait(false), o.Columns, cancellationToken).ConfigureAwait(false);
        var (results, counts, _, _) = await MatchUnitsAsync(metadata, identifier, units, cancellationToken).ConfigureAwait(false);
        return new MatchedSnapshot(results, counts, ThresholdTable.Compute(counts, o.EffectiveTEn, o.P));
    }

    /// <summary>The image column's values of one unit's rows (null when the snapshot has no image column).</summary>
    public async Task<byte[]?[]?> ReadImagesAsync(SnapshotUnit unit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unit);
        await using var reader = await ParquetUnitReader.OpenAsync(_store, unit.File, _options.Columns, cancellationToken).ConfigureAwait(false);
        return await reader.ReadImagesAsync(unit.RowGroup, cancellationToken).ConfigureAwait(false);
    }

    private async Task<(List<UnitMatches> Results, Dictionary<string, EntryCounts> Counts, Dictionary<string, LanguageTally> Tallies, long Texts)> MatchUnitsAsync(
        MetadataSet metadata, LanguageIdentifier? identifier, List<SnapshotUnit> units, CancellationToken cancellationToken)
    {
        var o = _options;
        var counts = new Dictionary<string, EntryCounts>(StringComparer.Ordinal);
        var tallies = new Dictionary<string, LanguageTally>(StringComparer.Ordinal);
        var results = new List<UnitMatches>(units.Count);
        var matcher = new UnitMatcher(metadata, o.Threads, identifier);

        // Build the automata while the first unit is read: they are independent, and the build is the
        // longest single step before matching can start.
        var warmUp = Task.Run(() => Parallel.ForEach(metadata.Languages, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, o.Threads - 1), CancellationToken = cancellationToken }, l => metadata.GetMatcher(l)), cancellationToken);
        long texts = 0;
        Report(CurationPhase.Matching, 0, units.Count, 0);
        var channel = Channel.CreateBounded<UnitRows>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(() => ReadUnitsAsync(units, channel.Writer, cancellationToken), cancellationToken);
        await foreach (var rows in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var unit = matcher.Match(rows, cancellationToken);
            foreach (var text in unit.Matched)
            {
                if (!counts.TryGetValue(text.Language, out var languageCounts))
                {
                    metadata.TryGetList(text.Language, out var list);
                    languageCounts = new EntryCounts(text.Language, list.Count);
                    counts[text.Language] = languageCounts;
                }

                languageCounts.AddMatchedSet(unit.IdsOf(text));
            }

            foreach (var (language, tally) in unit.Languages)
            {
                if (!tallies.TryGetValue(language, out var sum))
                {
                    tallies[language] = sum = new LanguageTally();
                }

                sum.Add(tally);
            }

            results.Add(unit);
            texts += unit.Texts;
            Report(CurationPhase.Matching, results.Count, units.Count, texts);
        }

        await producer.ConfigureAwait(false);
        await warmUp.ConfigureAwait(false);

        // Every language with a list has a count vector, zeros included.
        foreach (string language in metadata.Languages)
        {
            if (!counts.ContainsKey(language) && metadata.TryGetList(language, out var list))
            {
                counts[language] = new EntryCounts(language, list.Count);
            }
        }

        return (results, counts, tallies, texts);
    }

    private void Report(CurationPhase phase, int done, int total, long texts) =>
        _progress?.Report(new CurationProgress(phase, done, total, texts));

    private static double Lap(Stopwatch watch)
    {
        double seconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        return seconds;
    }
}
