using System.IO.Compression;
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
        byte[] bytes;
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

        return Parse(unit, bytes, columns);
    }

    private static async Task<byte[]> ReadAllAsync(DataStore store, SnapshotFile file, CancellationToken cancellationToken)
    {
        byte[] stored = await store.ReadAllBytesAsync(file.Path, cancellationToken).ConfigureAwait(false);
        if (file.Format != SnapshotFormat.JsonlGzip)
        {
            return stored;
        }

        await using var gzip = new GZipStream(new MemoryStream(stored), CompressionMode.Decompress);
        using var memory = new MemoryStream();
        await gzip.CopyToAsync(memory, cancellationToken).ConfigureAwait(false);
        return memory.ToArray();
    }

    /// <summary>
    /// The bytes of a range: a plain file is read from its start offset; a gzip file is decompressed from its beginning
    /// and the bytes before the range are passed over (gzip has no index to seek by).
    /// </summary>
    private static async Task<byte[]> ReadRangeAsync(DataStore store, SnapshotFile file, UnitRange range, CancellationToken cancellationToken)
    {
        if (range.Length > Array.MaxLength)
        {
            throw new CurationException($"snapshot file {file.Name}: range {range.Start}-{range.End} is larger than one unit can be; give a smaller --shard-size");
        }

        await using var stored = await store.OpenReadAsync(file.Path, cancellationToken).ConfigureAwait(false);
        Stream text = stored;
        GZipStream? gzip = null;
        try
        {
            if (file.Format == SnapshotFormat.JsonlGzip)
            {
                text = gzip = new GZipStream(stored, CompressionMode.Decompress, leaveOpen: true);
                await SkipAsync(text, range.Start, file, cancellationToken).ConfigureAwait(false);
            }
            else if (stored.CanSeek)
            {
                stored.Seek(range.Start, SeekOrigin.Begin);
            }
            else
            {
                await SkipAsync(stored, range.Start, file, cancellationToken).ConfigureAwait(false);
            }

            // Not zeroed first (every byte is read into it): a range is megabytes, a large-object allocation per unit and pass.
            var bytes = GC.AllocateUninitializedArray<byte>((int)range.Length);
            int read = await text.ReadAtLeastAsync(bytes, bytes.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read < bytes.Length)
            {
                throw new CurationException($"snapshot file {file.Name}: ends at byte {range.Start + read}, inside the planned range {range.Start}-{range.End} (the file changed after the job was planned)");
            }

            return bytes;
        }
        finally
        {
            if (gzip is not null)
            {
                await gzip.DisposeAsync().ConfigureAwait(false);
            }
        }
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

    /// <summary>Lines are parsed in slices of about this many bytes, in parallel, and joined in order.</summary>
    private const int SliceBytes = 1 << 20;

    internal static UnitRows Parse(SnapshotFile file, byte[] bytes, SnapshotColumns columns) => Parse(new SnapshotUnit(file, -1), bytes, columns);

    internal static UnitRows Parse(SnapshotUnit unit, byte[] bytes, SnapshotColumns columns)
    {
        var file = unit.File;
        int begin = unit.Range is { Start: > 0 } || !bytes.AsSpan().StartsWith("\uFEFF"u8) ? 0 : 3;

        // Slice boundaries just after a newline, and the line number each slice starts at.
        var bounds = new List<int> { begin };
        for (int at = begin + SliceBytes; at < bytes.Length;)
        {
            int newline = bytes.AsSpan(at).IndexOf((byte)'\n');
            if (newline < 0)
            {
                break;
            }

            at += newline + 1;
            if (at < bytes.Length)
            {
                bounds.Add(at);
            }

            at += SliceBytes;
        }

        bounds.Add(bytes.Length);
        var firstLine = new int[bounds.Count - 1];
        firstLine[0] = unit.Range?.FirstLine ?? 1;
        for (int i = 1; i < firstLine.Length; i++)
        {
            firstLine[i] = firstLine[i - 1] + bytes.AsSpan(bounds[i - 1], bounds[i] - bounds[i - 1]).Count((byte)'\n');
        }

        var slices = new Slice[firstLine.Length];
        var failures = new Exception?[firstLine.Length];
        Parallel.For(0, slices.Length, i =>
        {
            try
            {
                slices[i] = ParseSlice(file, bytes.AsSpan(bounds[i], bounds[i + 1] - bounds[i]), firstLine[i], columns);
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

        int rowCount = slices.Sum(r => r.Text.Count);
        bool sawText = slices.Any(r => r.SawText), sawUuid = slices.Any(r => r.SawUuid), sawUrl = slices.Any(r => r.SawUrl);
        bool sawLang = slices.Any(r => r.SawLang), sawKey = slices.Any(r => r.SawKey);
        if (rowCount > 0 && !sawText)
        {
            throw new CurationException($"snapshot file {file.Name}: has no \"{columns.Text}\" column (the text column; rename it with --text-column)");
        }

        if (columns.Lang is not null && rowCount > 0 && !sawLang)
        {
            throw new CurationException($"snapshot file {file.Name}: has no \"{columns.Lang}\" column (asked for by --lang-column)");
        }

        string?[] Join(Func<Slice, List<string?>> column) => [.. slices.SelectMany(column)];
        // Built by a method of its own: a lambda here would share this method's closure, and the unit's rows would
        // keep the file's bytes and every slice alive through it.
        var locate = LineLocator(slices.SelectMany(r => r.Line).ToArray());
        var texts = Join(r => r.Text);
        var urls = sawUrl ? Join(r => r.Url) : null;
        var uuids = UuidResolver.Resolve(file, texts, sawUuid ? Join(r => r.Uuid) : null, urls, columns, locate);
        return new UnitRows
        {
            Unit = unit,
            RowCount = texts.Length,
            Text = texts,
            Uuid = uuids,
            Url = urls,
            Lang = columns.Lang is null ? null : Join(r => r.Lang),
            Key = sawKey ? Join(r => r.Key) : null,
            Locate = locate,
        };
    }

    private static Func<int, string> LineLocator(int[] lines) => row => $"line {lines[row]}";

    /// <summary>The rows of one slice of lines.</summary>
    private sealed class Slice
    {
        public readonly List<string?> Text = [], Uuid = [], Url = [], Lang = [], Key = [];
        public readonly List<int> Line = [];
        public bool SawText, SawUuid, SawUrl, SawLang, SawKey;

        private readonly Dictionary<string, string> _labels = new(StringComparer.Ordinal);

        /// <summary>One string per distinct language label of the slice (a few labels over many rows).</summary>
        public string? Intern(string? label)
        {
            if (label is null || label.Length > 32)
            {
                return label;
            }

            if (!_labels.TryGetValue(label, out string? same))
            {
                _labels[label] = same = label;
            }

            return same;
        }
    }

    private static Slice ParseSlice(SnapshotFile file, ReadOnlySpan<byte> data, int lineNumber, SnapshotColumns columns)
    {
        var slice = new Slice();
        int position = 0;
        lineNumber--;
        while (position < data.Length)
        {
            lineNumber++;
            int end = data[position..].IndexOf((byte)'\n');
            var line = end < 0 ? data[position..] : data.Slice(position, end);
            position = end < 0 ? data.Length : position + end + 1;
            if (line.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            string? rowText = null, rowUuid = null, rowUrl = null, rowLang = null, rowKey = null;
            var reader = new Utf8JsonReader(line);
            try
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    throw new CurationException($"snapshot file {file.Name} line {lineNumber}: not a JSON object");
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (JsonStrings.NameEquals(ref reader, columns.Text))
                    {
                        slice.SawText = true;
                        rowText = ReadValue(ref reader, file, lineNumber, columns.Text);
                    }
                    else if (JsonStrings.NameEquals(ref reader, columns.Uuid))
                    {
                        slice.SawUuid = true;
                        rowUuid = ReadValue(ref reader, file, lineNumber, columns.Uuid, allowNumber: true);
                    }
                    else if (JsonStrings.NameEquals(ref reader, columns.Url))
                    {
                        slice.SawUrl = true;
                        rowUrl = ReadValue(ref reader, file, lineNumber, columns.Url);
                    }
                    else if (columns.Lang is not null && JsonStrings.NameEquals(ref reader, columns.Lang))
                    {
                        slice.SawLang = true;
                        rowLang = slice.Intern(ReadValue(ref reader, file, lineNumber, columns.Lang));
                    }
                    else if (JsonStrings.NameEquals(ref reader, columns.Key))
                    {
                        slice.SawKey = true;
                        rowKey = ReadValue(ref reader, file, lineNumber, columns.Key, allowNumber: true);
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }

                if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
                {
                    throw new CurationException($"snapshot file {file.Name} line {lineNumber}: not a single JSON object");
                }
            }
            catch (JsonException e)
            {
                throw new CurationException($"snapshot file {file.Name} line {lineNumber}: not valid JSON: {e.Message}", e);
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                // A string that is not valid UTF-8 (Utf8JsonReader says InvalidOperationException).
                throw new CurationException($"snapshot file {file.Name} line {lineNumber}: {e.Message}", e);
            }

            slice.Text.Add(rowText);
            slice.Uuid.Add(rowUuid);
            slice.Url.Add(rowUrl);
            slice.Lang.Add(rowLang);
            slice.Key.Add(rowKey);
            slice.Line.Add(lineNumber);
        }

        return slice;
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
    public static string?[] Resolve(SnapshotFile file, string?[] texts, string?[]? uuids, string?[]? urls, SnapshotColumns columns, Func<int, string> locate)
    {
        var result = new string?[texts.Length];
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
            }

            result[row] = id;
        }

        return result;
    }
}
