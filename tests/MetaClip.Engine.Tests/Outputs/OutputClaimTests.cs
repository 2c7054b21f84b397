using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Tests.Outputs;

/// <summary>The output folder belongs to one job at a time (issue 16: two jobs with the same --out were both accepted).</summary>
public class OutputClaimTests
{
    [Fact]
    public async Task Regression_a_second_job_on_a_folder_in_use_is_refused_naming_the_first()
    {
        using var dir = new TempFolder();
        var options = Sample(dir);
        await OutputClaim.ForThisProcess("first-job").TakeAsync(DataStore.Local, dir.Combine("out"), _ => Task.FromResult(false), CancellationToken.None);

        var e = await Assert.ThrowsAsync<CurationException>(() => new CurationPipeline(options).RunAsync());
        Assert.Contains("is in use by job first-job", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.Combine("out", "thresholds.json")), "the second job wrote nothing");

        await OutputClaim.ReleaseAsync(DataStore.Local, dir.Combine("out"), "first-job", CancellationToken.None);
        await new CurationPipeline(options).RunAsync();
        Assert.True(File.Exists(dir.Combine("out", "thresholds.json")));
        Assert.Null(await OutputClaim.ReadAsync(DataStore.Local, dir.Combine("out"), CancellationToken.None));
    }

    [Fact]
    public async Task The_claim_of_a_killed_run_is_taken_over()
    {
        using var dir = new TempFolder();
        dir.File("out/" + OutputClaim.FileName, $$"""{"job": "killed", "owner": "process {{Environment.MachineName}} {{int.MaxValue - 1}} 0", "since": "2026-01-01T00:00:00Z"}""");
        await new CurationPipeline(Sample(dir)).RunAsync();
        Assert.True(File.Exists(dir.Combine("out", "thresholds.json")));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("snapshot")]
    [InlineData("snapshot/out")]
    [InlineData("metadata")]
    public void Regression_an_output_folder_that_is_the_root_or_inside_an_input_is_refused(string output)
    {
        // --out / wrote six outputs into /; --out inside the snapshot broke the next run (issue 16).
        using var dir = new TempFolder();
        var options = Sample(dir) with { Output = output == "/" ? "/" : dir.Combine(output) };
        var e = Assert.Throws<CurationException>(options.Validate);
        Assert.StartsWith("--out ", e.Message, StringComparison.Ordinal);
    }

    private static CurationOptions Sample(TempFolder dir)
    {
        dir.File("snapshot/a.jsonl", "{\"uuid\": \"a\", \"lang\": \"en\", \"text\": \"a dog\"}\n");
        dir.File("metadata/en.json", "[\"dog\"]");
        return new CurationOptions
        {
            Snapshot = dir.Combine("snapshot"),
            Metadata = dir.Combine("metadata"),
            Output = dir.Combine("out"),
            P = 0.5,
            Columns = new SnapshotColumns { Lang = "lang" },
        };
    }
}
