using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Tests.Storage;

public class DataStoreTests
{
    [Theory]
    [InlineData("az://snapshots/crawl/2026-11/", "az://snapshots/crawl/2026-11")]
    [InlineData("az://snapshots//crawl\\part", "az://snapshots/crawl/part")]
    [InlineData("az://snapshots", "az://snapshots")]
    public void Blob_locations_have_one_canonical_form(string location, string expected) =>
        Assert.Equal(expected, DataStore.Normalize(location));

    [Theory]
    [InlineData("az://Snapshots/x")]
    [InlineData("az://ab/x")]
    [InlineData("az://a--b/x")]
    public void A_location_whose_container_is_not_a_container_name_is_an_error_naming_it(string location)
    {
        var e = Assert.Throws<CurationException>(() => DataStore.Normalize(location));
        Assert.Contains("is not a blob container name", e.Message, StringComparison.Ordinal);
        Assert.StartsWith(location, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("az://out/../snap/good")]
    [InlineData("az://out/a/./b")]
    [InlineData("az://out/..")]
    public void Regression_a_dot_dot_in_a_blob_location_wrote_into_another_container(string location)
    {
        // --out az://out/../snap/good wrote into container "snap", the snapshot's (issue 16).
        var e = Assert.Throws<CurationException>(() => DataStore.Normalize(location));
        Assert.Contains("'.' or '..'", e.Message, StringComparison.Ordinal);
        Assert.StartsWith(location, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_blob_location_without_a_storage_account_says_how_to_configure_one()
    {
        var e = await Assert.ThrowsAsync<CurationException>(() => DataStore.Local.ListAsync("az://snapshots/crawl", CancellationToken.None));
        Assert.Contains(DataStore.ConnectionStringVariable, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_account_is_an_error_naming_the_location()
    {
        // Nothing listens on port 9 (discard) of loopback here; no retries, so the test does not wait for them.
        var store = new DataStore("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + Convert.ToBase64String(new byte[64]) + ";BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;", maxRetries: 0);
        var e = await Assert.ThrowsAsync<CurationException>(() => store.KindAsync("az://snapshots/crawl", CancellationToken.None));
        Assert.StartsWith("az://snapshots/crawl: cannot be looked up: the storage account cannot be reached", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Blobs_are_written_whole_listed_in_order_read_back_and_deleted_by_prefix()
    {
        await using var blobs = BlobFolders.Create();
        var store = blobs.Store;
        Assert.Equal(StoredKind.Missing, await store.KindAsync(blobs.Location("data"), CancellationToken.None));
        await blobs.WriteTextAsync("data/b/2.txt", "two");
        await blobs.WriteTextAsync("data/a.txt", "one");
        await blobs.WriteTextAsync("data-other/x.txt", "not under data/");

        Assert.Equal(StoredKind.Folder, await store.KindAsync(blobs.Location("data"), CancellationToken.None));
        Assert.Equal(StoredKind.File, await store.KindAsync(blobs.Location("data/a.txt"), CancellationToken.None));
        Assert.Equal(["a.txt", "b/2.txt"], await blobs.NamesAsync("data"));
        Assert.Equal("two"u8.ToArray(), await store.ReadAllBytesAsync(blobs.Location("data/b/2.txt"), CancellationToken.None));

        await using (var stream = await store.OpenReadAsync(blobs.Location("data/a.txt"), CancellationToken.None))
        {
            stream.Seek(1, SeekOrigin.Begin);
            Assert.Equal('n', stream.ReadByte());
        }

        await store.DeleteAsync(blobs.Location("data"), CancellationToken.None);
        Assert.Equal(StoredKind.Missing, await store.KindAsync(blobs.Location("data"), CancellationToken.None));
        Assert.Equal(["x.txt"], await blobs.NamesAsync("data-other"));
    }

    [SkippableFact]
    public async Task A_missing_blob_is_an_error_naming_it()
    {
        await using var blobs = BlobFolders.Create();
        await blobs.WriteTextAsync("present.txt", "x");
        var e = await Assert.ThrowsAsync<CurationException>(() => blobs.Store.ReadAllBytesAsync(blobs.Location("absent.txt"), CancellationToken.None));
        Assert.StartsWith(blobs.Location("absent.txt") + ": cannot be read: 404", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_engine_curates_a_blob_snapshot_into_a_blob_prefix_exactly_as_from_and_to_local_folders()
    {
        await using var blobs = BlobFolders.Create();
        using var work = new TempFolder();
        string snapshot = await blobs.UploadAsync(Repository.Path("samples", "snapshot"), "snapshots/sample");
        string metadata = await blobs.UploadAsync(Repository.Path("samples", "metadata"), "metadata");
        var local = Options(Repository.Path("samples", "snapshot"), Repository.Path("samples", "metadata"), work.Combine("local"));
        await new CurationPipeline(local).RunAsync();

        // An earlier run's outputs under the prefix: what the new outputs replace goes, anything else stays.
        await blobs.WriteTextAsync("out/entry_counts/zz.jsonl", "stale");
        await blobs.WriteTextAsync("out/curated/part-00099.parquet", "stale");
        await blobs.WriteTextAsync("out/NOTES.txt", "the user's own file");

        var result = await new CurationPipeline(local with { Snapshot = snapshot, Metadata = metadata, Output = blobs.Location("out") }, null, blobs.Store).RunAsync();
        Assert.Equal(blobs.Location("out"), result.OutputFolder);
        Assert.Equal(blobs.Location("out/report.html"), result.ReportHtml);

        var names = await blobs.NamesAsync("out");
        Assert.DoesNotContain("entry_counts/zz.jsonl", names);
        Assert.DoesNotContain("curated/part-00099.parquet", names);
        Assert.Contains("NOTES.txt", names);
        Assert.Contains("report.json", names);
        Assert.Contains(OutputManifest.FileName, names);
        Assert.DoesNotContain(names, n => n.StartsWith('.') && n != OutputManifest.FileName);

        await blobs.DownloadAsync(blobs.Location("out"), work.Combine("blob"));
        foreach (string file in Directory.EnumerateFiles(work.Combine("local"), "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(work.Combine("local"), file);
            if (relative.StartsWith("report", StringComparison.Ordinal) || relative == OutputManifest.FileName)
            {
                continue; // timings differ; the manifests name different jobs and times
            }

            Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(work.Combine("blob", relative))), $"{relative} differs");
        }
    }

    [SkippableFact]
    public async Task A_corrupt_blob_in_a_snapshot_fails_the_job_naming_it_and_leaves_the_output_prefix_untouched()
    {
        await using var blobs = BlobFolders.Create();
        string snapshot = await blobs.UploadAsync(Repository.Path("samples", "snapshot"), "snapshot");
        await blobs.WriteTextAsync("snapshot/part-99999.parquet", "PAR1 this is not parquet");
        string metadata = await blobs.UploadAsync(Repository.Path("samples", "metadata"), "metadata");
        var options = Options(snapshot, metadata, blobs.Location("out"));
        var e = await Assert.ThrowsAsync<CurationException>(() => new CurationPipeline(options, null, blobs.Store).RunAsync());
        Assert.Contains("part-99999.parquet", e.Message, StringComparison.Ordinal);
        Assert.Empty(await blobs.NamesAsync("out"));
    }

    [SkippableFact]
    public async Task A_blob_snapshot_prefix_that_does_not_exist_is_an_error()
    {
        await using var blobs = BlobFolders.Create();
        await blobs.WriteTextAsync("other/x.jsonl", "");
        var e = await Assert.ThrowsAsync<CurationException>(() => SnapshotFile.DiscoverAsync(blobs.Store, blobs.Location("snapshot"), CancellationToken.None));
        Assert.Equal($"snapshot {blobs.Location("snapshot")} does not exist", e.Message);
    }

    private static CurationOptions Options(string snapshot, string metadata, string output) => new()
    {
        Snapshot = snapshot,
        Metadata = metadata,
        Output = output,
        TEn = 20,
        Columns = new SnapshotColumns { Lang = "lang" },
    };
}
