using MetaClip.Engine.Curation;

namespace MetaClip.Engine.Pipeline;

/// <summary>The result of pass 1 over a whole snapshot: every unit's matches, the global counts and the thresholds.</summary>
public sealed record MatchedSnapshot(IReadOnlyList<UnitMatches> Units, IReadOnlyDictionary<string, EntryCounts> Counts, ThresholdTable Thresholds);
