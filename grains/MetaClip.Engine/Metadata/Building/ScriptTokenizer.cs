using System.Globalization;
using System.Text;

namespace MetaClip.Engine.Metadata.Building;

/// <summary>
/// Words of Wikipedia text, for counting unigrams and bigrams. A text is cut into <em>runs</em> at whitespace,
/// punctuation (P*), symbols (S*) and control characters; a bigram never spans a cut of punctuation, a line
/// or a sentence (only a space). In languages written with spaces each run is a word. In languages written
/// without them (<see cref="IsUnspaced"/>) a run is segmented by forward maximum matching against the
/// language's own lexicon (its WordNet lemmas and any other words the builder knows for it): at each position
/// the longest lexicon word, up to <see cref="MaxWordLength"/> characters, else one character. This is an
/// approximation of the reference's MeCab (ja), CKIP (zh) and Thai segmenters, not a reproduction.
/// </summary>
public sealed class ScriptTokenizer
{
    /// <summary>The longest lexicon word tried by the segmenter, in UTF-16 units.</summary>
    public const int MaxWordLength = 16;

    private static readonly HashSet<string> UnspacedBases = new(StringComparer.Ordinal) { "bo", "dz", "ja", "km", "lo", "my", "th", "zh" };

    private readonly HashSet<string>? _lexicon;
    private readonly int _longest;

    public ScriptTokenizer(string language, IEnumerable<string>? lexicon = null)
    {
        ArgumentNullException.ThrowIfNull(language);
        Unspaced = IsUnspaced(language);
        if (Unspaced)
        {
            _lexicon = new HashSet<string>(StringComparer.Ordinal);
            foreach (string word in lexicon ?? [])
            {
                if (word.Length is > 1 and <= MaxWordLength && !word.Contains(' ', StringComparison.Ordinal))
                {
                    _lexicon.Add(word);
                    _longest = Math.Max(_longest, word.Length);
                }
            }
        }
    }

    /// <summary>True for a language written without spaces: bo, dz, ja, km, lo, my, th, zh and their variants (zh_yue, …).</summary>
    public bool Unspaced { get; }

    public static bool IsUnspaced(string language)
    {
        ArgumentNullException.ThrowIfNull(language);
        int cut = language.IndexOf('_', StringComparison.Ordinal);
        return UnspacedBases.Contains(cut < 0 ? language : language[..cut]);
    }

    /// <summary>How a bigram of this language is written: with a space between its words, or none.</summary>
    public string Join(string first, string second) => Unspaced ? first + second : first + " " + second;

    /// <summary>
    /// The words of <paramref name="text"/>, as <c>(word, follows)</c>: <c>follows</c> is true when the word
    /// continues a phrase with the previous one (they may form a bigram).
    /// </summary>
    public IEnumerable<(string Word, bool Follows)> Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        bool follows = false;
        int i = 0;
        while (i < text.Length)
        {
            var rune = Rune.GetRuneAt(text, i);
            if (Rune.IsWhiteSpace(rune))
            {
                i += rune.Utf16SequenceLength;
                continue;
            }

            if (IsCut(rune))
            {
                follows = false;
                i += rune.Utf16SequenceLength;
                continue;
            }

            int start = i;
            while (i < text.Length)
            {
                var r = Rune.GetRuneAt(text, i);
                if (Rune.IsWhiteSpace(r) || IsCut(r))
                {
                    break;
                }

                i += r.Utf16SequenceLength;
            }

            if (!Unspaced)
            {
                yield return (text[start..i], follows);
                follows = true;
                continue;
            }

            foreach (string word in Segment(text[start..i]))
            {
                yield return (word, follows);
                follows = true;
            }
        }
    }

    /// <summary>Forward maximum matching of one run against the lexicon.</summary>
    public IEnumerable<string> Segment(string run)
    {
        ArgumentNullException.ThrowIfNull(run);
        int i = 0;
        while (i < run.Length)
        {
            int take = char.IsHighSurrogate(run[i]) && i + 1 < run.Length ? 2 : 1;
            for (int length = Math.Min(_longest, run.Length - i); length > take; length--)
            {
                if (_lexicon!.Contains(run.Substring(i, length)))
                {
                    take = length;
                    break;
                }
            }

            yield return run.Substring(i, take);
            i += take;
        }
    }

    private static bool IsCut(Rune rune) => Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation or
        UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation or
        UnicodeCategory.OtherPunctuation or UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or
        UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol or UnicodeCategory.Control or UnicodeCategory.Format;
}
