using System.Globalization;
using System.Text;

namespace MetaClip.Engine.Metadata.Building;

/// <summary>
/// The reference's (MetaCLIP 2's <c>build_metadata.py</c>) rules for what becomes an entry. Every candidate
/// from Wikipedia (unigrams, bigrams, titles) is stripped (Python's <c>str.strip()</c>) and dropped when empty,
/// longer than <see cref="MaxLength"/> code points or made only of <see cref="IsPunctuation(char)">punctuation</see>.
/// WordNet lemmas: <c>+</c> removed in zh, ja and fr, stripped, dropped when empty or only punctuation (no
/// length limit). One rule of ours on top: a lone combining mark is never an entry.
/// </summary>
public static class EntryRules
{
    public const int MaxLength = 256;

    /// <summary>The reference's extra punctuation: CJK marks (and <c>¿</c>, <c>—</c>) beside Python's <c>string.punctuation</c>.</summary>
    public const string ExtraPunctuation = "，。、；：？¿！“”‘’（）【】《》〈〉「」『』～—";

    /// <summary>Python's <c>string.punctuation</c>: the 32 ASCII punctuation and symbol characters.</summary>
    public const string AsciiPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    /// <summary>The languages whose WordNet lemmas lose their <c>+</c> (the reference's zh, ja, fr).</summary>
    private static readonly HashSet<string> PlusLanguages = new(StringComparer.Ordinal) { "zh", "ja", "fr" };

    /// <summary>The entry as it goes into a list (stripped), or null when a rule rejects it.</summary>
    public static string? Clean(string candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var stripped = CurationText.Strip(candidate);
        if (stripped.IsEmpty || CodePoints(stripped) > MaxLength || IsPurePunctuation(stripped) || IsLoneMark(stripped))
        {
            return null;
        }

        return stripped.Length == candidate.Length ? candidate : stripped.ToString();
    }

    /// <summary>A WordNet lemma of <paramref name="language"/> as it goes into the list, or null.</summary>
    public static string? CleanLemma(string lemma, string language)
    {
        ArgumentNullException.ThrowIfNull(lemma);
        if (PlusLanguages.Contains(language) && lemma.Contains('+', StringComparison.Ordinal))
        {
            lemma = lemma.Replace("+", "", StringComparison.Ordinal);
        }

        var stripped = CurationText.Strip(lemma);
        if (stripped.IsEmpty || IsPurePunctuation(stripped) || IsLoneMark(stripped))
        {
            return null;
        }

        return stripped.Length == lemma.Length ? lemma : stripped.ToString();
    }

    /// <summary>The reference's punctuation: <see cref="AsciiPunctuation"/> or <see cref="ExtraPunctuation"/>.</summary>
    public static bool IsPunctuation(Rune rune) => rune.IsBmp && IsPunctuation((char)rune.Value);

    public static bool IsPunctuation(char c) =>
        c < 128 ? AsciiPunctuation.Contains(c, StringComparison.Ordinal) : ExtraPunctuation.Contains(c, StringComparison.Ordinal);

    /// <summary>True when every character is <see cref="IsPunctuation(char)">punctuation</see> (and, as in Python, for "").</summary>
    public static bool IsPurePunctuation(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!IsPunctuation(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One code point of a combining mark (Mn, Mc, Me): a Thai vowel or tone mark on its own, say.</summary>
    public static bool IsLoneMark(ReadOnlySpan<char> text) =>
        Rune.DecodeFromUtf16(text, out var rune, out int used) == System.Buffers.OperationStatus.Done && used == text.Length &&
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;

    /// <summary>Python's <c>len()</c>: code points.</summary>
    public static int CodePoints(ReadOnlySpan<char> text)
    {
        int n = 0;
        for (int i = 0; i < text.Length; i++)
        {
            n += char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 0 : 1;
        }

        return n;
    }
}

/// <summary>A list of entries in order that keeps the first occurrence of each (ordinal equality).</summary>
public sealed class OrderedEntries
{
    private readonly List<string> _entries = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public IReadOnlyList<string> Entries => _entries;

    /// <summary>Adds the entry unless it is already there; true when it was added.</summary>
    public bool Add(string entry)
    {
        if (!_seen.Add(entry))
        {
            return false;
        }

        _entries.Add(entry);
        return true;
    }

    /// <summary>Adds every entry not already there, in order; returns how many were added.</summary>
    public int AddRange(IEnumerable<string> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        int added = 0;
        foreach (string entry in entries)
        {
            added += Add(entry) ? 1 : 0;
        }

        return added;
    }

    /// <summary>
    /// The reference's capped walk: candidates in rank order, each cleaned by <see cref="EntryRules.Clean"/>;
    /// one not yet in the list is added and counted, and the walk stops once <paramref name="cap"/> new entries
    /// were added. As in the reference the count is checked after an addition, so a cap of 0 still adds the
    /// first new entry. Returns how many were added.
    /// </summary>
    public int AddCapped(IEnumerable<string> rankedCandidates, int cap)
    {
        ArgumentNullException.ThrowIfNull(rankedCandidates);
        int added = 0;
        foreach (string candidate in rankedCandidates)
        {
            if (EntryRules.Clean(candidate) is string entry && Add(entry) && ++added >= cap)
            {
                break;
            }
        }

        return added;
    }

    public bool Contains(string entry) => _seen.Contains(entry);
}

/// <summary>Python's string order: by code point (ordinal UTF-16 order differs for characters above the surrogates).</summary>
public sealed class CodePointComparer : IComparer<string>
{
    public static readonly CodePointComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }

        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            var a = Rune.GetRuneAt(x, i);
            var b = Rune.GetRuneAt(y, j);
            if (a != b)
            {
                return a.Value.CompareTo(b.Value);
            }

            i += a.Utf16SequenceLength;
            j += b.Utf16SequenceLength;
        }

        return (x.Length - i).CompareTo(y.Length - j);
    }
}
