using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    /// (at least <see cref="MaxSpacedLength"/> places, as the destination), the position of every space written. Returns the length written;
    /// <paramref name="spaceCount"/> receives the number of spaces. Sixteen characters at a time where none of them is a
    /// split character (most of a text): copied at once with <c>\t \n \r</c> made spaces, and the spaces' positions
    /// taken from a bit mask; one by one otherwise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int WriteSpaced(ReadOnlySpan<char> stripped, Span<char> destination, Span<int> spaces, out int spaceCount)
    {
        int n = 0, k = 0;
        spaces[k++] = n;
        destination[n++] = ' ';
        int i = 0;
        int blocks = stripped.Length - Vector256<ushort>.Count;
        if (Vector256.IsHardwareAccelerated && blocks >= 0)
        {
            // Each block writes 16 units at n, which is at most 3·i + 1 before character i: inside MaxSpacedLength.
            int most = MaxSpacedLength(stripped.Length);
            if (destination.Length < most || spaces.Length < most)
            {
                throw new ArgumentException($"the destination and the spaces must hold {most:N0} places each (MaxSpacedLength)");
            }

            ref ushort source = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(stripped));
            ref ushort target = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(destination));
            var space = Vector256.Create((ushort)' ');
            var tab = Vector256.Create((ushort)'\t');
            var newline = Vector256.Create((ushort)'\n');
            var carriageReturn = Vector256.Create((ushort)'\r');
            var comma = Vector256.Create((ushort)',');
            var period = Vector256.Create((ushort)'.');
            var semicolon = Vector256.Create((ushort)';');
            var colon = Vector256.Create((ushort)':');
            var question = Vector256.Create((ushort)'?');
            var exclamation = Vector256.Create((ushort)'!');
            var backtick = Vector256.Create((ushort)'`');
            while (i <= blocks)
            {
                var v = Vector256.LoadUnsafe(ref source, (nuint)i);
                var split = Vector256.Equals(v, comma) | Vector256.Equals(v, period) | Vector256.Equals(v, semicolon) | Vector256.Equals(v, colon)
                    | Vector256.Equals(v, question) | Vector256.Equals(v, exclamation) | Vector256.Equals(v, backtick);
                if (split != Vector256<ushort>.Zero)
                {
                    int end = i + Vector256<ushort>.Count;
                    for (; i < end; i++)
                    {
                        PutSpaced(stripped[i], destination, spaces, ref n, ref k);
                    }

                    continue;
                }

                var blank = Vector256.Equals(v, space) | Vector256.Equals(v, tab) | Vector256.Equals(v, newline) | Vector256.Equals(v, carriageReturn);
                Vector256.ConditionalSelect(blank, space, v).StoreUnsafe(ref target, (nuint)n);
                for (uint bits = blank.ExtractMostSignificantBits(); bits != 0; bits &= bits - 1)
                {
                    spaces[k++] = n + BitOperations.TrailingZeroCount(bits);
                }

                n += Vector256<ushort>.Count;
                i += Vector256<ushort>.Count;
            }
        }

        for (; i < stripped.Length; i++)
        {
            PutSpaced(stripped[i], destination, spaces, ref n, ref k);
        }

        spaces[k++] = n;
        destination[n++] = ' ';
        spaceCount = k;
        return n;
    }

    /// <summary>One character of the spaced form, recording the spaces it writes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutSpaced(char c, Span<char> destination, Span<int> spaces, ref int n, ref int k)
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

    /// <summary>The spaced form as a new string (tests, tools; the matcher uses <see cref="WriteSpaced(ReadOnlySpan{char}, Span{char})"/>).</summary>
    public static string ToSpaced(string text)
    {
        var stripped = Strip(text);
        var buffer = new char[MaxSpacedLength(stripped.Length)];
        int n = WriteSpaced(stripped, buffer);
        return new string(buffer, 0, n);
    }
}
