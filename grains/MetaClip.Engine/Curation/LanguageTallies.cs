using System.Collections;

namespace MetaClip.Engine.Curation;

/// <summary>
/// Per-language figures of a unit or a whole job (texts, matched texts, images decided and kept), by metadata
/// language. The one place where figures are added up: a unit's pass 1 and pass 2, a job's sum of its units.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "Named for what it holds: the tallies of languages.")]
public sealed class LanguageTallies : IReadOnlyDictionary<string, LanguageTally>
{
    private readonly Dictionary<string, LanguageTally> _tallies = new(StringComparer.Ordinal);

    public int Count => _tallies.Count;

    public IEnumerable<string> Keys => _tallies.Keys;

    public IEnumerable<LanguageTally> Values => _tallies.Values;

    public LanguageTally this[string key] => _tallies[key];

    /// <summary>The language's tally, created empty on first use.</summary>
    public LanguageTally Of(string language)
    {
        if (!_tallies.TryGetValue(language, out var tally))
        {
            _tallies[language] = tally = new LanguageTally();
        }

        return tally;
    }

    /// <summary>Adds one language's figures.</summary>
    public void Add(string language, long texts, long matchedTexts, long imagesDecided, long imagesKept)
    {
        var tally = Of(language);
        tally.Texts += texts;
        tally.MatchedTexts += matchedTexts;
        tally.ImagesDecided += imagesDecided;
        tally.ImagesKept += imagesKept;
    }

    /// <summary>Adds every language's figures of <paramref name="other"/>.</summary>
    public void Add(IEnumerable<KeyValuePair<string, LanguageTally>> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (language, tally) in other)
        {
            Of(language).Add(tally);
        }
    }

    /// <summary>One decided image of <paramref name="language"/>, kept or not.</summary>
    public void CountDecision(string language, bool kept)
    {
        var tally = Of(language);
        tally.ImagesDecided++;
        if (kept)
        {
            tally.ImagesKept++;
        }
    }

    public long TotalDecided => _tallies.Values.Sum(t => t.ImagesDecided);

    public long TotalKept => _tallies.Values.Sum(t => t.ImagesKept);

    public long TotalTexts => _tallies.Values.Sum(t => t.Texts);

    public bool ContainsKey(string key) => _tallies.ContainsKey(key);

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out LanguageTally value) => _tallies.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, LanguageTally>> GetEnumerator() => _tallies.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
