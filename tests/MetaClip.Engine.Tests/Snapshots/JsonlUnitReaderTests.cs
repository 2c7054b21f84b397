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
    public async Task A_line_that_is_not_json_is_an_error_naming_file_and_line()
    {
        using var dir = new TempFolder();
        string path = dir.File("bad.jsonl", "{\"uuid\": \"a\", \"text\": \"ok\"}\n{\"uuid\": \"b\", \"text\": oops}\n");
        var e = await Assert.ThrowsAsync<CurationException>(() => Read(path, new SnapshotColumns()));
        Assert.Contains("bad.jsonl line 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", e.Message, StringComparison.Ordinal);
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

    private static async Task<UnitRows> Read(string path, SnapshotColumns columns) =>
        await JsonlUnitReader.ReadAsync((await SnapshotFile.DiscoverAsync(DataStore.Local, path, CancellationToken.None))[0], columns, CancellationToken.None);
}
