using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;
using Parquet;
using Parquet.Schema;

namespace MetaClip.Engine.Tests.Snapshots;

public class ParquetUnitReaderTests
{
    private static string Laion => Path.Combine(AppContext.BaseDirectory, "TestData", "laion-test_1000.parquet");

    [Fact]
    public async Task Reads_a_real_laion_file_with_upper_case_columns_and_derives_uuids_from_urls()
    {
        await using var reader = await ParquetUnitReader.OpenAsync((await SnapshotFile.DiscoverAsync(DataStore.Local, Laion, CancellationToken.None))[0], new SnapshotColumns(), CancellationToken.None);
        Assert.True(reader.RowGroupCount >= 1);
        var rows = await reader.ReadUnitAsync(0, CancellationToken.None);
        Assert.True(rows.RowCount > 0);
        Assert.NotNull(rows.Url);
        for (int i = 0; i < rows.RowCount; i++)
        {
            Assert.Equal(ImageUuid.FromUrl(rows.Url![i]!), rows.Uuid[i]);
        }
    }

    [Fact]
    public async Task Each_row_group_is_a_unit()
    {
        using var dir = new TempFolder();
        string path = dir.Combine("two.parquet");
        await WriteAsync(path, [["u1", "dog"], ["u2", "cat"]], [["u1", "bird"]]);
        await using var reader = await ParquetUnitReader.OpenAsync((await SnapshotFile.DiscoverAsync(DataStore.Local, path, CancellationToken.None))[0], new SnapshotColumns(), CancellationToken.None);
        Assert.Equal(2, reader.RowGroupCount);
        Assert.Equal(new[] { "bird" }, (await reader.ReadUnitAsync(1, CancellationToken.None)).Text.Select(t => t!));
        Assert.Equal("row group 1 row 0", (await reader.ReadUnitAsync(1, CancellationToken.None)).Locate(0));
    }

    [Fact]
    public async Task A_corrupt_file_is_an_error_naming_it()
    {
        using var dir = new TempFolder();
        string path = dir.Combine("corrupt.parquet");
        var bytes = await File.ReadAllBytesAsync(Laion);
        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)]);
        var e = await Assert.ThrowsAsync<CurationException>(async () =>
        {
            await using var r = await ParquetUnitReader.OpenAsync((await SnapshotFile.DiscoverAsync(DataStore.Local, path, CancellationToken.None))[0], new SnapshotColumns(), CancellationToken.None);
        });
        Assert.Contains("corrupt.parquet: not a readable Parquet file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_text_column_lists_the_columns_there_are()
    {
        var e = await Assert.ThrowsAsync<CurationException>(async () =>
        {
            await using var r = await ParquetUnitReader.OpenAsync((await SnapshotFile.DiscoverAsync(DataStore.Local, Laion, CancellationToken.None))[0], new SnapshotColumns { Text = "caption" }, CancellationToken.None);
        });
        Assert.Contains("laion-test_1000.parquet: has no \"caption\" column", e.Message, StringComparison.Ordinal);
        Assert.Contains("TEXT", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_text_column_of_the_wrong_type_is_an_error()
    {
        using var dir = new TempFolder();
        string path = dir.Combine("typed.parquet");
        var text = new DataField<int>("text");
        await using (var stream = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(text), stream))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync<int>(text, new[] { 1, 2 });
        }

        var e = await Assert.ThrowsAsync<CurationException>(async () =>
        {
            await using var r = await ParquetUnitReader.OpenAsync((await SnapshotFile.DiscoverAsync(DataStore.Local, path, CancellationToken.None))[0], new SnapshotColumns(), CancellationToken.None);
        });
        Assert.Contains("column \"text\" holds int32 values, expected strings", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_with_a_stray_file_is_an_error_but_bookkeeping_files_are_ignored()
    {
        using var dir = new TempFolder();
        dir.File("part-0.jsonl", "");
        dir.File("_SUCCESS", "");
        dir.File(".hidden/x.txt", "");
        Assert.Single(await SnapshotFile.DiscoverAsync(DataStore.Local, dir.Path, CancellationToken.None));
        dir.File("notes.txt", "");
        var e = await Assert.ThrowsAsync<CurationException>(() => SnapshotFile.DiscoverAsync(DataStore.Local, dir.Path, CancellationToken.None));
        Assert.Contains("notes.txt: not a .parquet, .jsonl or .jsonl.gz file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_snapshot_that_does_not_exist_is_an_error()
    {
        var e = await Assert.ThrowsAsync<CurationException>(() => SnapshotFile.DiscoverAsync(DataStore.Local, "/nonexistent/snapshot", CancellationToken.None));
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    internal static async Task WriteAsync(string path, params string[][][] rowGroups)
    {
        var uuid = new DataField<string>("uuid");
        var text = new DataField<string>("text");
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(uuid, text), stream);
        foreach (var rows in rowGroups)
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(uuid, rows.Select(r => r[0]).ToArray());
            await group.WriteAsync(text, rows.Select(r => r[1]).ToArray());
        }
    }
}
