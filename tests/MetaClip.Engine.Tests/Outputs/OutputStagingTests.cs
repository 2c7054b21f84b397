using MetaClip.Engine.Outputs;

namespace MetaClip.Engine.Tests.Outputs;

public class OutputStagingTests
{
    [Fact]
    public void Nothing_appears_until_commit_and_an_abandoned_job_leaves_earlier_outputs_intact()
    {
        using var dir = new TempFolder();
        string earlier = dir.File("out/thresholds.json", "earlier");
        using (var staging = new OutputStaging(dir.Combine("out")))
        {
            File.WriteAllText(staging.PathOf("thresholds.json"), "new");
            File.WriteAllText(staging.PathOf("report.json"), "new");
            Assert.False(File.Exists(dir.Combine("out", "report.json")));
        }

        Assert.Equal("earlier", File.ReadAllText(earlier));
        Assert.Equal(["thresholds.json"], Directory.EnumerateFileSystemEntries(dir.Combine("out")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Commit_replaces_earlier_outputs()
    {
        using var dir = new TempFolder();
        dir.File("out/curated/part-00000.parquet", "old");
        using var staging = new OutputStaging(dir.Combine("out"));
        Directory.CreateDirectory(staging.PathOf("curated"));
        File.WriteAllText(staging.PathOf("curated/part-00000.jsonl"), "new");
        await staging.CommitAsync(CancellationToken.None);
        Assert.Equal(["part-00000.jsonl"], Directory.EnumerateFiles(dir.Combine("out", "curated")).Select(Path.GetFileName));
        Assert.Single(Directory.EnumerateFileSystemEntries(dir.Combine("out")));
    }
}
