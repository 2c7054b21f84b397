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
        _uuid = Find(fields, columns.Uuid, typeof(string), integersToo: true);
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
        catch (Exception e) when (IsBadData(e))
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
        catch (Exception e) when (IsBadData(e))
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

        try
        {
            using var group = _reader.OpenRowGroupReader(rowGroup);
            var values = new byte[]?[checked((int)group.RowCount)];
            await group.ReadAsync(_image, values.AsMemory()!, cancellationToken: cancellationToken).ConfigureAwait(false);
            return values;
        }
        catch (Exception e) when (IsBadData(e))
        {
            throw new CurationException($"snapshot file {_file.Name}: row group {rowGroup}: the images cannot be read: {e.Message}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.DisposeAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// A column's values as text; an integer column (a uuid column may be one) as its decimal digits, the same text a
    /// JSON number uuid has in a JSONL snapshot.
    /// </summary>
    private static async Task<string?[]> ReadStringsAsync(ParquetRowGroupReader group, DataField field, int rows, CancellationToken cancellationToken)
    {
        if (IsInteger(field.ClrType))
        {
            return await ReadIntegersAsync(group, field, rows, cancellationToken).ConfigureAwait(false);
        }

        var values = new string?[rows];
        await group.ReadAsync(field, values.AsMemory()!, cancellationToken: cancellationToken).ConfigureAwait(false);
        return values;
    }

    private static Task<string?[]> ReadIntegersAsync(ParquetRowGroupReader group, DataField field, int rows, CancellationToken cancellationToken) =>
        field.ClrType == typeof(long) ? ReadIntegersAsync<long>(group, field, rows, cancellationToken)
        : field.ClrType == typeof(ulong) ? ReadIntegersAsync<ulong>(group, field, rows, cancellationToken)
        : field.ClrType == typeof(uint) ? ReadIntegersAsync<uint>(group, field, rows, cancellationToken)
        : ReadIntegersAsync<int>(group, field, rows, cancellationToken);

    private static async Task<string?[]> ReadIntegersAsync<T>(ParquetRowGroupReader group, DataField field, int rows, CancellationToken cancellationToken)
        where T : struct, IFormattable
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (field.IsNullable)
        {
            var nullable = new T?[rows];
            await group.ReadAsync(field, nullable.AsMemory(), cancellationToken: cancellationToken).ConfigureAwait(false);
            return [.. nullable.Select(v => v?.ToString(null, inv))];
        }

        var values = new T[rows];
        await group.ReadAsync(field, values.AsMemory(), cancellationToken: cancellationToken).ConfigureAwait(false);
        return [.. values.Select(v => v.ToString(null, inv))];
    }

    private static bool IsInteger(Type type) => type == typeof(int) || type == typeof(long) || type == typeof(uint) || type == typeof(ulong);

    /// <summary>
    /// What a damaged or unexpected file can make the Parquet reader throw (a Thrift error, a bad offset, a null
    /// reference deep in a decoder): anything but a cancellation, an error already naming the file, or a storage
    /// service's own failure (which is not the file's fault, and may pass).
    /// </summary>
    private static bool IsBadData(Exception e) => e is not (OperationCanceledException or CurationException or OutOfMemoryException or Azure.RequestFailedException);

    /// <summary>A Parquet column type in a user's words (never a .NET generic name such as ReadOnlyMemory`1).</summary>
    private static string Describe(Type type) =>
        type == typeof(ReadOnlyMemory<char>) || type == typeof(string) ? "string"
        : type == typeof(ReadOnlyMemory<byte>) || type == typeof(byte[]) ? "binary"
        : type == typeof(int) ? "int32"
        : type == typeof(long) ? "int64"
        : type == typeof(uint) ? "uint32"
        : type == typeof(ulong) ? "uint64"
        : type == typeof(float) ? "float"
        : type == typeof(double) ? "double"
        : type == typeof(bool) ? "boolean"
        : type.Name.Split('`')[0].ToLowerInvariant();

    private DataField? Find(List<DataField> fields, string name, Type expected, bool integersToo = false)
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
            (expected == typeof(byte[]) && field.ClrType == typeof(ReadOnlyMemory<byte>)) ||
            (integersToo && IsInteger(field.ClrType));
        if (field.IsArray || !compatible)
        {
            string wanted = expected == typeof(string) ? (integersToo ? "strings or integers" : "strings") : "binary";
            throw new CurationException(
                $"snapshot file {_file.Name}: column \"{field.Name}\" holds {(field.IsArray ? "lists of " : "")}{Describe(field.ClrType)} values, expected {wanted}");
        }

        return field;
    }
}
