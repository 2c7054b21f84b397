using MetaClip.Engine.Curation;
using MetaClip.Engine.Outputs;

namespace MetaClip.Engine.Pipeline;

/// <summary>Pass 2's result for one unit: its decisions, the rows it keeps and its images decided and kept per language.</summary>
public sealed record SampledUnit(IReadOnlyList<ImageDecision> Decisions, IReadOnlyList<CuratedRow> Kept, LanguageTallies Figures)
{
    /// <summary>The unit's <c>decisions.jsonl</c> lines, UTF-8, formatted on <paramref name="threads"/> threads.</summary>
    public byte[] DecisionLines(int threads, CancellationToken cancellationToken) =>
        ParallelLines.ToArray(Decisions.Count, (text, i) =>
        {
            CurationFiles.AppendDecision(text, Decisions[i]);
            text.Append('\n');
        }, threads, cancellationToken);
}
