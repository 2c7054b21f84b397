using MetaClip.Engine.Snapshots;

namespace MetaClip.Engine.Curation;

/// <summary>One non-skipped text that matched at least one entry: a candidate of its image.</summary>
public readonly record struct MatchedText(
    int Row, int Image, int TextIndex, string Language, string LidLabel, int IdsStart, int IdsCount,
    string Text, string? Url, string? Key);

/// <summary>The result of pass 1 over one unit: its images, its matched texts and their entry ids.</summary>
public sealed class UnitMatches
{
    public required SnapshotUnit Unit { get; init; }

    public required int Rows { get; init; }

    /// <summary>Rows whose text is null, empty or only whitespace.</summary>
    public required int SkippedTexts { get; init; }

    /// <summary>Image uuids in order of first appearance in the unit.</summary>
    public required IReadOnlyList<string> Images { get; init; }

    /// <summary>The matched texts, in row order.</summary>
    public required IReadOnlyList<MatchedText> Matched { get; init; }

    /// <summary>Entry ids of all matched texts, each text's ids ascending at [IdsStart, IdsStart + IdsCount).</summary>
    public required int[] Ids { get; init; }

    /// <summary>Texts and matched texts per metadata language.</summary>
    public required IReadOnlyDictionary<string, LanguageTally> Languages { get; init; }

    /// <summary>The image column of the unit, if it has one.</summary>
    public string? ImageColumn { get; init; }

    public ReadOnlySpan<int> IdsOf(in MatchedText text) => Ids.AsSpan(text.IdsStart, text.IdsCount);

    /// <summary>Number of non-skipped texts.</summary>
    public long Texts => Languages.Values.Sum(t => t.Texts);
}
