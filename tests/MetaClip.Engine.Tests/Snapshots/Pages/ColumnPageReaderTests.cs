using System.Globalization;
using CsCheck;
using MetaClip.Engine.Snapshots.Pages;
using Parquet;
using Parquet.Schema;

namespace MetaClip.Engine.Tests.Snapshots.Pages;

/// <summary>
/// Issue 17: the page reader gives exactly Parquet.Net's values, sliced to the rows asked for, for every kind of column
/// the snapshot reader reads (strings plain and dictionary-encoded, with nulls and any Unicode; integers signed and
/// unsigned, plain and DELTA_BINARY_PACKED; binary), every codec Parquet.Net writes, and any row range of any row group.
/// </summary>
public sealed class ColumnPageReaderTests : IDisposable
{
    private static readonly CompressionMethod[] Codecs =
        [CompressionMethod.None, CompressionMethod.Snappy, CompressionMethod.Gzip, CompressionMethod.Brotli, CompressionMethod.Zstd, CompressionMethod.LZ4, CompressionMethod.Lz4Raw];

    private static readonly string[] Pieces = ["a", "dog", " ", "é", "中文", "🐕", "\u0301", "Ω≈ç", "\t", "x y z", "ⅷ", "𝔘𝔫𝔦"];

    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Random_files_and_row_ranges_read_as_Parquet_Net_reads_them()
    {
        int file = 0;
        Gen.Select(Gen.Int[1, 3000], Gen.Int[1, 4], Gen.Int[0, Codecs.Length - 1], Gen.Int[0, 60], Gen.Int[0, 2], Gen.Int[0, 1000], Gen.Bool, Gen.Int)
            .Sample((rows, groups, codec, nullPercent, vocabulary, threshold, delta, seed) =>
        {
            string path = _dir.Combine($"f{file++}.parquet");
            var random = new Random(seed);
            var schema = WriteAsync(path, rows, groups, Codecs[codec], nullPercent, vocabulary, threshold / 1000.0, random, delta).GetAwaiter().GetResult();
            CompareAsync(path, schema, random).GetAwaiter().GetResult();
        }, iter: 160);
    }

    [Fact]
    public async Task Integers_written_DELTA_BINARY_PACKED_are_read_page_by_page()
    {
        string path = _dir.Combine("delta.parquet");
        var random = new Random(5);
        var schema = await WriteAsync(path, 5000, 2, CompressionMethod.Snappy, nullPercent: 10, vocabulary: 2, threshold: 0, random, deltaIntegers: true);
        await using (var stream = File.OpenRead(path))
        {
            await using var reader = await ParquetReader.CreateAsync(stream);
            using var group = reader.OpenRowGroupReader(0);
            // Parquet.Net writes unsigned 64-bit integers PLAIN whatever it is asked.
            foreach (var field in reader.Schema.DataFields.Where(f => ColumnPageReader.KindOf(f) is ValueKind.Int32 or ValueKind.UInt32 or ValueKind.Int64))
            {
                var pages = await ColumnPageReader.PagesAsync(stream, group.GetMetadata(field)!, CancellationToken.None);
                Assert.True(pages.Any(p => p.Kind is PageKind.Data or PageKind.DataV2 && p.Encoding == 5), $"{field.Name}: {string.Join(", ", pages)}"); // DELTA_BINARY_PACKED
            }
        }

        await CompareAsync(path, schema, random);
    }

    [Fact]
    public async Task A_dictionary_encoded_string_column_is_read_through_its_dictionary()
    {
        string path = _dir.Combine("dictionary.parquet");
        var random = new Random(3);
        var schema = await WriteAsync(path, 5000, 1, CompressionMethod.Snappy, nullPercent: 10, vocabulary: 0, threshold: 1, random);
        await using var stream = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(stream);
        using var group = reader.OpenRowGroupReader(0);
        var pages = await ColumnPageReader.PagesAsync(stream, group.GetMetadata(schema.DataFields[0])!, CancellationToken.None);
        Assert.Equal(PageKind.Dictionary, pages[0].Kind);
        Assert.Contains(pages, p => p.Kind == PageKind.Data && p.Encoding is 2 or 8); // PLAIN_DICTIONARY, RLE_DICTIONARY
        await CompareAsync(path, schema, random);
    }

    [SkippableFact]
    public async Task Real_files_of_another_writer_read_as_Parquet_Net_reads_them()
    {
        string shared = SharedFolder.Require();
        foreach (string path in new[] { Path.Combine(AppContext.BaseDirectory, "TestData", "laion-test_1000.parquet"), Path.Combine(shared, "data", "img2dataset-laion-sample", "test_10000.parquet") })
        {
            await using var stream = File.OpenRead(path);
            await using var reader = await ParquetReader.CreateAsync(stream);
            var fields = reader.Schema.GetDataFields().Where(f => f.Path.ToList().Count == 1 && IsRead(f)).ToArray();
            using (var group = reader.OpenRowGroupReader(0))
            {
                foreach (var field in fields)
                {
                    var pages = await ColumnPageReader.PagesAsync(stream, group.GetMetadata(field)!, CancellationToken.None);
                    Console.WriteLine($"{Path.GetFileName(path)} {field.Name}: {string.Join(", ", pages.Select(p => $"{p.Kind}/{p.Encoding}/{p.Values}"))}");
                }
            }


            await CompareAsync(path, new ParquetSchema(fields), new Random(path.Length));
        }
    }

    private static bool IsRead(DataField field)
    {
        try
        {
            ColumnPageReader.KindOf(field);
            return true;
        }
        catch (UnsupportedPagesException)
        {
            return false;
        }
    }

    /// <summary>Every column of every row group: the whole group and random ranges, page reader against Parquet.Net.</summary>
    private static async Task CompareAsync(string path, ParquetSchema schema, Random random)
    {
        await using var stream = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(stream);
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            int rows = checked((int)group.RowCount);
            foreach (var field in schema.DataFields)
            {
                var field1 = reader.Schema.GetDataFields().Single(f => f.Name == field.Name);
                var expected = await ReadWholeAsync(group, field1, rows);
                var ranges = new List<(int, int)> { (0, rows) };
                for (int i = 0; i < 4 && rows > 0; i++)
                {
                    int s = random.Next(rows), e = random.Next(s + 1, rows + 1);
                    ranges.Add((s, e));
                }

                // Each range read from pages held whole, and from pages decoded as they stream in.
                foreach (var ((s, e), streamAbove) in ranges.SelectMany(r => new[] { (r, int.MaxValue), (r, 0) }))
                {
                    var kind = ColumnPageReader.KindOf(field1);
                    ValueSink sink = kind == ValueKind.Binary ? new BinarySink(new byte[]?[e - s]) : new StringSink(new string?[e - s], kind);
                    await ColumnPageReader.ReadAsync(stream, group.GetMetadata(field1)!, field1, s, e, sink, CancellationToken.None, streamAbove);
                    var got = sink is BinarySink b ? b.Values.Select(v => v is null ? null : Convert.ToBase64String(v)).ToArray() : ((StringSink)sink).Values;
                    var want = expected.AsSpan(s, e - s).ToArray();
                    Assert.True(want.SequenceEqual(got), $"{Path.GetFileName(path)} row group {g} column {field1.Name} rows {s}-{e} ({(streamAbove == 0 ? "streamed" : "whole pages")}): {First(want, got)}");
                }
            }
        }
    }

    private static string First(string?[] expected, string?[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] != actual[i])
            {
                return $"row {i}: expected {expected[i] ?? "null"}, got {actual[i] ?? "null"}";
            }
        }

        return "same values";
    }

    /// <summary>A column as Parquet.Net reads it, as text (binary as base64, integers invariant).</summary>
    private static async Task<string?[]> ReadWholeAsync(ParquetRowGroupReader group, DataField field, int rows)
    {
        var type = field.ClrType;
        if (type == typeof(byte[]) || type == typeof(ReadOnlyMemory<byte>))
        {
            var bytes = new byte[]?[rows];
            await group.ReadAsync(field, bytes.AsMemory());
            return [.. bytes.Select(v => v is null ? null : Convert.ToBase64String(v))];
        }

        if (type == typeof(string) || type == typeof(ReadOnlyMemory<char>))
        {
            var strings = new string?[rows];
            await group.ReadAsync(field, strings.AsMemory());
            return strings;
        }

        return type == typeof(int) ? await IntegersAsync<int>(group, field, rows)
            : type == typeof(uint) ? await IntegersAsync<uint>(group, field, rows)
            : type == typeof(long) ? await IntegersAsync<long>(group, field, rows)
            : await IntegersAsync<ulong>(group, field, rows);
    }

    private static async Task<string?[]> IntegersAsync<T>(ParquetRowGroupReader group, DataField field, int rows)
        where T : struct, IFormattable
    {
        if (field.IsNullable)
        {
            var nullable = new T?[rows];
            await group.ReadAsync(field, nullable.AsMemory());
            return [.. nullable.Select(v => v?.ToString(null, CultureInfo.InvariantCulture))];
        }

        var values = new T[rows];
        await group.ReadAsync(field, values.AsMemory());
        return [.. values.Select(v => v.ToString(null, CultureInfo.InvariantCulture))];
    }

    /// <summary>
    /// A file of <paramref name="rows"/> rows in up to <paramref name="groups"/> row groups of random sizes: nullable and
    /// required strings from a small (dictionary-friendly), middling or unbounded vocabulary, integers of each kind and
    /// binary values; <paramref name="deltaIntegers"/> asks for the integers DELTA_BINARY_PACKED.
    /// </summary>
    private static async Task<ParquetSchema> WriteAsync(string path, int rows, int groups, CompressionMethod codec, int nullPercent, int vocabulary, double threshold, Random random,
        bool deltaIntegers = false)
    {
        var schema = new ParquetSchema(
            new DataField("s", typeof(string), isNullable: true), new DataField("r", typeof(string), isNullable: false),
            new DataField("i", typeof(int), isNullable: true), new DataField("l", typeof(long), isNullable: false),
            new DataField("u", typeof(uint), isNullable: true), new DataField("ul", typeof(ulong), isNullable: false),
            new DataField("b", typeof(byte[]), isNullable: true));
        int distinct = vocabulary switch { 0 => 5, 1 => 200, _ => int.MaxValue };
        string Text() => distinct == int.MaxValue ? string.Concat(Enumerable.Range(0, random.Next(0, 12)).Select(_ => Pieces[random.Next(Pieces.Length)]))
            : $"{Pieces[random.Next(distinct) % Pieces.Length]}-{random.Next(distinct)}";
        bool Null() => random.Next(100) < nullPercent;
        var cuts = Enumerable.Range(0, groups - 1).Select(_ => random.Next(1, rows + 1)).Append(0).Append(rows).Distinct().Order().ToArray();
        await using var stream = File.Create(path);
        var options = new ParquetOptions { CompressionMethod = codec, DictionaryEncodingThreshold = threshold };
        if (threshold > 0.5)
        {
            // Parquet.Net writes dictionaries only when asked.
            options.ColumnEncodingHints[schema.DataFields[0].Path.ToString()] = EncodingHint.Dictionary;
            options.ColumnEncodingHints[schema.DataFields[1].Path.ToString()] = EncodingHint.Dictionary;
            options.ColumnEncodingHints[schema.DataFields[6].Path.ToString()] = EncodingHint.Dictionary;
        }

        if (deltaIntegers)
        {
            foreach (var field in schema.DataFields.Skip(2).Take(4))
            {
                options.ColumnEncodingHints[field.Path.ToString()] = EncodingHint.DeltaBinaryPacked;
            }
        }

        await using var writer = await ParquetWriter.CreateAsync(schema, stream, options);
        for (int c = 1; c < cuts.Length; c++)
        {
            int n = cuts[c] - cuts[c - 1];
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(schema.DataFields[0], Enumerable.Range(0, n).Select(_ => Null() ? null : Text()).ToArray());
            await group.WriteAsync(schema.DataFields[1], Enumerable.Range(0, n).Select(_ => Text()).ToArray());
            await group.WriteAsync<int>(schema.DataFields[2], Enumerable.Range(0, n).Select(_ => Null() ? (int?)null : random.Next(int.MinValue, int.MaxValue)).ToArray().AsMemory());
            await group.WriteAsync<long>(schema.DataFields[3], Enumerable.Range(0, n).Select(_ => random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(64)).ToArray().AsMemory());
            await group.WriteAsync<uint>(schema.DataFields[4], Enumerable.Range(0, n).Select(_ => Null() ? (uint?)null : (uint)random.NextInt64(uint.MaxValue) + (uint)random.Next(2)).ToArray().AsMemory());
            await group.WriteAsync<ulong>(schema.DataFields[5], Enumerable.Range(0, n).Select(_ => (ulong)random.NextInt64() * (ulong)random.Next(1, 3)).ToArray().AsMemory());
            await group.WriteAsync(schema.DataFields[6], Enumerable.Range(0, n).Select(_ => Null() ? null : RandomBytes(random)).ToArray());
        }

        return schema;
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 40)];
        random.NextBytes(bytes);
        return bytes;
    }
}
