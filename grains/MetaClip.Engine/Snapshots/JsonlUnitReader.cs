using System.IO.Compression;
using System.Text.Json;
using MetaClip.Curation;
using MetaClip.Json;
using MetaClip.Metadata;

namespace MetaClip.Snapshots;

/// <summary>Reads a JSON Lines file (optionally gzip-compressed) as one unit: one JSON object per line.</summary>
public static class JsonlUnitReader
{
    public static async Task<UnitRows> ReadAsync(SnapshotFile file, SnapshotColumns columns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(columns);
        byte[] bytes;
        try
        {
            bytes = await ReadAllAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw new CurationException($"snapshot file {file.Name}: not a valid gzip file: {e.Message}", e);
        }

        return Parse(file, bytes, columns);
    }

    private static async Task<byte[]> ReadAllAsync(SnapshotFile file, CancellationToken cancellationToken)
    {
        if (file.Format != SnapshotFormat.JsonlGzip)
        {
            return await File.ReadAllBytesAsync(file.Path, cancellationToken).ConfigureAwait(false);
        }

        await using var stream = File.OpenRead(file.Path);
        await using var gzip = new GZipStream(stream, CompressionMode.Decompress);
        using var memory = new MemoryStream();
        await gzip.CopyToAsync(memory, cancellationToken).ConfigureAwait(false);
        return memory.ToArray();
    }

    internal static UnitRows Parse(SnapshotFile file, byte[] bytes, SnapshotColumns columns)
    {
        var text = new List<string?>();
        var uuid = new List<string?>();
        var url = new List<string?>();
        var lang = new List<string?>();
        var key = new List<string?>();
        var lineOfRow = new List<int>();
        bool sawText = false, sawUuid = false, sawUrl = false, sawLang = false, sawKey = false;

        int lineNumber = 0;
        int position = 0;
        ReadOnlySpan<byte> data = bytes;
        if (data.StartsWith("\uFEFF"u8))
        {
            position = 3;
        }

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
                        sawText = true;
                        rowText = ReadValue(ref reader, file, lineNumber, columns.Text);
                    }
                    else if (JsonStrings.NameEquals(ref reader, columns.Uuid))
                    {
                        sawUuid = true;
                        rowUuid = ReadValue(ref reader, file, lineNumber, columns.Uuid, allowNumber: true);
                    }
                    else if (JsonStrings.NameEquals(ref reader, columns.Url))
                    {
                        sawUrl = true;
                        rowUrl = ReadValue(ref reader, file, lineNumber, columns.Url);
                    }
                    else if (columns.Lang is not null && JsonStrings.NameEquals(ref reader, columns.Lang))
                    {
                        sawLang = true;
                        rowLang = ReadValue(ref reader, file, lineNumber, columns.Lang);
                    }
                    else if (JsonStrings.NameEquals(ref reader, columns.Key))
                    {
                        sawKey = true;
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
            catch (FormatException e)
            {
                throw new CurationException($"snapshot file {file.Name} line {lineNumber}: {e.Message}", e);
            }

            text.Add(rowText);
            uuid.Add(rowUuid);
            url.Add(rowUrl);
            lang.Add(rowLang);
            key.Add(rowKey);
            lineOfRow.Add(lineNumber);
        }

        if (text.Count > 0 && !sawText)
        {
            throw new CurationException($"snapshot file {file.Name}: has no \"{columns.Text}\" column (the text column; rename it with --text-column)");
        }

        if (columns.Lang is not null && text.Count > 0 && !sawLang)
        {
            throw new CurationException($"snapshot file {file.Name}: has no \"{columns.Lang}\" column (asked for by --lang-column)");
        }

        var unit = new SnapshotUnit(file, -1);
        var lines = lineOfRow.ToArray();
        Func<int, string> locate = row => $"line {lines[row]}";
        var texts = text.ToArray();
        var urls = sawUrl ? url.ToArray() : null;
        var uuids = UuidResolver.Resolve(file, texts, sawUuid ? uuid.ToArray() : null, urls, columns, locate);
        return new UnitRows
        {
            Unit = unit,
            RowCount = texts.Length,
            Text = texts,
            Uuid = uuids,
            Url = urls,
            Lang = columns.Lang is null ? null : lang.ToArray(),
            Key = sawKey ? key.ToArray() : null,
            Locate = locate,
        };
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

/// <summary>Fills in uuids per row: the uuid column's value, else derived from the url (CURATION-SPEC §6).</summary>
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
