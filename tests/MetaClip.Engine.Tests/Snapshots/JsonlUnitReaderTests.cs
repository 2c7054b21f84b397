using System.IO.Compression;
using System.Text;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Tests.Snapshots;

public class JsonlUnitReaderTests
{
    [Fact]
    public async Task Reads_mapped_columns_case_insensitively_and_ignores_others()
    {
        using var dir = new TempFolder();
        string path = dir.File("a.jsonl", "{\"URL\": \"http://x/1.jpg\", \"Caption\": \"a dog\", \"key\": \"alt\", \"extra\": {\"n\": [1,2]}}\n\n{\"url\": \"http://x/1.jpg\", \"caption\": \"title\"}\r\n");
        var rows = await Read(path, new SnapshotColumns { Text = "caption" });
        Assert.Equal(2, rows.RowCount);
        Assert.Equal(new[] { "a dog", "title" }, rows.Text.Select(t => t!));
        Assert.Equal(ImageUuid.FromUrl("http://x/1.jpg"), rows.Uuid[0]);
        Assert.Equal(rows.Uuid[0], rows.Uuid[1]);
        Assert.Equal("alt", rows.Key![0]);
        Assert.Equal("line 3", rows.Locate(1));
    }

    [Fact]
    public async Task Regression_a_name_in_other_case_after_the_exact_one_took_the_column_where_parquet_keeps_the_exact_one()
    {
        // {"text": "house", "TEXT": "dog"} gave "dog" (the last name alike ignoring case), {"TEXT": "dog", "text": "house"}
        // "house": the result hung on the order of the keys, and a Parquet file with both columns gives "text"'s.
        using var dir = new TempFolder();
        string path = dir.File("a.jsonl",
            "{\"uuid\": \"1\", \"text\": \"house\", \"TEXT\": \"dog\"}\n" +
            "{\"uuid\": \"2\", \"TEXT\": \"dog\", \"text\": \"house\"}\n" +
            "{\"UUID\": \"x\", \"uuid\": \"3\", \"Uuid\": \"y\", \"TEXT\": \"cat\"}\n" +
            "{\"uuid\": \"4\", \"Text\": \"bird\", \"TEXT\": \"fish\"}\n" +
            "{\"uuid\": \"5\", \"text\": \"one\", \"text\": \"two\", \"TEXT\": 7}\n");
        var rows = await Read(path, new SnapshotColumns());
        Assert.Equal(new[] { "house", "house", "cat", "fish", "two" }, rows.Text.Select(t => t!));
        Assert.Equal(new[] { "1", "2", "3", "4", "5" }, rows.Uuid);
    }

    [Fact]
    public async Task A_line_that_is_not_json_is_an_error_naming_file_and_line()
    {
        using var dir = new TempFolder();
        string path = dir.File("bad.jsonl", "{\"uuid\": \"a\", \"text\": \"ok\"}\n{\"uuid\": \"b\", \"text\": oops}\n");
        var e = await Assert.ThrowsAsync<CurationException>(() => Read(path, new SnapshotColumns()));
        Assert.Contains("bad.jsonl line 2: not valid JSON at byte 23 of the line: 'o' is an invalid start of a value.", e.Message, StringComparison.Ordinal);

        // Regression: the reader's own position ("LineNumber: 0 | BytePositionInLine: 22") followed, contradicting line 2.
        Assert.DoesNotContain("LineNumber", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_text_that_is_not_a_string_is_an_error_naming_the_field()
    {
        using var dir = new TempFolder();
        string path = dir.File("n.jsonl", "{\"uuid\": \"a\", \"text\": 42}\n");
        var e = await Assert.ThrowsAsync<CurationException>(() => Read(path, new SnapshotColumns()));
        Assert.Contains("n.jsonl line 1: field \"text\" is a number", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_text_column_is_an_error_naming_the_file_and_the_option()
    {
        using var dir = new TempFolder();
        string path = dir.File("m.jsonl", "{\"uuid\": \"a\", \"caption\": \"dog\"}\n");
        var e = await Assert.ThrowsAsync<CurationException>(() => Read(path, new SnapshotColumns()));
        Assert.Contains("m.jsonl: has no \"text\" column", e.Message, StringComparison.Ordinal);
        Assert.Contains("--text-column", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rows_without_uuid_or_url_are_an_error_unless_their_text_is_skipped()
    {
        using var dir = new TempFolder();
        string ok = dir.File("ok.jsonl", "{\"text\": \"\"}\n");
        Assert.Equal(1, (await Read(ok, new SnapshotColumns())).RowCount);
        string bad = dir.File("bad.jsonl", "{\"text\": \"a dog\"}\n");
        var e = await Assert.ThrowsAsync<CurationException>(() => Read(bad, new SnapshotColumns()));
        Assert.Contains("neither a \"uuid\" nor a \"url\" column", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Null_text_is_kept_as_null_and_escaped_lone_surrogates_survive()
    {
        using var dir = new TempFolder();
        string path = dir.File("s.jsonl", "{\"uuid\": \"a\", \"text\": null}\n{\"uuid\": \"b\", \"text\": \"x\\ud800y\"}\n");
        var rows = await Read(path, new SnapshotColumns());
        Assert.Null(rows.Text[0]);
        Assert.Equal("x\uD800y", rows.Text[1]);
    }

    [Fact]
    public async Task Invalid_utf8_is_an_error_naming_the_line()
    {
        using var dir = new TempFolder();
        string path = dir.Combine("u.jsonl");
        await File.WriteAllBytesAsync(path, [.. "{\"uuid\": \"a\", \"text\": \"ab"u8, 0xFF, .. "\"}\n"u8]);
        var e = await Assert.ThrowsAsync<CurationException>(() => Read(path, new SnapshotColumns()));
        Assert.Contains("u.jsonl line 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gzip_files_are_read_and_a_broken_gzip_is_an_error()
    {
        using var dir = new TempFolder();
        string path = dir.Combine("g.jsonl.gz");
        await using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            await gz.WriteAsync(Encoding.UTF8.GetBytes("{\"uuid\": \"a\", \"text\": \"dog\"}\n"));
        }

        Assert.Equal(new[] { "dog" }, (await Read(path, new SnapshotColumns())).Text.Select(t => t!));
        string broken = dir.File("b.jsonl.gz", "not gzip at all");
        var e = await Assert.ThrowsAsync<CurationException>(() => Read(broken, new SnapshotColumns()));
        Assert.Contains("b.jsonl.gz: not a valid gzip file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_requested_lang_column_must_exist()
    {
        using var dir = new TempFolder();
        string path = dir.File("l.jsonl", "{\"uuid\": \"a\", \"text\": \"dog\"}\n");
        var e = await Assert.ThrowsAsync<CurationException>(() => Read(path, new SnapshotColumns { Lang = "lang" }));
        Assert.Contains("has no \"lang\" column", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rows_of_many_slices_keep_their_order_columns_and_line_numbers_around_blank_lines()
    {
        // Over 3 MiB: the unit is parsed in slices of about 1 MiB in parallel, each into its place of the columns.
        // Blank lines fall anywhere (a slice's first and last lines among them), the key column appears only late in
        // the file and the lang column only on some rows; the last line has no newline.
        var random = new Random(17);
        var lines = new List<string>();
        var expected = new List<(string? Text, string Uuid, string? Key, string? Lang, int Line)>();
        while (lines.Count < 60_000)
        {
            if (random.Next(20) == 0)
            {
                lines.Add(random.Next(2) == 0 ? "" : " \t\r");
                continue;
            }

            int n = lines.Count + 1;
            string uuid = $"u{n % 997}";
            string? text = random.Next(50) == 0 ? null : $"text {n} " + new string('x', random.Next(60));
            string? key = n > 45_000 ? $"k{n}" : null;
            string? lang = random.Next(3) == 0 ? null : (n % 2 == 0 ? "en" : "de");
            var fields = new List<string> { $"\"uuid\": \"{uuid}\"", text is null ? "\"text\": null" : $"\"text\": \"{text}\"" };
            if (key is not null)
            {
                fields.Add($"\"key\": \"{key}\"");
            }

            if (lang is not null)
            {
                fields.Add($"\"lang\": \"{lang}\"");
            }

            lines.Add("{" + string.Join(", ", fields) + "}");
            expected.Add((text, uuid, key, lang, n));
        }

        using var dir = new TempFolder();
        string path = dir.File("many.jsonl", string.Join("\n", lines));
        Assert.True(new FileInfo(path).Length > 3 << 20);
        var rows = await Read(path, new SnapshotColumns { Lang = "lang" });
        Assert.Equal(expected.Count, rows.RowCount);
        Assert.Equal(expected.Select(e => e.Text), rows.Text);
        Assert.Equal(expected.Select(e => e.Uuid), rows.Uuid);
        Assert.Equal(expected.Select(e => e.Key), rows.Key!);
        Assert.Equal(expected.Select(e => e.Lang), rows.Lang!);
        Assert.Null(rows.Url);
        Assert.Equal(expected.Select(e => $"line {e.Line}"), Enumerable.Range(0, rows.RowCount).Select(rows.Locate));

        // A bad line deep in a later slice is named by its own line number.
        lines[50_000] = "{\"uuid\": \"x\", \"text\": oops}";
        string bad = dir.File("bad-many.jsonl", string.Join("\n", lines));
        var e = await Assert.ThrowsAsync<CurationException>(() => Read(bad, new SnapshotColumns()));
        Assert.Contains("bad-many.jsonl line 50001: not valid JSON", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_range_is_numbered_from_its_first_line_and_without_blank_lines_rows_are_lines()
    {
        using var dir = new TempFolder();
        string first = "{\"uuid\": \"a\", \"text\": \"one\"}\n";
        string path = dir.File("r.jsonl", first + "{\"uuid\": \"b\", \"text\": \"two\"}\n{\"uuid\": \"c\", \"text\": \"three\"}\n");
        var snapshot = (await SnapshotFile.DiscoverAsync(DataStore.Local, path, CancellationToken.None))[0];
        long length = new FileInfo(path).Length;
        var rows = await JsonlUnitReader.ReadAsync(DataStore.Local, new SnapshotUnit(snapshot, -1, new UnitRange(first.Length, length, 2)), new SnapshotColumns(), CancellationToken.None);
        Assert.Equal(new[] { "two", "three" }, rows.Text);
        Assert.Equal(new[] { "line 2", "line 3" }, new[] { rows.Locate(0), rows.Locate(1) });
        Assert.Null(rows.Key);
        Assert.Null(rows.Lang);
    }

    [Fact]
    public async Task Units_read_one_after_another_get_only_their_own_bytes()
    {
        // A unit's bytes are read into a buffer from a shared pool and given back after parsing: the next, shorter unit
        // may get the same buffer, with the longer unit's bytes after its own.
        using var dir = new TempFolder();
        string longer = dir.File("long.jsonl", string.Concat(Enumerable.Range(0, 3000).Select(i => $"{{\"uuid\": \"l{i}\", \"text\": \"long text {i}\"}}\n")));
        string shorter = dir.File("short.jsonl", "{\"uuid\": \"s\", \"text\": \"short\"}");
        for (int round = 0; round < 20; round++)
        {
            Assert.Equal(3000, (await Read(longer, new SnapshotColumns())).RowCount);
            var rows = await Read(shorter, new SnapshotColumns());
            Assert.Equal(new[] { "short" }, rows.Text);
            Assert.Equal("line 1", rows.Locate(0));
        }
    }

    private static async Task<UnitRows> Read(string path, SnapshotColumns columns) =>
        await JsonlUnitReader.ReadAsync((await SnapshotFile.DiscoverAsync(DataStore.Local, path, CancellationToken.None))[0], columns, CancellationToken.None);
}
