using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using MetaClip.Engine.Snapshots.Pages;
using MetaClip.Engine.Storage;
using Parquet;
using Parquet.Schema;

namespace MetaClip.Engine.Snapshots;

/// <summary>
/// Reads a Parquet snapshot file's units: a row group, or a range of its rows (a split unit, <see cref="UnitRange"/>).
/// Columns are read page by page (<see cref="ColumnPageReader"/>), so a unit holds its own rows and one page, never a
/// whole column chunk; a column the page reader does not read (another encoding or codec) is read whole by
/// Parquet.Net and sliced, with a warning once per kind of column.
/// </summary>
public sealed class ParquetUnitReader : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<string, bool> Warned = new(StringComparer.Ordinal);
    private static readonly AsyncLocal<StrongBox<long>?> FallbackCounter = new();

    /// <summary>Where the one warning per kind of column read the whole-chunk way goes (standard error by default).</summary>
    public static Action<string> Warn { get; set; } = message => Console.Error.WriteLine("warning: " + message);

    /// <summary>
    /// For tests: from now on, counts the column reads that fall back to Parquet.Net's whole-chunk read in this async
    /// flow and the tasks it starts (a process-wide count also counted other tests' reads running beside it).
    /// </summary>
    internal static StrongBox<long> CountFallbacks()
    {
        var counter = new StrongBox<long>();
        FallbackCounter.Value = counter;
        return counter;
    }

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
        // The top-level columns: a list, struct or map column of a wanted name is an error naming it, never passed over.
        var fields = reader.Schema.Fields;
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

    public SnapshotFile File => _file;

    /// <summary>The number of rows of a row group.</summary>
    public long RowCountOf(int rowGroup)
    {
        using var group = _reader.OpenRowGroupReader(rowGroup);
        return group.RowCount;
    }

    public string? ImageColumn => _image?.Name;

    public static Task<ParquetUnitReader> OpenAsync(SnapshotFile file, SnapshotColumns columns, CancellationToken cancellationToken) =>
        OpenAsync(DataStore.Local, file, columns, cancellationToken);

    /// <summary>The image column's values of one unit's rows (null when the snapshot has no image column).</summary>
    public static async Task<byte[]?[]?> ReadImagesAsync(DataStore store, SnapshotUnit unit, SnapshotColumns columns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unit);
        await using var reader = await OpenAsync(store, unit.File, columns, cancellationToken).ConfigureAwait(false);
        return await reader.ReadImagesAsync(unit, cancellationToken).ConfigureAwait(false);
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
            await CheckFooterAsync(stream, cancellationToken).ConfigureAwait(false);
            var reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new ParquetUnitReader(file, columns, stream, reader);
        }
        catch (InvalidDataException e)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new CurationException($"snapshot file {file.Name}: not a readable Parquet file: {e.Message}", e);
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

    /// <summary>
    /// Reads the footer's Thrift structure through once, before Parquet.Net parses it: every value is read with its
    /// declared length and every list element takes at least a byte, so a damaged footer ends in an error after at most
    /// its own length. Parquet.Net's own parser can loop without end on some damaged footers (a fuzzed file kept it
    /// busy for 25 minutes in CI), and one such file must not hold a worker for ever.
    /// </summary>
    private static async Task CheckFooterAsync(Stream stream, CancellationToken cancellationToken)
    {
        const int Tail = 8; // footer length (4 bytes, little-endian) and "PAR1"
        if (!stream.CanSeek || stream.Length < 12)
        {
            return; // Parquet.Net names what is wrong with a file this short (or one it cannot seek in)
        }

        var tail = new byte[Tail];
        stream.Seek(-Tail, SeekOrigin.End);
        await stream.ReadExactlyAsync(tail, cancellationToken).ConfigureAwait(false);
        long footerLength = BitConverter.ToUInt32(tail, 0);
        if (!tail.AsSpan(4).SequenceEqual("PAR1"u8))
        {
            var head = new byte[4];
            stream.Seek(0, SeekOrigin.Begin);
            await stream.ReadExactlyAsync(head, cancellationToken).ConfigureAwait(false);
            stream.Seek(0, SeekOrigin.Begin);
            if (head.AsSpan().SequenceEqual("PAR1"u8))
            {
                // A writer stopped or a copy cut short: say so, not only Parquet.Net's "head: …, tail: …".
                throw new InvalidDataException($"it starts as a Parquet file but does not end with a Parquet footer (\"PAR1\"): it is truncated (a copy or a writer stopped before the end; {stream.Length:N0} bytes)");
            }

            return; // not a Parquet file at all: Parquet.Net's own message says so
        }

        if (footerLength > stream.Length - Tail - 4)
        {
            // Refused here: Parquet.Net allocates the length it reads, and a damaged one near 2^31 made it throw
            // OutOfMemoryException instead of naming the file (CI, InputFuzzTests).
            throw new InvalidDataException($"its footer claims {footerLength:N0} bytes, more than the file's {stream.Length:N0} bytes hold");
        }

        var footer = new byte[footerLength];
        stream.Seek(-Tail - footerLength, SeekOrigin.End);
        await stream.ReadExactlyAsync(footer, cancellationToken).ConfigureAwait(false);
        stream.Seek(0, SeekOrigin.Begin);
        using var bytes = new MemoryStream(footer, writable: false);
        ThriftCompactCopy.Struct(new ThriftCompactReader(bytes, "its footer"), new ThriftCompactWriter(Stream.Null));
    }

    /// <summary>Reads row group <paramref name="rowGroup"/> (all columns but the image bytes).</summary>
    public Task<UnitRows> ReadUnitAsync(int rowGroup, CancellationToken cancellationToken) => ReadUnitAsync(new SnapshotUnit(_file, rowGroup), cancellationToken);

    /// <summary>Reads a unit of this file: its row group, or the rows of its range (all columns but the image bytes).</summary>
    public async Task<UnitRows> ReadUnitAsync(SnapshotUnit unit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unit);
        int rowGroup = unit.RowGroup;
        try
        {
            using var group = _reader.OpenRowGroupReader(rowGroup);
            var (start, end) = RowsOf(unit, group);
            int rows = checked((int)(end - start));
            var text = await ReadStringsAsync(group, rowGroup, _text, start, end, cancellationToken).ConfigureAwait(false);
            var uuid = _uuid is null ? null : await ReadStringsAsync(group, rowGroup, _uuid, start, end, cancellationToken).ConfigureAwait(false);
            var url = _url is null ? null : await ReadStringsAsync(group, rowGroup, _url, start, end, cancellationToken).ConfigureAwait(false);
            var lang = _lang is null ? null : await ReadStringsAsync(group, rowGroup, _lang, start, end, cancellationToken).ConfigureAwait(false);
            var key = _key is null ? null : await ReadStringsAsync(group, rowGroup, _key, start, end, cancellationToken).ConfigureAwait(false);
            var locate = Locator(rowGroup, start);
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
    public Task<byte[]?[]?> ReadImagesAsync(int rowGroup, CancellationToken cancellationToken) => ReadImagesAsync(new SnapshotUnit(_file, rowGroup), cancellationToken);

    /// <summary>The image bytes of a unit's rows (null when the file has no image column).</summary>
    public async Task<byte[]?[]?> ReadImagesAsync(SnapshotUnit unit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unit);
        if (_image is null)
        {
            return null;
        }

        try
        {
            using var group = _reader.OpenRowGroupReader(unit.RowGroup);
            var (start, end) = RowsOf(unit, group);
            var values = new byte[]?[checked((int)(end - start))];
            if (await TryPagesAsync(group, unit.RowGroup, _image, start, end, new BinarySink(values), cancellationToken).ConfigureAwait(false) is not { } fallback)
            {
                return values;
            }

            var all = new byte[]?[checked((int)group.RowCount)];
            await group.ReadAsync(_image, all.AsMemory()!, cancellationToken: cancellationToken).ConfigureAwait(false);
            ReadWhole(fallback);
            return start == 0 && end == all.Length ? all : all[(int)start..(int)end];
        }
        catch (CurationException)
        {
            throw;
        }
        catch (Exception e) when (IsBadData(e))
        {
            throw new CurationException($"snapshot file {_file.Name}: row group {unit.RowGroup}: the images cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// Visits the uuid and url columns of a whole row group page by page, for <see cref="ParquetSplitter"/>: per row, its
    /// uuid and url as text (either null when the file has no such column or the row no value).
    /// </summary>
    internal async Task VisitImageKeysAsync(int rowGroup, Action<int, string?> uuids, Action<int, string?> urls, CancellationToken cancellationToken)
    {
        try
        {
            using var group = _reader.OpenRowGroupReader(rowGroup);
            foreach (var (field, visit) in new[] { (_uuid, uuids), (_url, urls) })
            {
                if (field is null)
                {
                    continue;
                }

                var kind = ColumnPageReader.KindOf(field);
                if (await TryPagesAsync(group, rowGroup, field, 0, group.RowCount, new TextVisitor(kind, visit), cancellationToken).ConfigureAwait(false) is { } fallback)
                {
                    var values = await ReadWholeStringsAsync(group, rowGroup, field, fallback, cancellationToken).ConfigureAwait(false);
                    ReadWhole(fallback);
                    for (int row = 0; row < values.Length; row++)
                    {
                        visit(row, values[row]);
                    }
                }
            }
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

    /// <summary>The rows a unit covers: its range, or its whole row group; a range the row group does not hold is an error.</summary>
    private (long Start, long End) RowsOf(SnapshotUnit unit, ParquetRowGroupReader group)
    {
        if (unit.Range is not UnitRange range)
        {
            return (0, group.RowCount);
        }

        if (range.Start < 0 || range.End > group.RowCount || range.Start >= range.End)
        {
            throw new CurationException($"snapshot file {_file.Name}: row group {unit.RowGroup} has {group.RowCount} rows, not the planned rows {range.Start}-{range.End} (the file changed after the job was planned)");
        }

        return (range.Start, range.End);
    }

    // A method of its own, so that the closure holds nothing of the read (UnitRows.Locate outlives it).
    private static Func<int, string> Locator(int rowGroup, long start) => row => $"row group {rowGroup} row {start + row}";

    public async ValueTask DisposeAsync()
    {
        await _reader.DisposeAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// A column's values of rows <c>[start, end)</c> as text; an integer column (a uuid column may be one) as its decimal
    /// digits, the same text a JSON number uuid has in a JSONL snapshot.
    /// </summary>
    private async Task<string?[]> ReadStringsAsync(ParquetRowGroupReader group, int rowGroup, DataField field, long start, long end, CancellationToken cancellationToken)
    {
        var values = new string?[checked((int)(end - start))];
        if (await TryPagesAsync(group, rowGroup, field, start, end, new StringSink(values, ColumnPageReader.KindOf(field)), cancellationToken).ConfigureAwait(false) is not { } fallback)
        {
            return values;
        }

        var all = await ReadWholeStringsAsync(group, rowGroup, field, fallback, cancellationToken).ConfigureAwait(false);
        ReadWhole(fallback);
        return start == 0 && end == all.Length ? all : all[(int)start..(int)end];
    }

    /// <summary>
    /// Reads rows <c>[start, end)</c> of a column page by page into <paramref name="sink"/>: null when it did; otherwise
    /// why the page reader could not (the caller reads the whole chunk with Parquet.Net instead, which also names any
    /// damage, and then calls <see cref="ReadWhole"/>, so that a file that cannot be read at all gets one error line).
    /// </summary>
    private async Task<PageFallback?> TryPagesAsync(ParquetRowGroupReader group, int rowGroup, DataField field, long start, long end, ValueSink sink, CancellationToken cancellationToken)
    {
        try
        {
            var chunk = group.GetMetadata(field) ?? throw new UnsupportedPagesException($"column \"{field.Name}\" has no chunk metadata");
            await ColumnPageReader.ReadAsync(_stream, chunk, field, start, end, sink, cancellationToken, source: _file.Path).ConfigureAwait(false);
            return null;
        }
        catch (InvalidUtf8Exception e)
        {
            // The file's own bytes, read as they are: not a reason to read the chunk another way (which would decode
            // them to U+FFFD and publish that).
            throw new CurationException($"snapshot file {_file.Name}: row group {rowGroup} row {start + e.Index}: column \"{field.Name}\": {e.Message}", e);
        }
        catch (UnsupportedPagesException e)
        {
            return new PageFallback(e.Message, $"snapshot file {_file.Name}: {e.Message} is not read page by page; such a column is read whole (a unit's memory then follows its row group, not its rows)",
                $"{e.Message} is not read page by page");
        }
        catch (Exception e) when (IsBadData(e))
        {
            // Damage (or a page reader mistake): Parquet.Net reads the chunk, and names what is wrong if it is.
            return new PageFallback("bad:" + field.Name, $"snapshot file {_file.Name}: column \"{field.Name}\" could not be read page by page ({e.Message}); it was read whole",
                $"column \"{field.Name}\" could not be read page by page ({e.Message})");
        }
    }

    /// <summary>The page reader fell back and Parquet.Net read the chunk whole: counted, and said once per kind.</summary>
    private static void ReadWhole(PageFallback fallback)
    {
        if (FallbackCounter.Value is { } counter)
        {
            Interlocked.Increment(ref counter.Value);
        }

        if (Warned.TryAdd(fallback.Key, true))
        {
            Warn(fallback.Warning);
        }
    }

    /// <summary>Why a column was not read page by page: a key to say it once, and what to say.</summary>
    private sealed record PageFallback(string Key, string Warning, string Reason);

    /// <summary>
    /// A whole column chunk read by Parquet.Net, as text (integers as their decimal digits). Parquet.Net turns bytes that
    /// are not UTF-8 into U+FFFD, so a string column read this way that holds U+FFFD is refused: whether the file wrote
    /// that character or bad bytes cannot be told, and a curated text must be the snapshot's, byte for byte. (The page
    /// reader reads every string encoding and codec but LZO, so this is a damaged or unusual file.)
    /// </summary>
    private async Task<string?[]> ReadWholeStringsAsync(ParquetRowGroupReader group, int rowGroup, DataField field, PageFallback fallback, CancellationToken cancellationToken)
    {
        int rows = checked((int)group.RowCount);
        if (IsInteger(field.ClrType))
        {
            return await ReadIntegersAsync(group, field, rows, cancellationToken).ConfigureAwait(false);
        }

        var values = new string?[rows];
        await group.ReadAsync(field, values.AsMemory()!, cancellationToken: cancellationToken).ConfigureAwait(false);
        for (int row = 0; row < values.Length; row++)
        {
            if (values[row] is { } value && value.Contains('\uFFFD', StringComparison.Ordinal))
            {
                throw new CurationException($"snapshot file {_file.Name}: row group {rowGroup} row {row}: {fallback.Reason}; Parquet.Net, which read it "
                    + "whole instead, puts U+FFFD in place of bytes that are not UTF-8, and this value holds U+FFFD: whether the file wrote that character "
                    + "or bytes that are not UTF-8 cannot be told. Rewrite the file with a common writer's defaults (pyarrow, Spark, DuckDB).");
            }
        }

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

    private DataField? Find(IReadOnlyList<Field> fields, string name, Type expected, bool integersToo = false)
    {
        var found = fields.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal))
            ?? fields.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
        if (found is null)
        {
            return null;
        }

        string wanted = expected == typeof(string) ? (integersToo ? "strings or 32- or 64-bit integers" : "strings") : "binary";
        if (found is not DataField field)
        {
            string nested = found.SchemaType switch
            {
                SchemaType.List => "a list column",
                SchemaType.Map => "a map column",
                _ => "a struct (group) column",
            };
            throw new CurationException($"snapshot file {_file.Name}: column \"{found.Name}\" is {nested}, expected {wanted}, one value a row");
        }

        // Parquet.Net 6 reports UTF-8 columns as ReadOnlyMemory<char> and binary ones as ReadOnlyMemory<byte>;
        // both read into string[] / byte[][] buffers.
        bool compatible = field.ClrType == expected ||
            (expected == typeof(string) && field.ClrType == typeof(ReadOnlyMemory<char>)) ||
            (expected == typeof(byte[]) && field.ClrType == typeof(ReadOnlyMemory<byte>)) ||
            (integersToo && IsInteger(field.ClrType));
        if (field.IsArray || !compatible)
        {
            throw new CurationException(
                $"snapshot file {_file.Name}: column \"{field.Name}\" holds {(field.IsArray ? "lists of " : "")}{Describe(field.ClrType)} values, expected {wanted}");
        }

        return field;
    }
}
