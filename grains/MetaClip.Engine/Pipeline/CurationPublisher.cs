using System.Diagnostics;
using MetaClip.Engine.Curation;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Outputs;

namespace MetaClip.Engine.Pipeline;

/// <summary>
/// Publishes a job's outputs (docs/formats.md, "Curation outputs"): units' decision lines and kept rows are
/// appended in unit order (to one file each, or as each unit's own parts: <see cref="OutputParts"/>), then <see cref="CommitAsync"/> writes <c>thresholds.json</c>, <c>entry_counts/</c> and
/// the report and puts everything in place at once. Until then nothing is visible at the output; disposing an
/// uncommitted publisher removes what it staged, so a job that fails before its commit leaves earlier outputs as they were.
/// </summary>
public sealed class CurationPublisher : IAsyncDisposable
{
    private readonly OutputStaging _staging;
    private readonly CurationOptions _options;
    private readonly PublishedColumns _columns;
    private readonly CuratedWriter? _curated;
    private readonly FileStream? _decisions;
    private readonly List<PlacedOutput> _placed = [];
    private long _partRows, _partDecisionLines;
    private bool _closed;

    internal CurationPublisher(OutputStaging staging, CurationOptions options, PublishedColumns columns)
    {
        _staging = staging;
        _options = options;
        _columns = columns;
        if (options.Parts == OutputParts.One)
        {
            _curated = new CuratedWriter(staging.Folder, options.Format, columns.WithKey, columns.ImageColumn);
            _decisions = CurationFiles.CreateLines(staging.PathOf(CurationFiles.DecisionsFile));
        }
    }

    /// <summary>The output folder or blob prefix, in canonical form.</summary>
    public string Output => _staging.Output;

    /// <summary>Kept rows appended so far.</summary>
    public long KeptRows => _curated?.Rows ?? _partRows;

    /// <summary>
    /// Appends the next units' outputs: <paramref name="writeDecisionLines"/> writes their <c>decisions.jsonl</c>
    /// lines to the stream it is given while their kept rows go to the curated set (the two files side by side).
    /// </summary>
    public async Task AppendAsync(Func<Stream, CancellationToken, Task> writeDecisionLines, IReadOnlyList<CuratedRow> kept, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writeDecisionLines);
        var (curated, decisions) = OnePart();
        await Task.WhenAll(writeDecisionLines(decisions, cancellationToken), curated.WriteAsync(kept, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Appends the next units' outputs when their kept rows are finished curated lines (<paramref name="rows"/> of them, a
    /// JSON Lines output): <paramref name="writeDecisionLines"/> as above, the lines copied as they are.
    /// </summary>
    public async Task AppendLinesAsync(Func<Stream, CancellationToken, Task> writeDecisionLines, IReadOnlyList<ReadOnlyMemory<byte>> curatedLines, long rows,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writeDecisionLines);
        var (curated, decisions) = OnePart();
        await Task.WhenAll(writeDecisionLines(decisions, cancellationToken), curated.WriteLinesAsync(curatedLines, rows, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Appends one unit's pass-2 result: to the one decisions file and curated part, or, with <see cref="OutputParts.PerShard"/>,
    /// as unit <paramref name="index"/>'s own parts (<see cref="ShardPartWriter"/>).
    /// </summary>
    public async Task AppendAsync(SampledUnit unit, int index, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unit);
        if (_options.Parts == OutputParts.PerShard)
        {
            var written = await ShardPartWriter.WriteAsync(_staging.Folder, index, unit, _columns, _options, cancellationToken).ConfigureAwait(false);
            _partRows += written.KeptRows;
            _partDecisionLines += written.DecisionLines;
            return;
        }

        await AppendAsync((stream, token) => unit.WriteDecisionLinesAsync(stream, _options.EffectiveThreads, token), unit.Kept, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds parts that are already stored beside the output (a cluster's workers wrote them into the job's work folder:
    /// <see cref="OutputParts.PerShard"/>); the commit moves them into place.
    /// </summary>
    public void AddStoredParts(IEnumerable<PlacedOutput> parts, long decisionLines, long keptRows)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (_options.Parts != OutputParts.PerShard)
        {
            throw new InvalidOperationException("stored parts are added only to a job with one part per shard");
        }

        _placed.AddRange(parts);
        _partRows += keptRows;
        _partDecisionLines += decisionLines;
    }

    /// <summary>
    /// Writes the counts, thresholds and report, and puts every output in place. <paramref name="timings"/> gets
    /// this step's time (<c>write counts</c>) and the <c>total</c> of all steps.
    /// </summary>
    public async Task<CurationResult> CommitAsync(MetadataSet metadata, IReadOnlyDictionary<string, EntryCounts> counts, ThresholdTable thresholds,
        LanguageTallies tallies, ReportInputs inputs, IDictionary<string, double> timings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timings);
        ArgumentNullException.ThrowIfNull(tallies);
        var clock = Stopwatch.StartNew();
        await CloseFilesAsync().ConfigureAwait(false);
        if (_options.Parts == OutputParts.PerShard && (_partDecisionLines != tallies.TotalDecided || _partRows != tallies.TotalKept))
        {
            throw new InvalidOperationException(
                $"the parts hold {_partDecisionLines} decisions and {_partRows} kept rows, but the job decided {tallies.TotalDecided} and kept {tallies.TotalKept}; nothing was published");
        }

        CurationFiles.WriteThresholds(_staging.PathOf(CurationFiles.ThresholdsFile), thresholds, _options.Seed, tallies, counts);
        CurationFiles.WriteEntryCounts(_staging.PathOf(CurationFiles.EntryCountsFolder), metadata, counts, thresholds);
        timings["write counts"] = clock.Elapsed.TotalSeconds;
        timings["total"] = timings.Where(t => t.Key != "total").Sum(t => t.Value);
        var report = ReportBuilder.Build(_options, metadata, inputs, counts, tallies, thresholds, new Dictionary<string, double>(timings));
        ReportWriter.Write(_staging.Folder, report);
        await _staging.CommitAsync(cancellationToken, _placed).ConfigureAwait(false);
        return new CurationResult(_staging.Output, report);
    }

    public async ValueTask DisposeAsync()
    {
        await CloseFilesAsync().ConfigureAwait(false);
        _staging.Dispose();
    }

    private (CuratedWriter Curated, FileStream Decisions) OnePart() =>
        _curated is not null && _decisions is not null
            ? (_curated, _decisions)
            : throw new InvalidOperationException("a job with one part per shard appends its units by index");

    private async Task CloseFilesAsync()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        if (_curated is not null)
        {
            await _curated.DisposeAsync().ConfigureAwait(false);
        }

        if (_decisions is not null)
        {
            await _decisions.DisposeAsync().ConfigureAwait(false);
        }
    }
}
