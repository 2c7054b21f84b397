using System.Globalization;
using System.Text;

namespace MetaClip.Json;

/// <summary>
/// Small helpers to write JSON text by hand where output must be exact: strings keep non-ASCII characters
/// as they are and escape lone surrogates as <c>\uXXXX</c> (as Python's <c>json.dumps(ensure_ascii=False)</c>
/// does); floating-point numbers are printed shortest-round-trip.
/// </summary>
public static class JsonText
{
    public static StringBuilder AppendString(this StringBuilder builder, string? value)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (value is null)
        {
            return builder.Append("null");
        }

        builder.Append('"');
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
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
                    if (c < ' ')
                    {
                        AppendEscape(builder, c);
                    }
                    else if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                    {
                        builder.Append(c).Append(value[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        AppendEscape(builder, c);
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.Append('"');
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
