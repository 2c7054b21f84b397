using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace MetaClip.Engine.Json;

/// <summary>
/// Small helpers to write JSON text by hand where output must be exact: strings keep non-ASCII characters
/// as they are and escape lone surrogates as <c>\uXXXX</c> (as Python's <c>json.dumps(ensure_ascii=False)</c>
/// does); floating-point numbers are printed shortest-round-trip.
/// </summary>
public static class JsonText
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static StringBuilder AppendString(this StringBuilder builder, string? value)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (value is null)
        {
            return builder.Append("null");
        }

        builder.Append('"');
        var rest = value.AsSpan();
        while (true)
        {
            int at = IndexOfSpecial(rest);
            if (at < 0)
            {
                builder.Append(rest);
                break;
            }

            builder.Append(rest[..at]);
            char c = rest[at];
            int consumed = 1;
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                default:
                    if (char.IsHighSurrogate(c) && at + 1 < rest.Length && char.IsLowSurrogate(rest[at + 1]))
                    {
                        builder.Append(c).Append(rest[at + 1]);
                        consumed = 2;
                    }
                    else
                    {
                        AppendEscape(builder, c);
                    }

                    break;
            }

            rest = rest[(at + consumed)..];
        }

        return builder.Append('"');
    }

    /// <summary>
    /// The first character of <paramref name="text"/> that needs a look (quote, backslash, a control character, any
    /// surrogate: a pair is kept, a lone one escaped), or -1. Sixteen characters at a time: a search for this set through
    /// <c>SearchValues</c> (ASCII and the surrogates together) took a probabilistic path, twice as slow on curated lines.
    /// </summary>
    internal static int IndexOfSpecial(ReadOnlySpan<char> text)
    {
        ref ushort start = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text));
        int i = 0;
        if (Vector256.IsHardwareAccelerated && text.Length >= Vector256<ushort>.Count)
        {
            var space = Vector256.Create((ushort)0x20);
            var quote = Vector256.Create((ushort)'"');
            var backslash = Vector256.Create((ushort)'\\');
            var surrogates = Vector256.Create((ushort)0xD800);
            var surrogateCount = Vector256.Create((ushort)0x800);
            for (; i <= text.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var v = Vector256.LoadUnsafe(ref start, (nuint)i);
                var special = Vector256.LessThan(v, space) | Vector256.Equals(v, quote) | Vector256.Equals(v, backslash)
                    | Vector256.LessThan(v - surrogates, surrogateCount);
                if (special != Vector256<ushort>.Zero)
                {
                    return i + BitOperations.TrailingZeroCount(special.ExtractMostSignificantBits());
                }
            }
        }

        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (c < 0x20 || c == '"' || c == '\\' || char.IsSurrogate(c))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Appends a float64 as <see cref="ShortestDouble"/> does, without allocating.</summary>
    public static StringBuilder AppendShortest(this StringBuilder builder, double value)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (value == 1.0)
        {
            // Most curated rows and decisions have probability 1 (a text with an entry of the tail).
            return builder.Append("1.0");
        }

        Span<char> buffer = stackalloc char[32];
        value.TryFormat(buffer, out int n, "R", CultureInfo.InvariantCulture);
        builder.Append(buffer[..n]);
        return buffer[..n].IndexOfAny(".EeN") >= 0 || buffer[..n].Contains("Infinity", StringComparison.Ordinal) ? builder : builder.Append(".0");
    }

    /// <summary>A float32 as the shortest decimal that parses back to the same float32 (<c>1.0</c>, not <c>1</c>).</summary>
    public static string ShortestSingle(float value) => WithPoint(value.ToString("R", CultureInfo.InvariantCulture));

    /// <summary>A float64 as the shortest decimal that parses back to the same float64.</summary>
    public static string ShortestDouble(double value) => WithPoint(value.ToString("R", CultureInfo.InvariantCulture));

    private static string WithPoint(string s) =>
        s.AsSpan().IndexOfAny(".EeN") >= 0 || s.Contains("Infinity", StringComparison.Ordinal) ? s : s + ".0";

    private static void AppendEscape(StringBuilder builder, char c) =>
        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
}
