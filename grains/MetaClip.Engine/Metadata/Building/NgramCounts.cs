namespace MetaClip.Engine.Metadata.Building;

/// <summary>
/// Unigram and bigram counts of one language's text by the reference's <c>count_ngrams</c>, and the ranked
/// candidates the recipe walks. Each token is stripped; an empty one is passed over; a token made only of
/// punctuation, a "weird" token of a no-space language (<see cref="ScriptTokenizer.IsWeird"/>) and a token
/// that is <see cref="ScriptTokenizer.IsNotAWord">not a word</see> are left out and break the bigram chain.
/// The chain runs on over lines within one file (the reference reads a file as one text) and restarts with
/// each file (<see cref="BeginFile"/>). PMI = log2(count(a b) · N / (count(a) · count(b))), N the words
/// counted. Ties are broken in ordinal order, so the ranking is deterministic.
/// </summary>
public sealed class NgramCounts(ScriptTokenizer tokenizer)
{
    public const int MaxUnigrams = 251_465;
    public const double UnigramShare = 0.10;
    public const int MaxBigrams = 100_646;
    public const double DefaultPmiThreshold = 30;

    private readonly Dictionary<string, long> _unigrams = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), long> _bigrams = [];
    private string? _previous;

    public ScriptTokenizer Tokenizer => tokenizer;

    /// <summary>Words counted (N).</summary>
    public long Words { get; private set; }

    /// <summary>The language's unigrams as counted (the reference's <c>len(data_ngram["unigram"])</c>: the unigram cap's base).</summary>
    public int DistinctUnigrams => _unigrams.Count;

    /// <summary>The language's bigrams as counted (the bigram cap's base).</summary>
    public int DistinctBigrams => _bigrams.Count;

    /// <summary>The unigram cap: <c>min(251,465, ⌊10 % of <see cref="DistinctUnigrams"/>⌋)</c>.</summary>
    public int UnigramCap => (int)Math.Min(MaxUnigrams, Math.Floor(UnigramShare * DistinctUnigrams));

    /// <summary>The bigram cap: <c>min(100,646, <see cref="DistinctBigrams"/>)</c>.</summary>
    public int BigramCap => Math.Min(MaxBigrams, DistinctBigrams);

    /// <summary>A new file: the bigram chain restarts.</summary>
    public void BeginFile() => _previous = null;

    /// <summary>Counts the tokens of one line of text (the chain goes on from the previous line of the file).</summary>
    public void AddText(string text)
    {
        foreach (var (raw, word) in tokenizer.Tokens(text))
        {
            string token = CurationText.Strip(raw) is var s && s.Length == raw.Length ? raw : s.ToString();
            if (token.Length == 0)
            {
                continue;
            }

            if (EntryRules.IsPurePunctuation(token) || (tokenizer.Unspaced && ScriptTokenizer.IsWeird(token)) || !word || tokenizer.IsNotAWord(token))
            {
                _previous = null;
                continue;
            }

            _unigrams[token] = _unigrams.GetValueOrDefault(token) + 1;
            Words++;
            if (_previous is not null)
            {
                var key = (_previous, token);
                _bigrams[key] = _bigrams.GetValueOrDefault(key) + 1;
            }

            _previous = token;
        }
    }

    /// <summary>Adds a counted word (a frequency list's line): unigram counts only, no bigrams.</summary>
    public void AddUnigram(string word, long count)
    {
        ArgumentNullException.ThrowIfNull(word);
        _unigrams[word] = _unigrams.GetValueOrDefault(word) + count;
        Words += count;
    }

    /// <summary>The unigrams as counted, most frequent first (ties in ordinal order): the candidates the capped walk takes.</summary>
    public List<string> RankedUnigrams() =>
        [.. _unigrams.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Key)];

    /// <summary>The unigram entries (cleaned, distinct) that the recipe's walk adds to an empty list.</summary>
    public List<string> TopUnigrams()
    {
        var entries = new OrderedEntries();
        entries.AddCapped(RankedUnigrams(), UnigramCap);
        return [.. entries.Entries];
    }

    /// <summary>PMI of a bigram from its counts (log base 2).</summary>
    public static double Pmi(long pair, long first, long second, long words) =>
        Math.Log2((double)pair * words / ((double)first * second));

    /// <summary>The bigrams with PMI above <paramref name="threshold"/>, highest first (ties in ordinal order of "a b"), as written in the language.</summary>
    public List<string> RankedBigrams(double threshold = DefaultPmiThreshold)
    {
        var passing = new List<(string Key, string Entry, double Pmi)>();
        foreach (var ((a, b), count) in _bigrams)
        {
            double pmi = Pmi(count, _unigrams[a], _unigrams[b], Words);
            if (pmi > threshold)
            {
                passing.Add((a + " " + b, tokenizer.Join(a, b), pmi));
            }
        }

        return [.. passing.OrderByDescending(p => p.Pmi).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Entry)];
    }

    /// <summary>The bigram entries (cleaned, distinct) that the recipe's walk adds to an empty list.</summary>
    public List<string> TopBigrams(double threshold = DefaultPmiThreshold)
    {
        var entries = new OrderedEntries();
        entries.AddCapped(RankedBigrams(threshold), BigramCap);
        return [.. entries.Entries];
    }
}
