using System.Buffers;
using System.Text;

namespace MetaClip.Engine.Matching;

/// <summary>
/// Entry padding (docs/curation-spec.md §2.3): a space before an entry unless its first code point is
/// CJK-or-similar, and after it unless its last code point is. Decided per code point (<see cref="Rune"/>).
/// </summary>
public static class EntryPadding
{
    /// <summary>ASCII punctuation (Python's <c>string.punctuation</c>) and the CJK punctuation of the spec.</summary>
    public const string PunctuationCharacters = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~，。、；：？！“”‘’（）【】《》〈〉「」『』～—";

    private static readonly SearchValues<char> AsciiPunctuation = SearchValues.Create(PunctuationCharacters.Where(char.IsAscii).ToArray());

    private static readonly (int First, int Last)[] CjkRanges =
    [
        (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F), (0x2B740, 0x2B81F),
        (0x2B820, 0x2CEAF), (0x2CEB0, 0x2EBEF), (0xF900, 0xFAFF), (0x2E80, 0x2EFF), (0x2F00, 0x2FDF),
        (0x2FF0, 0x2FFF), (0x0E00, 0x0E7F), (0x0E80, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF),
        (0x0F00, 0x0FFF),
    ];

    /// <summary>True for a code point in the spec's CJK-or-similar ranges or one of its punctuation characters.</summary>
    public static bool IsCjkOrSimilar(int codePoint)
    {
        // Below the first range (Thai, U+0E00) only ASCII punctuation is in the set (the other punctuation
        // characters are from U+2014 up): most entries' ends are decided here without the range loop.
        if (codePoint < 0x0E00)
        {
            return codePoint is >= 0 and < 0x80 && AsciiPunctuation.Contains((char)codePoint);
        }

        foreach (var (first, last) in CjkRanges)
        {
            if (codePoint >= first && codePoint <= last)
            {
                return true;
            }
        }

        return codePoint <= 0xFFFF && PunctuationCharacters.Contains((char)codePoint, StringComparison.Ordinal);
    }

    /// <summary>The padded form of <paramref name="entry"/> under <paramref name="mode"/>.</summary>
    /// <exception cref="ArgumentException">The entry is empty (a list must never hold one).</exception>
    public static string Pad(string entry, CurationMode mode)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Length == 0)
        {
            throw new ArgumentException("An empty entry cannot be padded.", nameof(entry));
        }

        if (mode == CurationMode.V1)
        {
            return string.Concat(" ", entry, " ");
        }

        bool before = !IsCjkOrSimilar(FirstCodePoint(entry));
        bool after = !IsCjkOrSimilar(LastCodePoint(entry));
        return (before, after) switch
        {
            (true, true) => string.Concat(" ", entry, " "),
            (true, false) => " " + entry,
            (false, true) => entry + " ",
            _ => entry,
        };
    }

    /// <summary>
    /// True when <see cref="Pad"/> puts a space on both sides of <paramref name="entry"/> (the entry then goes to
    /// the <see cref="SpaceBoundedIndex"/>), without building the padded form.
    /// </summary>
    public static bool IsPaddedOnBothSides(ReadOnlySpan<char> entry, CurationMode mode)
    {
        if (entry.IsEmpty)
        {
            throw new ArgumentException("an entry is never empty", nameof(entry));
        }

        return mode == CurationMode.V1 || (!IsCjkOrSimilar(FirstCodePoint(entry)) && !IsCjkOrSimilar(LastCodePoint(entry)));
    }

    /// <summary>The first code point; a lone surrogate counts as its own code point, as in Python.</summary>
    internal static int FirstCodePoint(ReadOnlySpan<char> s) =>
        Rune.DecodeFromUtf16(s, out var rune, out _) == OperationStatus.Done ? rune.Value : s[0];

    /// <summary>The last code point; a lone surrogate counts as its own code point, as in Python.</summary>
    internal static int LastCodePoint(ReadOnlySpan<char> s) =>
        Rune.DecodeLastFromUtf16(s, out var rune, out _) == OperationStatus.Done ? rune.Value : s[^1];
}
