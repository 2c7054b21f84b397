namespace MetaClip.Engine.Metadata.Building;

/// <summary>
/// Unigram and bigram counts of one language's text, and the two selections the recipe makes from them:
/// unigrams most frequent first, capped at <c>min(251,465, 10% of the distinct unigrams)</c>; bigrams with
/// PMI above the threshold (30), highest first, capped at <c>min(100,646, how many pass)</c>.
/// PMI = log2(count(a b) · N / (count(a) · count(b))), N the language's number of words (NLTK's bigram PMI).
/// Ties are broken by count (bigrams), then by ordinal string order, so the selection is deterministic.
/// Candidates are cleaned by <see cref="EntryRules"/> before caps are computed.
/// </summary>
public sealed class NgramCounts(ScriptTokenizer tokenizer)
{
    public const int MaxUnigrams = 251_465;
    public const double UnigramShare = 0.10;
    public const int MaxBigrams = 100_646;
    public const double DefaultPmiThreshold = 30;

    private readonly Dictionary<string, long> _unigrams = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), long> _bigrams = [];

    /// <summary>Words counted (N).</summary>
    public long Words { get; private set; }

    public int DistinctUnigrams => _unigrams.Count;

    public int DistinctBigrams => _bigrams.Count;

    /// <summary>Counts the words and bigrams of one text.</summary>
    public void AddText(string text)
    {
        string? previous = null;
        foreach (var (word, follows) in tokenizer.Words(text))
        {
            AddUnigram(word, 1);
            if (follows && previous is not null)
            {
                var key = (previous, word);
                _bigrams[key] = _bigrams.GetValueOrDefault(key) + 1;
            }

            previous = word;
        }
    }

    /// <summary>Adds a counted word (a frequency list's line): unigram counts only, no bigrams.</summary>
    public void AddUnigram(string word, long count)
    {
        ArgumentNullException.ThrowIfNull(word);
        _unigrams[word] = _unigrams.GetValueOrDefault(word) + count;
        Words += count;
    }

    /// <summary>The unigram entries, most frequent first, capped.</summary>
    public List<string> TopUnigrams()
    {
        var candidates = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (word, count) in _unigrams)
        {
            if (EntryRules.Clean(word) is string entry)
            {
                candidates[entry] = candidates.GetValueOrDefault(entry) + count;
            }
        }

        int cap = (int)Math.Min(MaxUnigrams, Math.Floor(UnigramShare * candidates.Count));
        return [.. candidates.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(cap).Select(c => c.Key)];
    }

    /// <summary>PMI of a bigram from its counts (log base 2).</summary>
    public static double Pmi(long pair, long first, long second, long words) =>
        Math.Log2((double)pair * words / ((double)first * second));

    /// <summary>The bigram entries with PMI above <paramref name="threshold"/>, highest first, capped.</summary>
    public List<string> TopBigrams(double threshold = DefaultPmiThreshold)
    {
        var passing = new List<(string Entry, double Pmi, long Count)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var ((a, b), count) in _bigrams)
        {
            double pmi = Pmi(count, _unigrams[a], _unigrams[b], Words);
            if (pmi > threshold && EntryRules.Clean(tokenizer.Join(a, b)) is string entry)
            {
                passing.Add((entry, pmi, count));
            }
        }

        return [.. passing.OrderByDescending(p => p.Pmi).ThenByDescending(p => p.Count).ThenBy(p => p.Entry, StringComparer.Ordinal)
            .Select(p => p.Entry).Where(seen.Add).Take(MaxBigrams)];
    }
}
