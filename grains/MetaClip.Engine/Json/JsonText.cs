using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace MetaClip.Engine.Json;

/// <summary>
/// Small helpers to write JSON text by hand where output must be exact: strings keep non-ASCII characters
/// as they are and escape lone surrogates as <c>\uXXXX</c> (as Python's <c>json.dumps(ensure_ascii=False)</c>
/// does); floating-point numbers are printed shortest-round-trip.
/// </summary>
public static class JsonText
{
    // Characters that need a look: quote, backslash, controls, and every surrogate (lone ones are escaped).
    private static readonly SearchValues<char> Special = SearchValues.Create(
        "\"\\" + new string([.. Enumerable.Range(0, 0x20).Select(c => (char)c)]) + new string([.. Enumerable.Range(0xD800, 0x800).Select(c => (char)c)]));

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
            int at = rest.IndexOfAny(Special);
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

    /// <summary>Appends a float64 as <see cref="ShortestDouble"/> does, without allocating.</summary>
    public static StringBuilder AppendShortest(this StringBuilder builder, double value)
    {
        ArgumentNullException.ThrowIfNull(builder);
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
