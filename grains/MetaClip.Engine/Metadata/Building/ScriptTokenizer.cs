using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace MetaClip.Engine.Metadata.Building;

/// <summary>
/// Tokens of Wikipedia text by the reference's rules (<c>build_ngram.py</c>). HTML tags (<c>&lt;…&gt;</c>,
/// escaped or not, within a line) are removed first. In a language written with spaces a token ends at white
/// space, and every CJK, Thai, Lao, Myanmar, Khmer or Tibetan character and every
/// <see cref="EntryRules.IsPunctuation(char)">punctuation</see> character is a token of its own. In a language
/// written without spaces (<see cref="Segmenters.IsUnspaced"/>) the text is split at white space and each
/// piece is cut into words by the language's segmenter (<see cref="Segmenters"/>). What the counting does with
/// the tokens is <see cref="NgramCounts"/>'s.
/// </summary>
public sealed partial class ScriptTokenizer(string language, IWordSegmenter? segmenter = null)
{
    private IWordSegmenter? _segmenter = segmenter;

    /// <summary>True for a language written without spaces: the reference's bo, dz, ja, km, lo, my, ryu, th, zh, zh_classical, zh_yue.</summary>
    public bool Unspaced { get; } = Segmenters.IsUnspaced(language ?? throw new ArgumentNullException(nameof(language)));

    public string Language { get; } = language;

    /// <summary>The segmenter used so far (null for a language with spaces, or before any text).</summary>
    public IWordSegmenter? Segmenter => _segmenter;

    /// <summary>How a bigram of this language is written: with a space between its words, or none.</summary>
    public string Join(string first, string second) => Unspaced ? first + second : first + " " + second;

    /// <summary>The line without HTML tags (the reference's <c>(&amp;lt;.*?&amp;gt;|&lt;.*?&gt;)</c>).</summary>
    public static string RemoveHtmlTags(string line) => HtmlTag().Replace(line, "");

    /// <summary>The tokens of one line, each with <c>Word</c> false when the segmenter says it is not a word.</summary>
    public IEnumerable<(string Token, bool Word)> Tokens(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        string text = RemoveHtmlTags(line);
        return Unspaced ? Segmented(text) : Simple(text);
    }

    /// <summary>The reference's <c>is_cjk_or_similar</c> without its punctuation: the scripts whose characters are tokens of their own.</summary>
    public static bool IsSingleCharacterScript(int c) =>
        c is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2B73F)
            or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF) or (>= 0x2CEB0 and <= 0x2EBEF) or (>= 0xF900 and <= 0xFAFF)
            or (>= 0x2E80 and <= 0x2EFF) or (>= 0x2F00 and <= 0x2FDF) or (>= 0x2FF0 and <= 0x2FFF)
        || IsSyllabicScript(c);

    /// <summary>Thai, Lao, Myanmar, Khmer, Tibetan: scripts whose single characters are letters or marks, not words.</summary>
    public static bool IsSyllabicScript(int c) =>
        c is (>= 0x0E00 and <= 0x0E7F) or (>= 0x0E80 and <= 0x0EFF) or (>= 0x1000 and <= 0x109F) or (>= 0x1780 and <= 0x17FF) or (>= 0x0F00 and <= 0x0FFF);

    private static IEnumerable<(string, bool)> Simple(string text)
    {
        var current = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsSingleCharacterScript(rune.Value) || EntryRules.IsPunctuation(rune))
            {
                if (current.Length > 0)
                {
                    yield return (current.ToString(), true);
                    current.Clear();
                }

                yield return (rune.ToString(), true);
            }
            else if (rune.IsBmp && CurationText.IsStripSpace((char)rune.Value))
            {
                if (current.Length > 0)
                {
                    yield return (current.ToString(), true);
                    current.Clear();
                }
            }
            else
            {
                current.Append(rune.ToString());
            }
        }

        if (current.Length > 0)
        {
            yield return (current.ToString(), true);
        }
    }

    private IEnumerable<(string, bool)> Segmented(string text)
    {
        int i = 0;
        while (i < text.Length)
        {
            if (CurationText.IsStripSpace(text[i]))
            {
                i++;
                continue;
            }

            int start = i;
            while (i < text.Length && !CurationText.IsStripSpace(text[i]))
            {
                i++;
            }

            _segmenter ??= Segmenters.For(Language);
            foreach (var token in _segmenter.Segment(text[start..i]))
            {
                yield return token;
            }
        }
    }

    /// <summary>
    /// True for a token that never counts (and breaks the bigram chain), beyond the reference's rules: a lone
    /// combining mark anywhere; in a language with spaces a single Thai, Lao, Myanmar, Khmer or Tibetan
    /// character; in a language without spaces a single character that is a mark, punctuation, symbol, separator
    /// or control character.
    /// </summary>
    public bool IsNotAWord(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (EntryRules.IsLoneMark(token))
        {
            return true;
        }

        if (Rune.DecodeFromUtf16(token, out var rune, out int used) != System.Buffers.OperationStatus.Done || used != token.Length)
        {
            return false;
        }

        return Unspaced
            ? Rune.GetUnicodeCategory(rune) is not (UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber)
            : IsSyllabicScript(rune.Value);
    }

    /// <summary>The reference's <c>check_weird_token</c> (no-space languages): starts with punctuation, or has one of a bracket or quote pair without the other.</summary>
    public static bool IsWeird(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (token.Length > 0 && EntryRules.IsPunctuation(Rune.GetRuneAt(token, 0)))
        {
            return true;
        }

        foreach (var (open, close) in Pairs)
        {
            bool hasOpen = token.Contains(open, StringComparison.Ordinal), hasClose = token.Contains(close, StringComparison.Ordinal);
            if (hasOpen != hasClose)
            {
                return true;
            }
        }

        return false;
    }

    // The reference's pairs, "『 " (with its space) included: a token never holds a space, so any "』" is unpaired.
    private static readonly (string Open, string Close)[] Pairs =
        [("(", ")"), ("[", "]"), ("{", "}"), ("“", "”"), ("‘", "’"), ("（", "）"), ("【", "】"), ("《", "》"), ("〈", "〉"), ("「", "」"), ("『 ", "』")];

    [GeneratedRegex("(&lt;.*?&gt;|<.*?>)")]
    private static partial Regex HtmlTag();
}
