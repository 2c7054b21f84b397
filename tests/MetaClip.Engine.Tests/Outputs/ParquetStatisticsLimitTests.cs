using System.Buffers.Binary;
using CsCheck;
using MetaClip.Engine.Outputs;
using Parquet;
using Parquet.Schema;

namespace MetaClip.Engine.Tests.Outputs;

public class ParquetStatisticsLimitTests
{
    private static readonly ParquetSchema Schema = new(
        new DataField<string>("uuid"), new DataField<string>("text", nullable: true), new DataField<int>("n"), new DataField<byte[]>("blob", nullable: true));

    private sealed record Row(string Uuid, string? Text, int N, byte[]? Blob)
    {
        public override string ToString() => $"Row({Uuid.Length} chars, {Text?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"} chars, {N}, {Blob?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"} bytes)";
    }

    private static readonly Gen<string> ShortString = Gen.String[Gen.Char["aé字😀z"], 0, 12];

    /// <summary>Mostly short strings, sometimes longer than the limit (in chars, bytes or both).</summary>
    private static readonly Gen<string> AnyString = Gen.Frequency(
        (6, ShortString),
        (1, Gen.Int[ParquetStatisticsLimit.MaxBytes - 3, ParquetStatisticsLimit.MaxBytes + 3].Select(n => new string('m', n))),
        (1, Gen.Int[1_400, 3_000].Select(n => string.Concat(Enumerable.Repeat("字", n)))));

    private static readonly Gen<Row> Rows = Gen.Select(
        AnyString, AnyString.Null(), Gen.Int, Gen.Frequency((4, Gen.Byte.Array[0, 16]), (1, Gen.Byte.Array[ParquetStatisticsLimit.MaxBytes, ParquetStatisticsLimit.MaxBytes + 2])).Null(),
        (uuid, text, n, blob) => new Row(uuid, text, n, blob));

    [Fact]
    public async Task Regression_one_52_MB_text_made_a_210_MB_footer()
    {
        // One 52 MB text made a 422 MB curated Parquet file with a 210 MB footer: Parquet.Net wrote its min/max four
        // times in the footer and four times in the page header (issue 16). Here 8 MB stands for it.
        using var dir = new TempFolder();
        string text = "zzzz" + string.Concat(Enumerable.Range(0, 8 << 20).Select(i => (char)('a' + (int)((uint)(i * 2654435761) % 26))));
        var rows = new List<CuratedRow>
        {
            new("u1", "http://a/1.jpg", "a cat", "en", "en", [3, 9], 0.5, null, null),
            new("u2", "http://a/2.jpg", text, "en", "en", [1], 1.0, null, null),
            new("u3", null, "a dog", "de", "de", [4, 5, 6], 0.25, null, null),
        };
        string path;
        await using (var writer = new CuratedWriter(dir.Path, CuratedFormat.Parquet, withKey: false, imageColumn: null))
        {
            await writer.WriteAsync(rows, CancellationToken.None);
            path = writer.Path;
        }

        Assert.True(FooterLength(path) < 16 * 1024, $"footer of {FooterLength(path):N0} bytes");
        Assert.True(new FileInfo(path).Length < text.Length + (1 << 20), $"file of {new FileInfo(path).Length:N0} bytes for an {text.Length:N0}-byte text");
        Assert.Equal(["curated/part-00000.parquet"], Directory.EnumerateFiles(dir.Path, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir.Path, f).Replace('\\', '/')));

        await using var reader = await ParquetReader.CreateAsync(path);
        var fields = reader.Schema.GetDataFields();
        using var group = reader.OpenRowGroupReader(0);
        Assert.Equal(rows.Select(r => r.Text), await StringsAsync(group, fields.Single(f => f.Name == "text"), 3));
        Assert.Equal(rows.Select(r => r.Uuid), await StringsAsync(group, fields.Single(f => f.Name == "uuid"), 3));
        int[] ids = new int[6], definitions = new int[6], repetitions = new int[6];
        await group.ReadRawAsync<int>(fields.Single(f => f.Name == "element"), ids, definitions, repetitions);
        Assert.Equal([3, 9, 1, 4, 5, 6], ids);
        Assert.Equal([0, 1, 0, 0, 1, 1], repetitions);
        Assert.Equal(rows.Select(r => r.Probability), await ColumnAsync<double>(group, fields.Single(f => f.Name == "prob"), 3));

        var statistics = reader.Metadata!.RowGroups[0].Columns.ToDictionary(c => string.Join('.', c.MetaData!.PathInSchema), c => c.MetaData!.Statistics!);
        var textStatistics = statistics["text"];
        Assert.Null(textStatistics.MinValue);
        Assert.Null(textStatistics.MaxValue);
        Assert.Null(textStatistics.Min);
        Assert.Null(textStatistics.Max);
        Assert.Equal(0, textStatistics.NullCount);
        Assert.Equal("de"u8.ToArray(), statistics["lang"].MinValue);
        Assert.Equal("en"u8.ToArray(), statistics["lang"].MaxValue);
    }

    [SkippableFact]
    public async Task An_independent_reader_reads_a_rewritten_curated_file_as_written()
    {
        // pyarrow refused the 210 MB footer (issue 16); pyarrow cannot be installed here, hyparquet (npm) is a reader
        // of its own that checks the rewritten footer, page headers and offsets the same way: it must read every row.
        using var dir = new TempFolder();
        string text = "zz " + string.Concat(Enumerable.Repeat("a cat on a chair ", 300_000));
        byte[] image = [.. Enumerable.Range(0, 9_000).Select(i => (byte)i)];
        var rows = new List<CuratedRow>
        {
            new("u1", "http://a/1.jpg", "a cat", "en", "en", [3, 9], 0.5, "k1", image),
            new("u2", null, text, "en", "en", [1], 1.0, null, null),
            new("u3", "http://a/3.jpg", "ein Hund", "de", "de", [4, 5, 6], 0.25, "k3", [1, 2, 3]),
        };
        string path;
        await using (var writer = new CuratedWriter(dir.Path, CuratedFormat.Parquet, withKey: true, imageColumn: "jpg"))
        {
            await writer.WriteAsync(rows, CancellationToken.None);
            path = writer.Path;
        }

        Assert.True(FooterLength(path) < 16 * 1024, $"footer of {FooterLength(path):N0} bytes: the file was not rewritten");
        var read = Hyparquet.Read(path);
        Assert.Equal(3, (int)read["rows"]!);
        var values = read["values"]!.AsArray();
        for (int i = 0; i < rows.Count; i++)
        {
            var (expected, actual) = (rows[i], values[i]!.AsObject());
            Assert.Equal(expected.Uuid, (string?)actual["uuid"]);
            Assert.Equal(expected.Url, (string?)actual["url"]);
            Assert.Equal(expected.Text, (string?)actual["text"]);
            Assert.Equal(expected.Language, (string?)actual["lang"]);
            Assert.Equal(expected.EntryIds, actual["entry_ids"]!.AsArray().Select(v => (int)v!));
            Assert.Equal(expected.Probability, (double)actual["prob"]!);
            Assert.Equal(expected.Key, (string?)actual["key"]);
            Assert.Equal(expected.Image?.Length, (int?)actual["jpg"]?["bytes"]);
        }
    }

    [Fact]
    public async Task Images_carry_no_min_max_so_they_never_need_a_rewrite()
    {
        // CuratedWriter counts only strings towards the limit because Parquet.Net writes no min/max for binary columns;
        // if a new version starts to, this fails and images must count too.
        using var dir = new TempFolder();
        byte[] image = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 31)).ToArray();
        string path;
        await using (var writer = new CuratedWriter(dir.Path, CuratedFormat.Parquet, withKey: true, imageColumn: "jpg"))
        {
            await writer.WriteAsync([new("u1", "http://a/1.jpg", "a cat", "en", "en", [1], 0.5, "k1", image), new("u2", null, "a dog", "en", "en", [2], 0.5, null, [.. image.Reverse()])], CancellationToken.None);
            path = writer.Path;
        }

        await using var reader = await ParquetReader.CreateAsync(path);
        var statistics = reader.Metadata!.RowGroups[0].Columns.Single(c => c.MetaData!.PathInSchema[0] == "jpg").MetaData!.Statistics;
        Assert.True(statistics is null || (statistics.Min, statistics.Max, statistics.MinValue, statistics.MaxValue) == (null, null, null, null));
        Assert.True(FooterLength(path) < 4096, $"footer of {FooterLength(path):N0} bytes");
    }

    [Fact]
    public async Task Rewritten_files_read_the_same_keep_short_statistics_and_are_unchanged_without_long_values()
    {
        using var dir = new TempFolder();
        int file = 0;
        await Gen.Int[1, 4].SelectMany(groups => Rows.Array[1, 20].Array[groups]).SampleAsync(async groups =>
        {
            // One number per case: CsCheck runs cases on several threads, and a shared `file++` read apart from its
            // increment gave two cases the same file ("The process cannot access the file ... in-6.parquet").
            int number = Interlocked.Increment(ref file);
            string source = dir.Combine($"in-{number}.parquet");
            string rewritten = dir.Combine($"out-{number}.parquet");
            await WriteAsync(source, groups);
            ParquetStatisticsLimit.Rewrite(source, rewritten);

            Assert.Equal(await ReadAsync(source), await ReadAsync(rewritten), RowComparer.Instance);
            var before = await StatisticsAsync(source);
            var after = await StatisticsAsync(rewritten);
            Assert.Equal(before.Count, after.Count);
            for (int i = 0; i < before.Count; i++)
            {
                var (b, a) = (before[i], after[i]);
                Assert.Equal(b.NullCount, a.NullCount);
                bool tooLong = new[] { b.Min, b.Max, b.MinValue, b.MaxValue }.Any(v => v is { Length: > ParquetStatisticsLimit.MaxBytes });
                Assert.Equal(tooLong ? null : b.MinValue, a.MinValue);
                Assert.Equal(tooLong ? null : b.MaxValue, a.MaxValue);
                Assert.Equal(tooLong ? null : b.Min, a.Min);
                Assert.Equal(tooLong ? null : b.Max, a.Max);
            }

            if (!before.Any(s => new[] { s.Min, s.Max, s.MinValue, s.MaxValue }.Any(v => v is { Length: > ParquetStatisticsLimit.MaxBytes })))
            {
                Assert.Equal(await File.ReadAllBytesAsync(source), await File.ReadAllBytesAsync(rewritten));
            }

            File.Delete(source);
            File.Delete(rewritten);
        }, iter: 60);
    }

    [Fact]
    public async Task A_file_that_is_not_whole_is_refused_naming_it()
    {
        using var dir = new TempFolder();
        string source = dir.Combine("whole.parquet");
        await WriteAsync(source, [[new Row("u", new string('x', 5000), 1, null)]]);
        byte[] bytes = await File.ReadAllBytesAsync(source);
        string cut = dir.Combine("cut.parquet");
        await File.WriteAllBytesAsync(cut, bytes[..(bytes.Length / 2)]);
        var error = Assert.Throws<InvalidDataException>(() => ParquetStatisticsLimit.Rewrite(cut, dir.Combine("x.parquet")));
        Assert.Contains("cut.parquet", error.Message, StringComparison.Ordinal);

        // A footer length that points before the first page.
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(bytes.Length - 8), bytes.Length);
        string lying = dir.Combine("lying.parquet");
        await File.WriteAllBytesAsync(lying, bytes);
        error = Assert.Throws<InvalidDataException>(() => ParquetStatisticsLimit.Rewrite(lying, dir.Combine("y.parquet")));
        Assert.Contains("lying.parquet", error.Message, StringComparison.Ordinal);
    }

    private static int FooterLength(string path)
    {
        using var file = File.OpenRead(path);
        file.Position = file.Length - 8;
        Span<byte> tail = stackalloc byte[8];
        file.ReadExactly(tail);
        return BinaryPrimitives.ReadInt32LittleEndian(tail);
    }

    private static async Task WriteAsync(string path, Row[][] groups)
    {
        var fields = Schema.GetDataFields();
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(Schema, stream);
        foreach (var group in groups)
        {
            using var rowGroup = writer.CreateRowGroup();
            await rowGroup.WriteAsync(fields[0], group.Select(r => r.Uuid).ToArray());
            await rowGroup.WriteAsync(fields[1], group.Select(r => r.Text).ToArray());
            await rowGroup.WriteAsync<int>(fields[2], group.Select(r => r.N).ToArray());
            await rowGroup.WriteAsync(fields[3], group.Select(r => r.Blob).ToArray()!);
        }
    }

    private static async Task<List<Row>> ReadAsync(string path)
    {
        await using var reader = await ParquetReader.CreateAsync(path);
        var fields = reader.Schema.GetDataFields();
        var rows = new List<Row>();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            int n = checked((int)group.RowCount);
            var uuids = await StringsAsync(group, fields[0], n);
            var texts = await StringsAsync(group, fields[1], n);
            var numbers = await ColumnAsync<int>(group, fields[2], n);
            var blobs = await BytesAsync(group, fields[3], n);
            for (int i = 0; i < n; i++)
            {
                rows.Add(new Row(uuids[i]!, texts[i], numbers[i], blobs[i]));
            }
        }

        return rows;
    }

    private static async Task<T[]> ColumnAsync<T>(ParquetRowGroupReader group, DataField field, int count)
        where T : struct
    {
        var values = new T[count];
        await group.ReadAsync(field, values.AsMemory());
        return values;
    }

    private static async Task<string?[]> StringsAsync(ParquetRowGroupReader group, DataField field, int count)
    {
        var values = new string?[count];
        await group.ReadAsync(field, values.AsMemory()!);
        return values;
    }

    private static async Task<byte[]?[]> BytesAsync(ParquetRowGroupReader group, DataField field, int count)
    {
        var values = new byte[]?[count];
        await group.ReadAsync(field, values.AsMemory()!);
        return values;
    }

    private static async Task<List<Parquet.Meta.Statistics>> StatisticsAsync(string path)
    {
        await using var reader = await ParquetReader.CreateAsync(path);
        return reader.Metadata!.RowGroups.SelectMany(g => g.Columns).Select(c => c.MetaData!.Statistics ?? new Parquet.Meta.Statistics()).ToList();
    }

    private sealed class RowComparer : IEqualityComparer<Row>
    {
        public static readonly RowComparer Instance = new();

        public bool Equals(Row? x, Row? y) =>
            x is not null && y is not null && x.Uuid == y.Uuid && x.Text == y.Text && x.N == y.N
            && (x.Blob is null ? y.Blob is null : y.Blob is not null && x.Blob.AsSpan().SequenceEqual(y.Blob));

        public int GetHashCode(Row obj) => obj.Uuid.GetHashCode(StringComparison.Ordinal);
    }
}
