using System.Diagnostics;
using MetaClip.Engine.Curation;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Outputs;

namespace MetaClip.Engine.Pipeline;

/// <summary>
/// Publishes a job's outputs (docs/formats.md, "Curation outputs"): units' decision lines and kept rows are
/// appended in unit order, then <see cref="CommitAsync"/> writes <c>thresholds.json</c>, <c>entry_counts/</c> and
/// the report and puts everything in place at once. Until then nothing is visible at the output; disposing an
/// uncommitted publisher removes what it staged, so a failed job leaves earlier outputs as they were.
/// </summary>
public sealed class CurationPublisher : IAsyncDisposable
{
    private readonly OutputStaging _staging;
    private readonly CurationOptions _options;
    private readonly CuratedWriter _curated;
    private readonly FileStream _decisions;
    private bool _closed;

    internal CurationPublisher(OutputStaging staging, CurationOptions options, PublishedColumns columns)
    {
        _staging = staging;
        _options = options;
        _curated = new CuratedWriter(staging.Folder, options.Format, columns.WithKey, columns.ImageColumn);
        _decisions = CurationFiles.CreateLines(staging.PathOf(CurationFiles.DecisionsFile));
    }

    /// <summary>The output folder or blob prefix, in canonical form.</summary>
    public string Output => _staging.Output;

    /// <summary>Kept rows appended so far.</summary>
    public long KeptRows => _curated.Rows;

    /// <summary>
    /// Appends the next units' outputs: <paramref name="writeDecisionLines"/> writes their <c>decisions.jsonl</c>
    /// lines to the stream it is given while their kept rows go to the curated set (the two files side by side).
    /// </summary>
    public async Task AppendAsync(Func<Stream, CancellationToken, Task> writeDecisionLines, IReadOnlyList<CuratedRow> kept, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writeDecisionLines);
        await Task.WhenAll(writeDecisionLines(_decisions, cancellationToken), _curated.WriteAsync(kept, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Appends the next units' outputs when their kept rows are finished curated lines (<paramref name="rows"/> of them, a
    /// JSON Lines output): <paramref name="writeDecisionLines"/> as above, the lines copied as they are.
    /// </summary>
    public async Task AppendLinesAsync(Func<Stream, CancellationToken, Task> writeDecisionLines, IReadOnlyList<ReadOnlyMemory<byte>> curatedLines, long rows,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writeDecisionLines);
        await Task.WhenAll(writeDecisionLines(_decisions, cancellationToken), _curated.WriteLinesAsync(curatedLines, rows, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Appends one unit's pass-2 result.</summary>
    public Task AppendAsync(SampledUnit unit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unit);
        return AppendAsync((stream, token) => stream.WriteAsync(unit.DecisionLines(_options.EffectiveThreads, token), token).AsTask(), unit.Kept, cancellationToken);
    }

    /// <summary>
    /// Writes the counts, thresholds and report, and puts every output in place. <paramref name="timings"/> gets
    /// this step's time (<c>write counts</c>) and the <c>total</c> of all steps.
    /// </summary>
    public async Task<CurationResult> CommitAsync(MetadataSet metadata, IReadOnlyDictionary<string, EntryCounts> counts, ThresholdTable thresholds,
        LanguageTallies tallies, ReportInputs inputs, IDictionary<string, double> timings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timings);
        var clock = Stopwatch.StartNew();
        await CloseFilesAsync().ConfigureAwait(false);
        CurationFiles.WriteThresholds(_staging.PathOf(CurationFiles.ThresholdsFile), thresholds, _options.Seed, tallies, counts);
        CurationFiles.WriteEntryCounts(_staging.PathOf(CurationFiles.EntryCountsFolder), metadata, counts, thresholds);
        timings["write counts"] = clock.Elapsed.TotalSeconds;
        timings["total"] = timings.Where(t => t.Key != "total").Sum(t => t.Value);
        var report = ReportBuilder.Build(_options, metadata, inputs, counts, tallies, thresholds, new Dictionary<string, double>(timings));
        ReportWriter.Write(_staging.Folder, report);
        await _staging.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new CurationResult(_staging.Output, report);
    }

    public async ValueTask DisposeAsync()
    {
        await CloseFilesAsync().ConfigureAwait(false);
        _staging.Dispose();
    }

    private async Task CloseFilesAsync()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        await _curated.DisposeAsync().ConfigureAwait(false);
        await _decisions.DisposeAsync().ConfigureAwait(false);
    }
}
