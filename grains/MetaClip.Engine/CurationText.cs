using System.Runtime.CompilerServices;

namespace MetaClip.Engine;

/// <summary>
/// The text side of matching (docs/curation-spec.md §2.1–2.2): strip, then the spaced form that entries are
/// searched in. Works on spans and caller buffers so the hot path allocates nothing.
/// </summary>
public static class CurationText
{
    /// <summary>Characters that get a space on each side in the spaced form: <c>, . ; : ? !</c> and the backtick.</summary>
    public const string SplitCharacters = ",.;:?!`";

    /// <summary>
    /// Python's <c>str.isspace()</c> for a UTF-16 unit: every character .NET's <see cref="char.IsWhiteSpace(char)"/>
    /// accepts plus U+001C–U+001F (all whitespace is in the BMP).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsStripSpace(char c) => char.IsWhiteSpace(c) || (c >= '\u001C' && c <= '\u001F');

    /// <summary>Removes leading and trailing <see cref="IsStripSpace"/> characters.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ReadOnlySpan<char> Strip(ReadOnlySpan<char> text)
    {
        int start = 0, end = text.Length;
        while (start < end && IsStripSpace(text[start]))
        {
            start++;
        }

        while (end > start && IsStripSpace(text[end - 1]))
        {
            end--;
        }

        return text[start..end];
    }

    /// <summary>True when the text is null, empty or only whitespace: such a text is skipped before LID and matching.</summary>
    public static bool IsSkipped(string? text) => text is null || Strip(text).IsEmpty;

    /// <summary>The largest spaced length a stripped text of <paramref name="strippedLength"/> units can have.</summary>
    public static int MaxSpacedLength(int strippedLength) => checked((3 * strippedLength) + 2);

    /// <summary>
    /// Writes <c>" " + text + " "</c> with each split character surrounded by single spaces and each of
    /// <c>\t \n \r</c> replaced by one space. <paramref name="destination"/> must hold
    /// <see cref="MaxSpacedLength"/> units. Returns the number written.
    /// </summary>
    public static int WriteSpaced(ReadOnlySpan<char> stripped, Span<char> destination)
    {
        int n = 0;
        destination[n++] = ' ';
        foreach (char c in stripped)
        {
            switch (c)
            {
                case ',' or '.' or ';' or ':' or '?' or '!' or '`':
                    destination[n++] = ' ';
                    destination[n++] = c;
                    destination[n++] = ' ';
                    break;
                case '\t' or '\n' or '\r':
                    destination[n++] = ' ';
                    break;
                default:
                    destination[n++] = c;
                    break;
            }
        }

        destination[n++] = ' ';
        return n;
    }

    /// <summary>
    /// <see cref="WriteSpaced(ReadOnlySpan{char}, Span{char})"/> that also records, in <paramref name="spaces"/>
    /// (at least as long as the destination), the position of every space written. Returns the length written;
    /// <paramref name="spaceCount"/> receives the number of spaces.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int WriteSpaced(ReadOnlySpan<char> stripped, Span<char> destination, Span<int> spaces, out int spaceCount)
    {
        int n = 0, k = 0;
        spaces[k++] = n;
        destination[n++] = ' ';
        foreach (char c in stripped)
        {
            switch (c)
            {
                case ',' or '.' or ';' or ':' or '?' or '!' or '`':
                    spaces[k++] = n;
                    destination[n++] = ' ';
                    destination[n++] = c;
                    spaces[k++] = n;
                    destination[n++] = ' ';
                    break;
                case '\t' or '\n' or '\r' or ' ':
                    spaces[k++] = n;
                    destination[n++] = ' ';
                    break;
                default:
                    destination[n++] = c;
                    break;
            }
        }

        spaces[k++] = n;
        destination[n++] = ' ';
        spaceCount = k;
        return n;
    }

    /// <summary>The spaced form as a new string (tests, tools; the matcher uses <see cref="WriteSpaced(ReadOnlySpan{char}, Span{char})"/>).</summary>
    public static string ToSpaced(string text)
    {
        var stripped = Strip(text);
        var buffer = new char[MaxSpacedLength(stripped.Length)];
        int n = WriteSpaced(stripped, buffer);
        return new string(buffer, 0, n);
    }
}
