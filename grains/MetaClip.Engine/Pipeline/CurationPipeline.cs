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
/// A whole curation job in one process (<c>--engine-only</c>): the <see cref="ICurationSteps"/> run in order —
/// plan, match and count every unit (pass 1), thresholds from the global counts, decide every unit (pass 2),
/// publish. Units are read ahead while the previous one is matched on all cores. Outputs appear only when the
/// job succeeds. The cluster runs the same steps on shards.
/// </summary>
public sealed class CurationPipeline
{
    private readonly CurationOptions _options;
    private readonly IProgress<CurationProgress>? _progress;
    private readonly DataStore _store;
    private readonly ICurationSteps _steps;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _skipped = new();
    private readonly Action<string> _warn;

    /// <summary>
    /// A job; blob locations (<c>az://</c>) are read and written through <paramref name="store"/> (local paths only
    /// when null). <paramref name="warn"/> hears about problems of this machine that change no result (a compiled
    /// matcher cache that cannot be used); standard error when null. <paramref name="steps"/> are the job's steps
    /// (<see cref="CurationSteps"/> over the store when null).
    /// </summary>
    public CurationPipeline(CurationOptions options, IProgress<CurationProgress>? progress = null, DataStore? store = null, Action<string>? warn = null,
        ICurationSteps? steps = null)
    {
        _options = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        _progress = progress;
        _store = store ?? DataStore.Local;
        _steps = steps ?? new CurationSteps(_store);
        _warn = warn ?? (message => Console.Error.WriteLine("warning: " + message));
    }

    public async Task<CurationResult> RunAsync(CancellationToken cancellationToken = default)
    {
        // The output folder is this run's until it ends: another job there is refused, and one killed is taken over.
        string job = "engine-" + Guid.NewGuid().ToString("N");
        await OutputClaim.ForThisProcess(job).TakeAsync(_store, _options.Output, held => Task.FromResult(held.IsDeadProcessHere()), cancellationToken).ConfigureAwait(false);
        try
        {
            return await RunClaimedAsync(job, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await OutputClaim.ReleaseAsync(_store, _options.Output, job, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<CurationResult> RunClaimedAsync(string job, CancellationToken cancellationToken)
    {
        var o = _options;
        var timings = new Dictionary<string, double>();
        var phase = Stopwatch.StartNew();

        Report(CurationPhase.LoadingMetadata, 0, 0, 0);
        var (metadata, identifier) = await LoadAsync(timings, phase, cancellationToken).ConfigureAwait(false);

        Report(CurationPhase.Planning, 0, 0, 0);
        var units = await PlanAsync(o, _skipped.Enqueue, cancellationToken).ConfigureAwait(false);
        int files = units.Select(u => u.File.Path).Distinct().Count();
        timings["plan"] = Lap(phase);

        // Pass 1: match and count. Between the passes each unit is its compact intermediate, in memory up to a budget.
        using var spill = new IntermediateSpill(IntermediateSpill.DefaultMemoryBytes);
        var pass1 = await MatchUnitsAsync(metadata, identifier, units, spill, cancellationToken).ConfigureAwait(false);
        timings["match and count (pass 1)"] = Lap(phase);

        Report(CurationPhase.Thresholds, units.Count, units.Count, pass1.Texts);
        var table = _steps.ComputeThresholds(pass1.Counts, pass1.Tallies, metadata, o);
        timings["thresholds"] = Lap(phase);

        // Pass 2: read every unit again, decide it and publish its decisions and kept rows, in unit order. Between the
        // passes each unit is only its compact intermediate (a few bytes per matched text), so memory does not grow
        // with the snapshot; the unit's rows are read ahead while the previous one is decided.
        Report(CurationPhase.Sampling, 0, units.Count, pass1.Texts);
        var columns = new PublishedColumns(pass1.Results.Any(r => r.HasKeys), pass1.Results.Select(r => r.ImageColumn).FirstOrDefault(c => c is not null));
        await using var publisher = await _steps.OpenPublisherAsync(o, columns, job, cancellationToken).ConfigureAwait(false);
        // A unit's parts are numbered by its place in the plan, as a cluster numbers its shards (a unit left out by
        // --skip-bad-files keeps its number unused).
        var planIndex = units.Select((unit, index) => (unit, index)).ToDictionary(u => u.unit, u => u.index);
        var reread = Channel.CreateBounded<UnitRows>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var reader = Task.Run(() => ReadUnitsAsync([.. pass1.Results.Select(r => r.Unit)], reread.Writer, cancellationToken, skipBadFiles: false), cancellationToken);
        int decided = 0;
        while (await reread.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reread.Reader.TryRead(out var rows))
            {
                var entry = pass1.Results[decided];
                var matches = await entry.MatchesAsync(cancellationToken).ConfigureAwait(false);
                await DecideAndPublishAsync(matches.WithTexts(rows), planIndex[entry.Unit], table, pass1.Tallies, publisher, cancellationToken).ConfigureAwait(false);
                Report(CurationPhase.Sampling, ++decided, units.Count, pass1.Texts);
            }
        }

        await reader.ConfigureAwait(false);
        timings["sample and write (pass 2)"] = Lap(phase);

        Report(CurationPhase.Writing, units.Count, units.Count, pass1.Texts);
        var inputs = new ReportInputs(files, units.Count, pass1.Results.Sum(r => (long)r.Rows), pass1.Results.Sum(r => (long)r.SkippedTexts),
            pass1.Results.Sum(r => (long)r.Images), pass1.Tallies.TotalDecided, pass1.Tallies.TotalKept)
        { SkippedFiles = [.. _skipped] };
        var result = await publisher.CommitAsync(metadata, pass1.Counts, table, pass1.Tallies, inputs, timings, cancellationToken).ConfigureAwait(false);
        Report(CurationPhase.Done, units.Count, units.Count, pass1.Texts);
        return result;
    }

    /// <summary>
    /// Pass 1 alone, without writing anything: every unit's matches and the global counts and thresholds computed
    /// from them — the matched pool that training's online curation draws from with <see cref="ImageSampler.Decide"/>
    /// at each epoch.
    /// </summary>
    public async Task<MatchedSnapshot> MatchAsync(CancellationToken cancellationToken = default)
    {
        var (metadata, identifier) = await LoadAsync([], Stopwatch.StartNew(), cancellationToken).ConfigureAwait(false);
        var units = await PlanAsync(_options with { SkipBadFiles = false }, null, cancellationToken).ConfigureAwait(false);
        var pass1 = await MatchUnitsAsync(metadata, identifier, units, spill: null, cancellationToken).ConfigureAwait(false);
        // Without a spill every unit's matches are kept whole.
        return new MatchedSnapshot([.. pass1.Results.Select(r => r.Whole!)], pass1.Counts, _steps.ComputeThresholds(pass1.Counts, pass1.Tallies, metadata, _options));
    }

    /// <summary>
    /// The plan: the snapshot's files (<see cref="ICurationSteps.DiscoverAsync"/>), each split into its units by
    /// <see cref="ICurationSteps.PlanFileAsync"/> — two at once, as a silo's worker slots allow. With
    /// <c>--skip-bad-files</c> (<paramref name="skipped"/>) a file that cannot be read is reported and left out.
    /// </summary>
    private async Task<IReadOnlyList<SnapshotUnit>> PlanAsync(CurationOptions options, Action<string>? skipped, CancellationToken cancellationToken)
    {
        var files = await _steps.DiscoverAsync(options, cancellationToken).ConfigureAwait(false);
        return await SnapshotPlanner.PlanFilesAsync(files, (file, token) => _steps.PlanFileAsync(file, options, token),
            options.SkipBadFiles ? (_, e) => skipped?.Invoke(e.Message) : null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<(MetadataSet Metadata, LanguageIdentifier? Identifier)> LoadAsync(Dictionary<string, double> timings, Stopwatch phase, CancellationToken cancellationToken)
    {
        var o = _options;
        var metadata = await MetadataSet.LoadAsync(_store, o.Metadata, o.Mode, cancellationToken, CompiledMatcherCache.Create(o.MatcherCache, _warn)).ConfigureAwait(false);
        timings["load metadata"] = Lap(phase);
        if (!o.NeedsLid)
        {
            return (metadata, null);
        }

        var identifier = new LanguageIdentifier(await FastTextModel.LoadAsync(_store, o.LidModel!, cancellationToken).ConfigureAwait(false));
        timings["load LID model"] = Lap(phase);
        return (metadata, identifier);
    }

    /// <summary>Pass 2 of one unit and its publishing (a method of its own, so that nothing of the unit outlives it).</summary>
    private async Task DecideAndPublishAsync(UnitMatches unit, int index, ThresholdTable table, LanguageTallies tallies, CurationPublisher publisher, CancellationToken cancellationToken)
    {
        var sampled = await _steps.DecideUnitAsync(unit, table, _options, cancellationToken).ConfigureAwait(false);
        tallies.Add(sampled.Figures);
        await publisher.AppendAsync(sampled, index, cancellationToken).ConfigureAwait(false);
    }

    private async Task ReadUnitsAsync(IReadOnlyList<SnapshotUnit> units, ChannelWriter<UnitRows> writer, CancellationToken cancellationToken, bool skipBadFiles = true)
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
                        rows = await JsonlUnitReader.ReadAsync(_store, unit, _options.Columns, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        // One open reader per file, its row groups (or their ranges) in turn.
                        if (open is null || open.File != unit.File)
                        {
                            if (open is not null)
                            {
                                await open.DisposeAsync().ConfigureAwait(false);
                            }

                            open = await ParquetUnitReader.OpenAsync(_store, unit.File, _options.Columns, cancellationToken).ConfigureAwait(false);
                        }

                        rows = await open.ReadUnitAsync(unit, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (CurationException e) when (skipBadFiles && _options.SkipBadFiles)
                {
                    _skipped.Enqueue(e.Message);
                    continue;
                }

                await writer.WriteAsync(rows, cancellationToken).ConfigureAwait(false);
                rows = null!; // handed over: this method must not keep it alive while it reads the next unit
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

    private sealed record PassOne(List<MatchedUnitEntry> Results, Dictionary<string, EntryCounts> Counts, LanguageTallies Tallies, long Texts);

    /// <summary>One unit between the passes: its figures, and its matches whole or as their compact intermediate.</summary>
    private sealed record MatchedUnitEntry(SnapshotUnit Unit, int Rows, int SkippedTexts, int Images, string? ImageColumn, bool HasKeys, UnitMatches? Whole, IntermediateSpill.Handle? Compact)
    {
        /// <summary><paramref name="matches"/> kept whole, or encoded in <paramref name="buffer"/> (emptied first) and put in <paramref name="spill"/>.</summary>
        public static MatchedUnitEntry Of(UnitMatches matches, IntermediateSpill? spill, MemoryStream buffer)
        {
            IntermediateSpill.Handle? compact = null;
            if (spill is not null)
            {
                buffer.SetLength(0);
                UnitMatchesCodec.Write(buffer, matches);
                compact = spill.Put(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            }

            return new MatchedUnitEntry(matches.Unit, matches.Rows, matches.SkippedTexts, matches.Images.Count, matches.ImageColumn, matches.HasKeys,
                spill is null ? matches : null, compact);
        }

        public async Task<UnitMatches> MatchesAsync(CancellationToken cancellationToken) =>
            Whole ?? await Compact!.ReadAsync(stream => UnitMatchesCodec.Read(stream, Unit.Id), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Pass 1 over every unit. Each unit's matches are kept as their compact intermediate (<see cref="UnitMatchesCodec"/>,
    /// read back without texts) in <paramref name="spill"/>; whole, with their texts, when it is null.
    /// </summary>
    private async Task<PassOne> MatchUnitsAsync(MetadataSet metadata, LanguageIdentifier? identifier, IReadOnlyList<SnapshotUnit> units, IntermediateSpill? spill,
        CancellationToken cancellationToken)
    {
        var o = _options;
        var counts = new Dictionary<string, EntryCounts>(StringComparer.Ordinal);
        var tallies = new LanguageTallies();
        var results = new List<MatchedUnitEntry>(units.Count);
        var matcher = new UnitMatcher(metadata, o.EffectiveThreads, identifier);

        // Build the automata while the first unit is read: they are independent, and the build is the
        // longest single step before matching can start.
        var warmUp = Task.Run(() => Parallel.ForEach(metadata.Languages, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, o.EffectiveThreads - 1), CancellationToken = cancellationToken }, l => metadata.GetMatcher(l)), cancellationToken);
        long texts = 0;
        // One buffer for every unit's intermediate, reused: a fresh one grows by doubling, and its large copies would be
        // garbage of the large-object heap at every unit.
        using var encoded = new MemoryStream();
        Report(CurationPhase.Matching, 0, units.Count, 0);
        // One unit read ahead: memory holds at most three units (the one matched, one waiting, one being read).
        var channel = Channel.CreateBounded<UnitRows>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(() => ReadUnitsAsync(units, channel.Writer, cancellationToken), cancellationToken);
        while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!channel.Reader.TryRead(out var rows))
            {
                continue;
            }

            var unit = _steps.MatchUnit(rows, matcher, cancellationToken);
            foreach (var (language, (ids, partial)) in unit.Partials)
            {
                if (!counts.TryGetValue(language, out var languageCounts))
                {
                    metadata.TryGetList(language, out var list);
                    counts[language] = languageCounts = new EntryCounts(language, list.Count);
                }

                languageCounts.AddPartial(ids, partial);
            }

            tallies.Add(unit.Matches.Languages);
            results.Add(MatchedUnitEntry.Of(unit.Matches, spill, encoded));
            texts += unit.Matches.Texts;
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

        return new PassOne(results, counts, tallies, texts);
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
