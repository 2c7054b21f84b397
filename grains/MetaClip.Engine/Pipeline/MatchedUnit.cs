using MetaClip.Engine.Curation;

namespace MetaClip.Engine.Pipeline;

/// <summary>Pass 1's result for one unit: its matches (kept for pass 2) and its partial counts per metadata language.</summary>
/// <param name="Matches">The unit's images, matched texts and their entry ids.</param>
/// <param name="Partials">Per language: the matched entry ids, ascending, and how many of the unit's texts matched each.</param>
public sealed record MatchedUnit(UnitMatches Matches, IReadOnlyDictionary<string, (int[] EntryIds, ulong[] Counts)> Partials);
