using System.Runtime.CompilerServices;
using System.Text;
using MetaClip.Engine.Json;
using Parquet;
using Parquet.Schema;

namespace MetaClip.Engine.Outputs;

/// <summary>The file format of the curated set.</summary>
public enum CuratedFormat
{
    Parquet,
    Jsonl,
}

/// <summary>One kept image in the curated output.</summary>
public sealed record CuratedRow(string Uuid, string? Url, string Text, string Language, string Lid, int[] EntryIds, double Probability, string? Key, byte[]? Image);

/// <summary>
/// Writes a part of the curated set (<c>curated/part-00000.{parquet|jsonl}</c>, or a shard's part): one row per kept image with <c>uuid, url, text, lang, lid,
/// entry_ids (list&lt;int32&gt;), prob</c>, plus <c>key</c> and the image column when the snapshot had them.
/// Parquet rows are written in row groups of <see cref="RowGroupSize"/>. When a value is longer than
/// <see cref="ParquetStatisticsLimit.MaxBytes"/>, the finished file is rewritten once without long min/max statistics
/// (Parquet.Net would copy such a value eight times into the footer and page headers).
/// </summary>
public sealed class CuratedWriter : IAsyncDisposable
{
    public const string Folder = "curated";
    public const int RowGroupSize = 100_000;

    private readonly CuratedFormat _format;
    private readonly string? _imageColumn;
    private readonly bool _withKey;
    private readonly List<CuratedRow> _pending = [];
    private readonly Stream _stream;
    private ParquetWriter? _parquet;
    private readonly ParquetSchema? _schema;
    private long _longestValueBytes;

    /// <summary>Writes <c>curated/part-00000.*</c> inside <paramref name="outputFolder"/>: the curated set as one part.</summary>
    public CuratedWriter(string outputFolder, CuratedFormat format, bool withKey, string? imageColumn)
        : this(format, withKey, imageColumn, System.IO.Path.Combine(outputFolder, Folder, format == CuratedFormat.Parquet ? "part-00000.parquet" : "part-00000.jsonl"))
    {
    }

    private CuratedWriter(CuratedFormat format, bool withKey, string? imageColumn, string path)
    {
        _format = format;
        _withKey = withKey;
        _imageColumn = imageColumn;
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        _stream = File.Create(Path);
        if (format == CuratedFormat.Parquet)
        {
            var fields = new List<Field>
            {
                new DataField<string>("uuid"), new DataField<string>("url"), new DataField<string>("text"),
                new DataField<string>("lang"), new DataField<string>("lid"),
                new ListField("entry_ids", new DataField<int>("element")), new DataField<double>("prob"),
            };
            if (withKey)
            {
                fields.Add(new DataField<string>("key"));
            }

            if (imageColumn is not null)
            {
                fields.Add(new DataField<byte[]>(imageColumn));
            }

            _schema = new ParquetSchema(fields);
        }
    }

    /// <summary>Writes one part of a curated set to the file <paramref name="path"/> (<see cref="ShardPartWriter"/>).</summary>
    public static CuratedWriter CreateFile(string path, CuratedFormat format, bool withKey, string? imageColumn) =>
        new(format, withKey, imageColumn, path);

    public string Path { get; }

    public long Rows { get; private set; }

    /// <summary>Appends rows (a unit's kept images at a time: JSONL is written in one piece per call).</summary>
    public async Task WriteAsync(IReadOnlyList<CuratedRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        Rows += rows.Count;
        if (_format == CuratedFormat.Jsonl)
        {
            await ParallelLines.WriteAsync(_stream, rows.Count, (text, i) => AppendJsonLine(text, rows[i], _withKey), Environment.ProcessorCount, cancellationToken).ConfigureAwait(false);
            return;
        }

        foreach (var row in rows)
        {
            _longestValueBytes = Math.Max(_longestValueBytes, LongestValueBytes(row));
            _pending.Add(row);
            if (_pending.Count >= RowGroupSize)
            {
                await FlushRowGroupAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Appends finished JSON Lines (<see cref="AppendJsonLine"/>'s, made elsewhere: a cluster's workers), <paramref name="rows"/>
    /// of them, as they are. Only a JSON Lines output takes them.
    /// </summary>
    public async Task WriteLinesAsync(IReadOnlyList<ReadOnlyMemory<byte>> lines, long rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (_format != CuratedFormat.Jsonl)
        {
            throw new InvalidOperationException("finished curated lines are appended only to a JSON Lines output");
        }

        Rows += rows;
        foreach (var part in lines)
        {
            await _stream.WriteAsync(part, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The UTF-8 byte length of the row's longest string. Images do not count: Parquet.Net writes no min/max for binary
    /// columns (checked by <c>ParquetStatisticsLimitTests</c>).
    /// </summary>
    private static long LongestValueBytes(CuratedRow row)
    {
        long longest = 0;
        foreach (string? value in (ReadOnlySpan<string?>)[row.Uuid, row.Url, row.Text, row.Language, row.Lid, row.Key])
        {
            // A char is at most 3 UTF-8 bytes (a surrogate pair is 4 for 2 chars): count bytes only when it could matter.
            if (value is not null && (long)value.Length * 3 > ParquetStatisticsLimit.MaxBytes)
            {
                longest = Math.Max(longest, Encoding.UTF8.GetByteCount(value));
            }
        }

        return longest;
    }

    /// <summary>One curated JSONL line (with its newline).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AppendJsonLine(StringBuilder text, CuratedRow row, bool withKey)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(row);
        text.Append("{\"uuid\": ").AppendString(row.Uuid).Append(", \"url\": ").AppendString(row.Url)
            .Append(", \"text\": ").AppendString(row.Text).Append(", \"lang\": ").AppendString(row.Language)
            .Append(", \"lid\": ").AppendString(row.Lid).Append(", \"entry_ids\": [");

        // Appended one by one, not with AppendJoin: that makes a string of every id (a few per line, every line).
        for (int i = 0; i < row.EntryIds.Length; i++)
        {
            (i == 0 ? text : text.Append(", ")).Append(row.EntryIds[i]);
        }

        text.Append("], \"prob\": ").AppendShortest(row.Probability);
        if (withKey)
        {
            text.Append(", \"key\": ").AppendString(row.Key);
        }

        text.Append("}\n");
    }

    private async Task FlushRowGroupAsync(CancellationToken cancellationToken)
    {
        if (_pending.Count == 0 && _parquet is not null)
        {
            return;
        }

        _parquet ??= await ParquetWriter.CreateAsync(_schema!, _stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (_pending.Count == 0)
        {
            return;
        }

        var fields = _schema!.GetDataFields();
        using (var group = _parquet.CreateRowGroup())
        {
            await group.WriteAsync(fields[0], _pending.Select(r => r.Uuid).ToArray()).ConfigureAwait(false);
            await group.WriteAsync(fields[1], _pending.Select(r => r.Url).ToArray()).ConfigureAwait(false);
            await group.WriteAsync(fields[2], _pending.Select(r => r.Text).ToArray()).ConfigureAwait(false);
            await group.WriteAsync(fields[3], _pending.Select(r => r.Language).ToArray()).ConfigureAwait(false);
            await group.WriteAsync(fields[4], _pending.Select(r => r.Lid).ToArray()).ConfigureAwait(false);

            var ids = new List<int>();
            var levels = new List<int>();
            foreach (var row in _pending)
            {
                for (int i = 0; i < row.EntryIds.Length; i++)
                {
                    ids.Add(row.EntryIds[i]);
                    levels.Add(i == 0 ? 0 : 1);
                }
            }

            // Every kept image has at least one id, so each list is non-empty and each element defined.
            var definitions = new int[ids.Count];
            Array.Fill(definitions, fields[5].MaxDefinitionLevel);
            await group.WriteAllPartsAsync<int>(fields[5], ids.ToArray(), definitions, levels.ToArray(), cancellationToken).ConfigureAwait(false);
            await group.WriteAsync<double>(fields[6], _pending.Select(r => r.Probability).ToArray(), cancellationToken: cancellationToken).ConfigureAwait(false);
            int next = 7;
            if (_withKey)
            {
                await group.WriteAsync(fields[next++], _pending.Select(r => r.Key).ToArray()).ConfigureAwait(false);
            }

            if (_imageColumn is not null)
            {
                await group.WriteAsync(fields[next], _pending.Select(r => r.Image).ToArray()!).ConfigureAwait(false);
            }

            group.CompleteValidate();
        }

        _pending.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        if (_format == CuratedFormat.Parquet)
        {
            await FlushRowGroupAsync(CancellationToken.None).ConfigureAwait(false);
            if (_parquet is not null)
            {
                await _parquet.DisposeAsync().ConfigureAwait(false);
            }
        }

        await _stream.DisposeAsync().ConfigureAwait(false);
        if (_format == CuratedFormat.Parquet && _longestValueBytes > ParquetStatisticsLimit.MaxBytes)
        {
            string full = Path + ".full-statistics";
            File.Move(Path, full, overwrite: true);
            await Task.Run(() => ParquetStatisticsLimit.Rewrite(full, Path)).ConfigureAwait(false);
            File.Delete(full);
        }
    }
}
