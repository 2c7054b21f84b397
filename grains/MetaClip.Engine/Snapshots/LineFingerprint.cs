using System.Runtime.CompilerServices;
using System.Text.Json;
using MetaClip.Engine.Json;

namespace MetaClip.Engine.Snapshots;

/// <summary>
/// The 64-bit fingerprint of a JSON line's image uuid (<see cref="ImageRanges.Fingerprint(ReadOnlySpan{char})"/>): the
/// uuid column's value, or the uuid derived from the url when there is none, as <see cref="JsonlUnitReader"/> takes
/// them; 0 for a blank line, a line without either, or a line that is not valid JSON (the reader names it when the unit
/// is read). <see cref="JsonlSplitter"/> takes one for every line of a file it splits.
/// </summary>
/// <remarks>
/// Most lines are one flat object whose names are written without escapes. Such a line is read by hand
/// (<see cref="TryFlat"/>): the string values it passes over are only searched for their closing quote, where
/// <see cref="Utf8JsonReader"/> checks every byte of them. Any other line (a nested value, an escaped name or uuid or
/// url, a number as the uuid, anything unexpected) is read by <see cref="Utf8JsonReader"/> (<see cref="ByReader"/>).
/// For every valid JSON line both give the same fingerprint (<c>LineFingerprintTests</c>); a line that is not valid JSON
/// may get another one from the flat reading, which can only move where a file is split: the line fails its unit when
/// the unit is read either way.
/// </remarks>
internal static class LineFingerprint
{
    /// <summary>The fingerprint of a line's uuid.</summary>
    /// <param name="line">The line, without its newline; a leading byte-order mark already removed.</param>
    /// <param name="columns">The snapshot's column names (the uuid's and the url's are read).</param>
    /// <param name="units">A scratch buffer for the uuid's UTF-16 units, grown when too small.</param>
    public static ulong Of(ReadOnlySpan<byte> line, SnapshotColumns columns, ref char[] units) =>
        TryFlat(line, columns, ref units, out ulong fingerprint) ? fingerprint : ByReader(line, columns, ref units);

    /// <summary>
    /// The fingerprint of a line that is one flat object with names and uuid and url written without escapes; false
    /// for any other line (it is then read by <see cref="ByReader"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool TryFlat(ReadOnlySpan<byte> line, SnapshotColumns columns, ref char[] units, out ulong fingerprint)
    {
        fingerprint = 0;
        int i = SkipSpace(line, 0);
        if (i >= line.Length || line[i] != (byte)'{')
        {
            return false;
        }

        i = SkipSpace(line, i + 1);
        if (i < line.Length && line[i] == (byte)'}')
        {
            return true; // {}: no uuid, no url
        }

        ulong uuid = 0;
        bool hasUrl = false;
        ReadOnlySpan<byte> url = default;
        var exact = JsonStrings.ExactNames.None;
        while (true)
        {
            // A name: a string without escapes, then a colon.
            if (i >= line.Length || line[i] != (byte)'"')
            {
                return false;
            }

            // Names are short: a byte loop finds their end sooner than a vector search.
            int nameEnd = i + 1;
            while (nameEnd < line.Length && line[nameEnd] is not ((byte)'"' or (byte)'\\'))
            {
                nameEnd++;
            }

            if (nameEnd >= line.Length || line[nameEnd] != (byte)'"')
            {
                return false; // no end, or an escape
            }

            var name = line[(i + 1)..nameEnd];
            i = SkipSpace(line, nameEnd + 1);
            if (i >= line.Length || line[i] != (byte)':')
            {
                return false;
            }

            i = SkipSpace(line, i + 1);
            if (i >= line.Length)
            {
                return false;
            }

            // As the reader takes them: a name written exactly as the column's wins over one in other case; the last counts.
            JsonStrings.NameMatch uuidMatch, urlMatch;
            try
            {
                uuidMatch = JsonStrings.MatchName(name, columns.Uuid);
                urlMatch = uuidMatch == JsonStrings.NameMatch.None ? JsonStrings.MatchName(name, columns.Url) : JsonStrings.NameMatch.None;
            }
            catch (FormatException)
            {
                return false; // a name that is not valid UTF-8
            }

            bool isUuid = JsonStrings.Takes(uuidMatch, JsonStrings.ExactNames.Uuid, ref exact);
            bool isUrl = !isUuid && JsonStrings.Takes(urlMatch, JsonStrings.ExactNames.Url, ref exact);
            byte first = line[i];
            if (first == (byte)'"')
            {
                int valueEnd = StringEnd(line, i + 1, out bool escaped);
                if (valueEnd < 0 || (escaped && (isUuid || isUrl)))
                {
                    return false;
                }

                var value = line[(i + 1)..valueEnd];
                if (isUuid)
                {
                    try
                    {
                        uuid = UnescapedFingerprint(value, isString: true, ref units);
                    }
                    catch (FormatException)
                    {
                        return false; // not valid UTF-8: the reader's way says what it says
                    }
                }

                if (isUrl)
                {
                    hasUrl = true;
                    url = value;
                }

                i = valueEnd + 1;
            }
            else if (first is (byte)'{' or (byte)'[')
            {
                return false;
            }
            else
            {
                // A number or a literal, up to the next delimiter.
                int start = i;
                while (i < line.Length && line[i] is not ((byte)',' or (byte)'}' or (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                {
                    i++;
                }

                if (isUuid || isUrl)
                {
                    var token = line[start..i];
                    if (!(token.SequenceEqual("null"u8) || token.SequenceEqual("true"u8) || token.SequenceEqual("false"u8)))
                    {
                        return false; // a number as the uuid (its text is the uuid) or as the url: the reader's way
                    }

                    if (isUuid)
                    {
                        uuid = 0;
                    }
                    else
                    {
                        hasUrl = false;
                    }
                }
            }

            i = SkipSpace(line, i);
            if (i >= line.Length)
            {
                return false;
            }

            if (line[i] == (byte)'}')
            {
                break;
            }

            if (line[i] != (byte)',')
            {
                return false;
            }

            i = SkipSpace(line, i + 1);
        }

        if (uuid != 0)
        {
            fingerprint = uuid;
            return true;
        }

        if (!hasUrl)
        {
            return true;
        }

        try
        {
            // An empty url is a value too: the reader derives one uuid from it for all such rows.
            fingerprint = ImageRanges.Fingerprint(ImageUuid.FromUrl(JsonStrings.Decode(url)));
            return true;
        }
        catch (FormatException)
        {
            return false; // not valid UTF-8
        }
    }

    /// <summary>The fingerprint of <paramref name="line"/> as <see cref="Utf8JsonReader"/> reads it.</summary>
    /// <remarks>
    /// The uuid is not made into a string: its UTF-16 units are decoded into <paramref name="units"/> and hashed there
    /// (the same bytes <see cref="ImageRanges.Fingerprint(string)"/> hashes). Like the reader, the last uuid value of a
    /// line counts. Escaped values (rare) and urls go through strings.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static ulong ByReader(ReadOnlySpan<byte> line, SnapshotColumns columns, ref char[] units)
    {
        if (line.Trim(" \t\r"u8).IsEmpty)
        {
            return 0;
        }

        ulong uuid = 0;
        string? url = null;
        var exact = JsonStrings.ExactNames.None;
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return 0;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var uuidMatch = JsonStrings.MatchName(ref reader, columns.Uuid);
                var urlMatch = uuidMatch == JsonStrings.NameMatch.None ? JsonStrings.MatchName(ref reader, columns.Url) : JsonStrings.NameMatch.None;
                if (JsonStrings.Takes(uuidMatch, JsonStrings.ExactNames.Uuid, ref exact))
                {
                    reader.Read();
                    uuid = reader.TokenType is JsonTokenType.String or JsonTokenType.Number ? ValueFingerprint(ref reader, ref units) : 0;
                }
                else if (JsonStrings.Takes(urlMatch, JsonStrings.ExactNames.Url, ref exact))
                {
                    reader.Read();
                    url = reader.TokenType == JsonTokenType.String ? JsonStrings.GetString(ref reader) : null;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return 0; // the reader names the bad line when the unit is read
        }

        if (uuid != 0)
        {
            return uuid;
        }

        // An empty url is a value too: the reader derives one uuid from it for all such rows.
        return url is null ? 0 : ImageRanges.Fingerprint(ImageUuid.FromUrl(url));
    }

    /// <summary>
    /// The fingerprint of the current string or number token's text, as the reader reads it (0 for an empty
    /// string: the reader then derives the uuid from the url).
    /// </summary>
    /// <exception cref="FormatException">Invalid UTF-8.</exception>
    private static ulong ValueFingerprint(ref Utf8JsonReader reader, ref char[] units)
    {
        if (reader.ValueIsEscaped)
        {
            string text = JsonStrings.GetString(ref reader); // only strings have escapes; the line is one span
            return text.Length == 0 ? 0 : ImageRanges.Fingerprint(text);
        }

        return UnescapedFingerprint(reader.ValueSpan, reader.TokenType == JsonTokenType.String, ref units);
    }

    /// <summary>
    /// The fingerprint of a uuid written without escapes: a string's contents, or a number's text; 0 when empty (the
    /// reader then derives the uuid from the url). Its UTF-16 units are decoded into <paramref name="units"/> (grown
    /// when too small), not made into a string.
    /// </summary>
    /// <exception cref="FormatException">A string that is not valid UTF-8.</exception>
    private static ulong UnescapedFingerprint(ReadOnlySpan<byte> raw, bool isString, ref char[] units)
    {
        if (raw.IsEmpty)
        {
            return 0;
        }

        if (raw.Length > units.Length)
        {
            units = new char[Math.Max(raw.Length, units.Length * 2)];
        }

        // At most one UTF-16 unit per byte. Strings are strict (as JsonStrings decodes them); a number's bytes are ASCII.
        int length = isString ? JsonStrings.Decode(raw, units) : System.Text.Encoding.UTF8.GetChars(raw, units);
        return ImageRanges.Fingerprint(units.AsSpan(0, length));
    }

    /// <summary>Where the string whose contents start at <paramref name="from"/> ends (its closing quote), or -1 when it does not.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int StringEnd(ReadOnlySpan<byte> line, int from, out bool escaped)
    {
        escaped = false;
        while (from <= line.Length)
        {
            int at = line[from..].IndexOfAny((byte)'"', (byte)'\\');
            if (at < 0)
            {
                return -1;
            }

            at += from;
            if (line[at] == (byte)'"')
            {
                return at;
            }

            escaped = true;
            from = at + 2; // the escaped byte; a \u escape's four hex digits hold no quote or backslash
        }

        return -1;
    }

    /// <summary>The first position at or after <paramref name="from"/> that is not JSON whitespace.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipSpace(ReadOnlySpan<byte> line, int from)
    {
        while (from < line.Length && line[from] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            from++;
        }

        return from;
    }
}
