using MetaClip.Engine.Storage;
using Parquet;
using Parquet.Schema;

namespace MetaClip.Engine.Snapshots;

/// <summary>Reads a Parquet snapshot file row group by row group; each row group is one unit.</summary>
public sealed class ParquetUnitReader : IAsyncDisposable
{
    private readonly SnapshotFile _file;
    private readonly SnapshotColumns _columns;
    private readonly Stream _stream;
    private readonly ParquetReader _reader;
    private readonly DataField _text;
    private readonly DataField? _uuid, _url, _lang, _key, _image;

    private ParquetUnitReader(SnapshotFile file, SnapshotColumns columns, Stream stream, ParquetReader reader)
    {
        _file = file;
        _columns = columns;
        _stream = stream;
        _reader = reader;
        var fields = reader.Schema.GetDataFields().Where(f => f.Path.ToList().Count == 1).ToList();
        _text = Find(fields, columns.Text, typeof(string)) ??
            throw new CurationException($"snapshot file {file.Name}: has no \"{columns.Text}\" column (the text column; rename it with --text-column); columns: {string.Join(", ", fields.Select(f => f.Name))}");
        _uuid = Find(fields, columns.Uuid, typeof(string));
        _url = Find(fields, columns.Url, typeof(string));
        _key = Find(fields, columns.Key, typeof(string));
        if (columns.Lang is not null)
        {
            _lang = Find(fields, columns.Lang, typeof(string)) ??
                throw new CurationException($"snapshot file {file.Name}: has no \"{columns.Lang}\" column (asked for by --lang-column); columns: {string.Join(", ", fields.Select(f => f.Name))}");
        }

        foreach (string name in columns.Image)
        {
            _image ??= Find(fields, name, typeof(byte[]));
        }
    }

    public int RowGroupCount => _reader.RowGroupCount;

    public string? ImageColumn => _image?.Name;

    public static Task<ParquetUnitReader> OpenAsync(SnapshotFile file, SnapshotColumns columns, CancellationToken cancellationToken) =>
        OpenAsync(DataStore.Local, file, columns, cancellationToken);

    /// <summary>The image column's values of one unit's rows (null when the snapshot has no image column).</summary>
    public static async Task<byte[]?[]?> ReadImagesAsync(DataStore store, SnapshotUnit unit, SnapshotColumns columns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unit);
        await using var reader = await OpenAsync(store, unit.File, columns, cancellationToken).ConfigureAwait(false);
        return await reader.ReadImagesAsync(unit.RowGroup, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<ParquetUnitReader> OpenAsync(DataStore store, SnapshotFile file, SnapshotColumns columns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(columns);
        Stream stream;
        try
        {
            stream = await store.OpenReadAsync(file.Path, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new CurationException($"snapshot file {file.Name}: cannot be opened: {e.Message}", e);
        }

        try
        {
            var reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new ParquetUnitReader(file, columns, stream, reader);
        }
        catch (CurationException)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or ArgumentException or InvalidOperationException or IndexOutOfRangeException or OverflowException)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new CurationException($"snapshot file {file.Name}: not a readable Parquet file: {e.Message}", e);
        }
    }

    /// <summary>Reads row group <paramref name="rowGroup"/> (all columns but the image bytes).</summary>
    public async Task<UnitRows> ReadUnitAsync(int rowGroup, CancellationToken cancellationToken)
    {
        var unit = new SnapshotUnit(_file, rowGroup);
        try
        {
            using var group = _reader.OpenRowGroupReader(rowGroup);
            int rows = checked((int)group.RowCount);
            var text = await ReadStringsAsync(group, _text, rows, cancellationToken).ConfigureAwait(false);
            var uuid = _uuid is null ? null : await ReadStringsAsync(group, _uuid, rows, cancellationToken).ConfigureAwait(false);
            var url = _url is null ? null : await ReadStringsAsync(group, _url, rows, cancellationToken).ConfigureAwait(false);
            var lang = _lang is null ? null : await ReadStringsAsync(group, _lang, rows, cancellationToken).ConfigureAwait(false);
            var key = _key is null ? null : await ReadStringsAsync(group, _key, rows, cancellationToken).ConfigureAwait(false);
            Func<int, string> locate = row => $"row group {rowGroup} row {row}";
            return new UnitRows
            {
                Unit = unit,
                RowCount = rows,
                Text = text,
                Uuid = UuidResolver.Resolve(_file, text, uuid, url, _columns, locate),
                Url = url,
                Lang = lang,
                Key = key,
                ImageColumn = _image?.Name,
                Locate = locate,
            };
        }
        catch (CurationException)
        {
            throw;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or ArgumentException or InvalidOperationException or IndexOutOfRangeException or OverflowException)
        {
            throw new CurationException($"snapshot file {_file.Name}: row group {rowGroup} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>The image bytes of a row group (null when the file has no image column).</summary>
    public async Task<byte[]?[]?> ReadImagesAsync(int rowGroup, CancellationToken cancellationToken)
    {
        if (_image is null)
        {
            return null;
        }

        using var group = _reader.OpenRowGroupReader(rowGroup);
        var values = new byte[]?[checked((int)group.RowCount)];
        await group.ReadAsync(_image, values.AsMemory()!, cancellationToken: cancellationToken).ConfigureAwait(false);
        return values;
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.DisposeAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task<string?[]> ReadStringsAsync(ParquetRowGroupReader group, DataField field, int rows, CancellationToken cancellationToken)
    {
        var values = new string?[rows];
        await group.ReadAsync(field, values.AsMemory()!, cancellationToken: cancellationToken).ConfigureAwait(false);
        return values;
    }

    private DataField? Find(List<DataField> fields, string name, Type expected)
    {
        var field = fields.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal))
            ?? fields.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
        if (field is null)
        {
            return null;
        }

        // Parquet.Net 6 reports UTF-8 columns as ReadOnlyMemory<char> and binary ones as ReadOnlyMemory<byte>;
        // both read into string[] / byte[][] buffers.
        bool compatible = field.ClrType == expected ||
            (expected == typeof(string) && field.ClrType == typeof(ReadOnlyMemory<char>)) ||
            (expected == typeof(byte[]) && field.ClrType == typeof(ReadOnlyMemory<byte>));
        if (field.IsArray || !compatible)
        {
            throw new CurationException(
                $"snapshot file {_file.Name}: column \"{field.Name}\" holds {(field.IsArray ? "lists of " : "")}{field.ClrType.Name} values, expected {(expected == typeof(string) ? "strings" : "binary")}");
        }

        return field;
    }
}
