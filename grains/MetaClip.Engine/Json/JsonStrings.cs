using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace MetaClip.Engine.Json;

/// <summary>
/// Reads JSON string tokens the way Python's <c>json</c> module does: escaped lone surrogates
/// (<c>"\udc00"</c>) are kept as the code units they name instead of being rejected, because real
/// crawls contain them and the reference treats them as ordinary code points. Raw bytes must be valid UTF-8.
/// </summary>
public static class JsonStrings
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The current token (a string or property name) as a .NET string.</summary>
    /// <exception cref="FormatException">Invalid UTF-8 or an invalid escape.</exception>
    public static string GetString(ref Utf8JsonReader reader)
    {
        ReadOnlySpan<byte> raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
        return reader.ValueIsEscaped ? Unescape(raw) : Decode(raw);
    }

    /// <summary>Which columns of a JSON line already took a value under a name written exactly as the column's.</summary>
    [Flags]
    public enum ExactNames : byte
    {
        None = 0,
        Text = 1,
        Uuid = 2,
        Url = 4,
        Lang = 8,
        Key = 16,
    }

    /// <summary>How a property name matches a column's name.</summary>
    public enum NameMatch : byte
    {
        None,
        IgnoringCase,
        Exact,
    }

    /// <summary>
    /// Whether a property name that matches a column's (<paramref name="match"/>) gives the column its value: unless the
    /// line already gave it under the exact name and this one differs in case. Notes an exact name in
    /// <paramref name="exact"/>.
    /// </summary>
    public static bool Takes(NameMatch match, ExactNames column, ref ExactNames exact)
    {
        if (match == NameMatch.Exact)
        {
            exact |= column;
            return true;
        }

        return match == NameMatch.IgnoringCase && (exact & column) == 0;
    }

    /// <summary>How the current token, read as text, matches <paramref name="name"/>: exactly, ignoring ASCII case, or not.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static NameMatch MatchName(ref Utf8JsonReader reader, string name) =>
        reader.ValueIsEscaped || reader.HasValueSequence ? Compare(GetString(ref reader), name) : MatchName(reader.ValueSpan, name);

    /// <summary>How a property name written without escapes (its UTF-8 bytes between the quotes) matches <paramref name="name"/>.</summary>
    /// <exception cref="FormatException">A non-ASCII name that is not valid UTF-8.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static NameMatch MatchName(ReadOnlySpan<byte> raw, string name)
    {
        if (raw.Length != name.Length)
        {
            // Non-ASCII names can differ in byte length; fall back to a full comparison.
            return Ascii.IsValid(raw) ? NameMatch.None : Compare(Decode(raw), name);
        }

        var match = NameMatch.Exact;
        for (int i = 0; i < raw.Length; i++)
        {
            int a = raw[i], b = name[i];
            if (a == b)
            {
                continue;
            }

            if (a >= 0x80 || b >= 0x80 || (a | 0x20) != (b | 0x20) || (a | 0x20) < 'a' || (a | 0x20) > 'z')
            {
                return Ascii.IsValid(raw) ? NameMatch.None : Compare(Decode(raw), name);
            }

            match = NameMatch.IgnoringCase;
        }

        return match;
    }

    private static NameMatch Compare(string text, string name) =>
        string.Equals(text, name, StringComparison.Ordinal) ? NameMatch.Exact
        : string.Equals(text, name, StringComparison.OrdinalIgnoreCase) ? NameMatch.IgnoringCase
        : NameMatch.None;

    /// <summary>Decodes unescaped string bytes into <paramref name="units"/> (at least one unit per byte); returns the units written.</summary>
    /// <exception cref="FormatException">Invalid UTF-8.</exception>
    internal static int Decode(ReadOnlySpan<byte> raw, Span<char> units)
    {
        try
        {
            return StrictUtf8.GetChars(raw, units);
        }
        catch (DecoderFallbackException e)
        {
            throw new FormatException("invalid UTF-8 in a string", e);
        }
    }

    internal static string Decode(ReadOnlySpan<byte> raw)
    {
        try
        {
            return StrictUtf8.GetString(raw);
        }
        catch (DecoderFallbackException e)
        {
            throw new FormatException("invalid UTF-8 in a string", e);
        }
    }

    private static string Unescape(ReadOnlySpan<byte> raw)
    {
        var builder = new StringBuilder(raw.Length);
        int i = 0;
        while (i < raw.Length)
        {
            int next = raw[i..].IndexOf((byte)'\\');
            if (next < 0)
            {
                builder.Append(Decode(raw[i..]));
                break;
            }

            if (next > 0)
            {
                builder.Append(Decode(raw.Slice(i, next)));
            }

            i += next;
            if (i + 1 >= raw.Length)
            {
                throw new FormatException("a string ends inside an escape");
            }

            byte e = raw[i + 1];
            switch (e)
            {
                case (byte)'"': builder.Append('"'); i += 2; break;
                case (byte)'\\': builder.Append('\\'); i += 2; break;
                case (byte)'/': builder.Append('/'); i += 2; break;
                case (byte)'b': builder.Append('\b'); i += 2; break;
                case (byte)'f': builder.Append('\f'); i += 2; break;
                case (byte)'n': builder.Append('\n'); i += 2; break;
                case (byte)'r': builder.Append('\r'); i += 2; break;
                case (byte)'t': builder.Append('\t'); i += 2; break;
                case (byte)'u':
                    if (i + 6 > raw.Length ||
                        !ushort.TryParse(Encoding.ASCII.GetString(raw.Slice(i + 2, 4)), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ushort unit))
                    {
                        throw new FormatException("an invalid \\u escape in a string");
                    }

                    builder.Append((char)unit);
                    i += 6;
                    break;
                default:
                    throw new FormatException($"an invalid escape '\\{(char)e}' in a string");
            }
        }

        return builder.ToString();
    }
}
