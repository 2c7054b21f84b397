using System.Runtime.CompilerServices;
using System.Text.Json;
using MetaClip.Engine.Json;
using MetaClip.Engine.Metadata;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Snapshots;

/// <summary>
/// Reads a JSON Lines file (optionally gzip-compressed) as one unit, or a byte range of it (a split unit,
/// <see cref="UnitRange"/>): one JSON object per line.
/// </summary>
public static class JsonlUnitReader
{
    public static Task<UnitRows> ReadAsync(SnapshotFile file, SnapshotColumns columns, CancellationToken cancellationToken) =>
        ReadAsync(DataStore.Local, new SnapshotUnit(file, -1), columns, cancellationToken);

    public static Task<UnitRows> ReadAsync(DataStore store, SnapshotFile file, SnapshotColumns columns, CancellationToken cancellationToken) =>
        ReadAsync(store, new SnapshotUnit(file, -1), columns, cancellationToken);

    /// <summary>Reads a whole file's unit, or only the bytes of its range.</summary>
    public static async Task<UnitRows> ReadAsync(DataStore store, SnapshotUnit unit, SnapshotColumns columns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(unit);
        ArgumentNullException.ThrowIfNull(columns);
        var file = unit.File;
        RentedBytes bytes;
        try
        {
            bytes = unit.Range is UnitRange range
                ? await ReadRangeAsync(store, file, range, cancellationToken).ConfigureAwait(false)
                : await ReadAllAsync(store, file, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw new CurationException($"snapshot file {file.Name}: not a valid gzip file: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new CurationException($"snapshot file {file.Name}: cannot be read: {e.Message}", e);
        }

        try
        {
            return Parse(unit, bytes.Array, bytes.Length, columns);
        }
        finally
        {
            bytes.Release();
        }
    }

    /// <summary>Where in the line the JSON went wrong (the reader sees one line, so its position is the line's byte).</summary>
    private static string At(JsonException e) => e.BytePositionInLine is { } position ? $" at byte {position + 1} of the line" : "";

    /// <summary>
    /// The reader's message without its own position (" LineNumber: 0 | BytePositionInLine: 29.", counted in the one
    /// line it was given, which contradicted the file's line number beside it).
    /// </summary>
    private static string WithoutPosition(string message)
    {
        int at = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        if (at < 0)
        {
            return message;
        }

        string kept = message[..at].TrimEnd();
        return kept.EndsWith('|') ? kept[..^1].TrimEnd() : kept;
    }

    private static async Task<RentedBytes> ReadAllAsync(DataStore store, SnapshotFile file, CancellationToken cancellationToken)
    {
        if (file.Format != SnapshotFormat.JsonlGzip && !DataStore.IsBlob(file.Path))
        {
            // A local file's size is known: its bytes go into a rented array.
            await using var stream = await store.OpenReadAsync(file.Path, cancellationToken).ConfigureAwait(false);
            return await ReadExactlyAsync(stream, stream.Length, file, 0, cancellationToken).ConfigureAwait(false);
        }

        byte[] stored = await store.ReadAllBytesAsync(file.Path, cancellationToken).ConfigureAwait(false);
        if (file.Format != SnapshotFormat.JsonlGzip)
        {
            return RentedBytes.Whole(stored);
        }

        await using var gzip = new GzipMembers(new MemoryStream(stored));
        using var memory = new MemoryStream();
        await gzip.CopyToAsync(memory, cancellationToken).ConfigureAwait(false);
        return RentedBytes.Whole(memory.ToArray());
    }

    /// <summary>
    /// The bytes of a range: a plain file is read from its start offset; a gzip file is decompressed, from where the
    /// last range of this process stopped (<see cref="GzipRead.Pool"/>) or from its beginning, and the bytes before the
    /// range are passed over (gzip has no index to seek by).
    /// </summary>
    private static async Task<RentedBytes> ReadRangeAsync(DataStore store, SnapshotFile file, UnitRange range, CancellationToken cancellationToken)
    {
        if (range.Length > Array.MaxLength)
        {
            throw new CurationException($"snapshot file {file.Name}: range {range.Start}-{range.End} is larger than one unit can be; give a smaller --shard-size");
        }

        await using var stored = await store.OpenReadAsync(file.Path, cancellationToken).ConfigureAwait(false);
        if (file.Format == SnapshotFormat.JsonlGzip)
        {
            // The store's streams (a local file, a blob) can seek, which the kept reads need to take over a file.
            return await ReadGzipRangeAsync(stored, file, range, cancellationToken).ConfigureAwait(false);
        }

        if (stored.CanSeek)
        {
            stored.Seek(range.Start, SeekOrigin.Begin);
        }
        else
        {
            await SkipAsync(stored, range.Start, file, cancellationToken).ConfigureAwait(false);
        }

        return await ReadExactlyAsync(stored, range.Length, file, range.Start, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A range of a gzip file, decompressed on from a kept read at or before its start when there is one; the read is kept for the next range.</summary>
    private static async Task<RentedBytes> ReadGzipRangeAsync(Stream stored, SnapshotFile file, UnitRange range, CancellationToken cancellationToken)
    {
        var key = new GzipFileKey(file.Path, stored.Length);
        var text = GzipRead.Pool.Take(key, range.Start, stored) ?? GzipRead.Open(stored);
        bool whole = false;
        try
        {
            await SkipAsync(text, range.Start - text.Place, file, cancellationToken).ConfigureAwait(false);
            var bytes = await ReadExactlyAsync(text, range.Length, file, range.Start, cancellationToken).ConfigureAwait(false);
            whole = true;
            return bytes;
        }
        finally
        {
            if (whole)
            {
                GzipRead.Pool.Return(key, text);
            }
            else
            {
                await text.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary><paramref name="length"/> bytes of <paramref name="stream"/> (at <paramref name="start"/> of the file) in a rented array.</summary>
    private static async Task<RentedBytes> ReadExactlyAsync(Stream stream, long length, SnapshotFile file, long start, CancellationToken cancellationToken)
    {
        if (length > Array.MaxLength)
        {
            throw new CurationException($"snapshot file {file.Name}: {length:N0} bytes, more than one unit can be; give a smaller --shard-size");
        }

        var (bytes, read) = await RentedBytes.ReadAsync(stream, (int)length, cancellationToken).ConfigureAwait(false);
        if (read < length)
        {
            bytes.Release();
            throw new CurationException($"snapshot file {file.Name}: ends at byte {start + read}, inside the planned range {start}-{start + length} (the file changed after the job was planned)");
        }

        return bytes;
    }

    private static async Task SkipAsync(Stream stream, long count, SnapshotFile file, CancellationToken cancellationToken)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            while (count > 0)
            {
                int read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new CurationException($"snapshot file {file.Name}: ends before byte {count} of the planned range (the file changed after the job was planned)");
                }

                count -= read;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Lines are parsed in slices of about this many bytes, in parallel, each into its own place of the columns.</summary>
    private const int SliceBytes = 1 << 20;

    internal static UnitRows Parse(SnapshotFile file, byte[] bytes, SnapshotColumns columns) => Parse(new SnapshotUnit(file, -1), bytes, bytes.Length, columns);

    /// <summary>The rows of the first <paramref name="length"/> bytes of <paramref name="bytes"/> (which it does not keep).</summary>
    internal static UnitRows Parse(SnapshotUnit unit, byte[] bytes, int length, SnapshotColumns columns)
    {
        var file = unit.File;
        var data = bytes.AsSpan(0, length);
        int begin = unit.Range is { Start: > 0 } || !data.StartsWith("\uFEFF"u8) ? 0 : 3;

        // Slice boundaries just after a newline, and the line each slice starts at (counted from the unit's first line).
        var bounds = new List<int> { begin };
        for (int at = begin + SliceBytes; at < length;)
        {
            int newline = data[at..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                break;
            }

            at += newline + 1;
            if (at < length)
            {
                bounds.Add(at);
            }

            at += SliceBytes;
        }

        bounds.Add(length);
        int sliceCount = bounds.Count - 1;
        var firstLine = new int[sliceCount + 1];
        for (int i = 0; i < sliceCount; i++)
        {
            var slice = data[bounds[i]..bounds[i + 1]];
            bool unterminated = i == sliceCount - 1 && !slice.IsEmpty && slice[^1] != (byte)'\n';
            firstLine[i + 1] = firstLine[i] + slice.Count((byte)'\n') + (unterminated ? 1 : 0);
        }

        // One place per line in each column, so that every slice writes its rows where they belong; a blank line's
        // place is dropped afterwards (they are rare).
        var target = new Columns(firstLine[sliceCount]);
        int lineBase = unit.Range?.FirstLine ?? 1;
        var failures = new Exception?[sliceCount];
        Parallel.For(0, sliceCount, i =>
        {
            try
            {
                ParseSlice(file, bytes.AsSpan(bounds[i], bounds[i + 1] - bounds[i]), lineBase, firstLine[i], columns, target);
            }
            catch (CurationException e)
            {
                failures[i] = e;
            }
        });
        if (failures.FirstOrDefault(f => f is not null) is Exception failure)
        {
            throw failure; // the first bad line in file order
        }

        var rows = target.WithoutBlankLines(lineBase);
        int rowCount = rows.Text.Length;
        if (rowCount > 0 && !target.SawText)
        {
            throw new CurationException($"snapshot file {file.Name}: has no \"{columns.Text}\" column (the text column; rename it with --text-column)");
        }

        if (columns.Lang is not null && rowCount > 0 && target.Lang is null)
        {
            throw new CurationException($"snapshot file {file.Name}: has no \"{columns.Lang}\" column (asked for by --lang-column)");
        }

        var locate = rows.Lines is null ? LineLocator(lineBase) : LineLocator(rows.Lines);
        var uuids = UuidResolver.Resolve(file, rows.Text, rows.Uuid, rows.Url, columns, locate);
        return new UnitRows
        {
            Unit = unit,
            RowCount = rowCount,
            Text = rows.Text,
            Uuid = uuids,
            Url = rows.Url,
            Lang = columns.Lang is null ? null : rows.Lang ?? [],
            Key = rows.Key,
            Locate = locate,
        };
    }

    // Built by methods of their own: a lambda in Parse would share its closure, and the unit's rows would keep the
    // columns of every line alive through it.
    private static Func<int, string> LineLocator(int[] lines) => row => $"line {lines[row]}";

    private static Func<int, string> LineLocator(int firstLine) => row => $"line {firstLine + row}";

    /// <summary>
    /// The unit's columns, one place per line, filled by the slices in parallel. A column no line has stays null; the
    /// first slice to meet it makes it.
    /// </summary>
    private sealed class Columns(int lines)
    {
        public readonly string?[] Text = new string?[lines];
        public string?[]? Uuid, Url, Lang, Key;
        public volatile bool SawText;

        /// <summary>Whether each line is blank (no row): made by the first slice that meets one.</summary>
        public bool[]? Blank;

        public static string?[] Made(ref string?[]? column, int length)
        {
            var made = Volatile.Read(ref column);
            if (made is null)
            {
                Interlocked.CompareExchange(ref column, new string?[length], null);
                made = column;
            }

            return made!;
        }

        public bool[] MadeBlank()
        {
            var made = Volatile.Read(ref Blank);
            if (made is null)
            {
                Interlocked.CompareExchange(ref Blank, new bool[Text.Length], null);
                made = Blank;
            }

            return made!;
        }

        public (string?[] Text, string?[]? Uuid, string?[]? Url, string?[]? Lang, string?[]? Key, int[]? Lines) WithoutBlankLines(int firstLine)
        {
            if (Blank is not { } blank)
            {
                return (Text, Uuid, Url, Lang, Key, null);
            }

            int rows = blank.Count(b => !b);
            var lines = new int[rows];
            for (int line = 0, row = 0; line < blank.Length; line++)
            {
                if (!blank[line])
                {
                    lines[row++] = firstLine + line;
                }
            }

            string?[]? Keep(string?[]? column)
            {
                if (column is null)
                {
                    return null;
                }

                var kept = new string?[rows];
                for (int line = 0, row = 0; line < blank.Length; line++)
                {
                    if (!blank[line])
                    {
                        kept[row++] = column[line];
                    }
                }

                return kept;
            }

            return (Keep(Text)!, Keep(Uuid), Keep(Url), Keep(Lang), Keep(Key), lines);
        }
    }

    /// <summary>Parses the lines of one slice into their places of <paramref name="target"/> (line <paramref name="line"/> of the unit onwards).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ParseSlice(SnapshotFile file, ReadOnlySpan<byte> data, int lineBase, int line, SnapshotColumns columns, Columns target)
    {
        Dictionary<string, string>? labels = null;
        int position = 0;
        line--;
        while (position < data.Length)
        {
            line++;
            int lineNumber = lineBase + line;
            int end = data[position..].IndexOf((byte)'\n');
            var text = end < 0 ? data[position..] : data.Slice(position, end);
            position = end < 0 ? data.Length : position + end + 1;
            if (text.Trim(" \t\r"u8).IsEmpty)
            {
                target.MadeBlank()[line] = true;
                continue;
            }

            var reader = new Utf8JsonReader(text);
            try
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    throw new CurationException($"snapshot file {file.Name} line {lineNumber}: not a JSON object");
                }

                // Names are matched ignoring ASCII case, but one written exactly as the column's wins over another of the
                // line in other case ({"TEXT": …, "text": …} in either order gives "text"'s value, as a Parquet file's
                // columns are chosen); among names alike, the last one, as Python's json takes it.
                var exact = JsonStrings.ExactNames.None;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var column = ColumnOf(ref reader, columns, out var match);
                    target.SawText |= column == JsonStrings.ExactNames.Text;
                    if (!JsonStrings.Takes(match, column, ref exact))
                    {
                        // Another column's, or a name in other case after the exact one: not this line's value.
                        SkipValue(ref reader);
                        continue;
                    }

                    switch (column)
                    {
                        case JsonStrings.ExactNames.Text:
                            target.Text[line] = ReadValue(ref reader, file, lineNumber, columns.Text);
                            break;
                        case JsonStrings.ExactNames.Uuid:
                            Columns.Made(ref target.Uuid, target.Text.Length)[line] = ReadValue(ref reader, file, lineNumber, columns.Uuid, allowNumber: true);
                            break;
                        case JsonStrings.ExactNames.Url:
                            Columns.Made(ref target.Url, target.Text.Length)[line] = ReadValue(ref reader, file, lineNumber, columns.Url);
                            break;
                        case JsonStrings.ExactNames.Lang:
                            Columns.Made(ref target.Lang, target.Text.Length)[line] = Intern(ref labels, ReadValue(ref reader, file, lineNumber, columns.Lang!));
                            break;
                        default:
                            Columns.Made(ref target.Key, target.Text.Length)[line] = ReadValue(ref reader, file, lineNumber, columns.Key, allowNumber: true);
                            break;
                    }
                }

                if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
                {
                    throw new CurationException($"snapshot file {file.Name} line {lineNumber}: not a single JSON object");
                }
            }
            catch (JsonException e)
            {
                throw new CurationException($"snapshot file {file.Name} line {lineNumber}: not valid JSON{At(e)}: {WithoutPosition(e.Message)}", e);
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                // A string that is not valid UTF-8 (Utf8JsonReader says InvalidOperationException).
                throw new CurationException($"snapshot file {file.Name} line {lineNumber}: {e.Message}", e);
            }
        }
    }

    /// <summary>One string per distinct language label of a slice (a few labels over many rows).</summary>
    private static string? Intern(ref Dictionary<string, string>? labels, string? label)
    {
        if (label is null || label.Length > 32)
        {
            return label;
        }

        labels ??= new Dictionary<string, string>(StringComparer.Ordinal);
        if (!labels.TryGetValue(label, out string? same))
        {
            labels[label] = same = label;
        }

        return same;
    }

    /// <summary>The column a property name names (<see cref="JsonStrings.ExactNames.None"/> for none) and how it matches.</summary>
    private static JsonStrings.ExactNames ColumnOf(ref Utf8JsonReader reader, SnapshotColumns columns, out JsonStrings.NameMatch match)
    {
        if ((match = JsonStrings.MatchName(ref reader, columns.Text)) != JsonStrings.NameMatch.None)
        {
            return JsonStrings.ExactNames.Text;
        }

        if ((match = JsonStrings.MatchName(ref reader, columns.Uuid)) != JsonStrings.NameMatch.None)
        {
            return JsonStrings.ExactNames.Uuid;
        }

        if ((match = JsonStrings.MatchName(ref reader, columns.Url)) != JsonStrings.NameMatch.None)
        {
            return JsonStrings.ExactNames.Url;
        }

        if (columns.Lang is not null && (match = JsonStrings.MatchName(ref reader, columns.Lang)) != JsonStrings.NameMatch.None)
        {
            return JsonStrings.ExactNames.Lang;
        }

        return (match = JsonStrings.MatchName(ref reader, columns.Key)) != JsonStrings.NameMatch.None ? JsonStrings.ExactNames.Key : JsonStrings.ExactNames.None;
    }

    /// <summary>Steps over a property's value (another column's, or one another name of the line gives the column).</summary>
    private static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    private static string? ReadValue(ref Utf8JsonReader reader, SnapshotFile file, int line, string field, bool allowNumber = false)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return JsonStrings.GetString(ref reader);
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.Number when allowNumber:
                return System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
            default:
                throw new CurationException(
                    $"snapshot file {file.Name} line {line}: field \"{field}\" is a {MetadataList.Describe(reader.TokenType)}, expected a string");
        }
    }
}

/// <summary>Fills in uuids per row: the uuid column's value, else derived from the url (docs/curation-spec.md §6).</summary>
internal static class UuidResolver
{
    /// <summary>
    /// Each row's uuid: <paramref name="uuids"/> itself, filled in where a value is missing (so the array is the caller's
    /// to give away), or a new array when the unit has no uuid column.
    /// </summary>
    public static string?[] Resolve(SnapshotFile file, string?[] texts, string?[]? uuids, string?[]? urls, SnapshotColumns columns, Func<int, string> locate)
    {
        var result = uuids ?? new string?[texts.Length];
        Dictionary<string, string>? derived = null;
        for (int row = 0; row < texts.Length; row++)
        {
            string? id = uuids?[row];
            if (string.IsNullOrEmpty(id))
            {
                string? rowUrl = urls?[row];
                if (rowUrl is not null)
                {
                    derived ??= new Dictionary<string, string>(StringComparer.Ordinal);
                    if (!derived.TryGetValue(rowUrl, out id))
                    {
                        id = ImageUuid.FromUrl(rowUrl);
                        derived[rowUrl] = id;
                    }
                }
                else if (!CurationText.IsSkipped(texts[row]))
                {
                    throw new CurationException(uuids is null && urls is null
                        ? $"snapshot file {file.Name}: has neither a \"{columns.Uuid}\" nor a \"{columns.Url}\" column, so texts cannot be grouped into images (rename with --uuid-column or --url-column)"
                        : $"snapshot file {file.Name} {locate(row)}: the row has neither a \"{columns.Uuid}\" nor a \"{columns.Url}\" value");
                }

                result[row] = id;
            }
        }

        return result;
    }
}
