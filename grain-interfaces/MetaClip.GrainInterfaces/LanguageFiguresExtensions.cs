using MetaClip.Engine.Curation;

namespace MetaClip.GrainInterfaces;

/// <summary>The one mapping between the engine's <see cref="LanguageTallies"/> and their wire form.</summary>
public static class LanguageFiguresExtensions
{
    /// <summary>The tallies as wire figures, by language.</summary>
    public static LanguageFigures[] ToFigures(this IEnumerable<KeyValuePair<string, LanguageTally>> tallies) =>
        [.. (tallies ?? throw new ArgumentNullException(nameof(tallies))).OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => new LanguageFigures(t.Key, t.Value.Texts, t.Value.MatchedTexts, t.Value.ImagesDecided, t.Value.ImagesKept))];

    /// <summary>Adds wire figures to the tallies.</summary>
    public static void Add(this LanguageTallies tallies, IEnumerable<LanguageFigures> figures)
    {
        ArgumentNullException.ThrowIfNull(tallies);
        ArgumentNullException.ThrowIfNull(figures);
        foreach (var f in figures)
        {
            tallies.Add(f.Language, f.Texts, f.MatchedTexts, f.ImagesDecided, f.ImagesKept);
        }
    }
}
