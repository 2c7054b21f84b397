using MetaClip.Engine.Curation;
using MetaClip.Engine.Outputs;

namespace MetaClip.Engine.Pipeline;

/// <summary>Pass 2's result for one unit: its decisions, the rows it keeps and its images decided and kept per language.</summary>
public sealed record SampledUnit(IReadOnlyList<ImageDecision> Decisions, IReadOnlyList<CuratedRow> Kept, LanguageTallies Figures)
{
    /// <summary>The unit's <c>decisions.jsonl</c> lines, UTF-8, formatted on <paramref name="threads"/> threads.</summary>
    public byte[] DecisionLines(int threads, CancellationToken cancellationToken) =>
        ParallelLines.ToArray(Decisions.Count, AppendDecisionLine, threads, cancellationToken);

    /// <summary><see cref="DecisionLines"/> in a rented array (the caller gives it back).</summary>
    public Storage.RentedBytes RentedDecisionLines(int threads, CancellationToken cancellationToken) =>
        ParallelLines.ToRented([], Decisions.Count, AppendDecisionLine, threads, cancellationToken);

    /// <summary>
    /// Appends the unit's <c>decisions.jsonl</c> lines to <paramref name="stream"/> (<see cref="DecisionLines"/> without
    /// their copy in one array: a unit's lines are a large object).
    /// </summary>
    public Task WriteDecisionLinesAsync(Stream stream, int threads, CancellationToken cancellationToken) =>
        ParallelLines.WriteAsync(stream, Decisions.Count, AppendDecisionLine, threads, cancellationToken);

    private void AppendDecisionLine(System.Text.StringBuilder text, int i)
    {
        CurationFiles.AppendDecision(text, Decisions[i]);
        text.Append('\n');
    }
}
