using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;

namespace MetaClip.Engine.Tests.Pipeline;

/// <summary>
/// Regression (issue 16): an empty snapshot with --p succeeded with 0 images and replaced earlier outputs; without
/// --p every case said "no English text matched", hiding an empty list, en → N/A, or no English list at all.
/// </summary>
public class ThresholdsStepTests
{
    [Theory]
    [InlineData("")]
    [InlineData("{\"uuid\": \"a\", \"lang\": \"en\", \"text\": \"   \"}\n")]
    public async Task An_empty_snapshot_fails_and_leaves_earlier_outputs_as_they_were(string jsonl)
    {
        using var dir = new TempFolder();
        dir.File("snap/a.jsonl", jsonl);
        dir.File("meta/en.json", "[\"dog\"]");
        string earlier = dir.File("out/thresholds.json", "earlier");
        var e = await Assert.ThrowsAsync<CurationException>(() => new CurationPipeline(Options(dir) with { P = 0.5 }).RunAsync());
        Assert.Contains("holds no texts", e.Message, StringComparison.Ordinal);
        Assert.Equal("earlier", File.ReadAllText(earlier));
    }

    [Theory]
    [InlineData("[]", null, "is empty")]
    [InlineData("[\"cat\"]", "{\"en\": \"N/A\"}", "sends the label en to 'other'")]
    [InlineData("[\"cat\"]", null, "none of the 1 English texts contains an entry")]
    public async Task Without_p_the_reason_no_english_text_matched_is_named(string list, string? lidMap, string reason)
    {
        using var dir = new TempFolder();
        dir.File("snap/a.jsonl", "{\"uuid\": \"a\", \"lang\": \"en\", \"text\": \"a dog\"}\n");
        dir.File("meta/en.json", list);
        if (lidMap is not null)
        {
            dir.File("meta/lid_map.json", lidMap);
        }

        var e = await Assert.ThrowsAsync<CurationException>(() => new CurationPipeline(Options(dir)).RunAsync());
        Assert.Contains("no English text matched", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Contains("--p", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_english_list_that_is_the_reason()
    {
        using var dir = new TempFolder();
        dir.File("snap/a.jsonl", "{\"uuid\": \"a\", \"lang\": \"de\", \"text\": \"ein Hund\"}\n");
        dir.File("meta/de.json", "[\"Hund\"]");
        var e = await Assert.ThrowsAsync<CurationException>(() => new CurationPipeline(Options(dir)).RunAsync());
        Assert.Contains("the metadata has no English list (en.json)", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "the built-in LID map")]
    [InlineData("{\"en\": \"en\", \"de\": \"N/A\"}", "lid_map.json")]
    public async Task A_list_that_no_label_maps_to_is_named_in_the_report_as_never_used(string? lidMap, string source)
    {
        // EN.json beside en.json: labels are lower case, so the list was never matched against, without a word of it.
        using var dir = new TempFolder();
        dir.File("snap/a.jsonl", "{\"uuid\": \"a\", \"lang\": \"en\", \"text\": \"a dog\"}\n");
        dir.File("meta/en.json", "[\"dog\"]");
        dir.File("meta/EN.json", "[\"cat\"]");
        if (lidMap is not null)
        {
            dir.File("meta/lid_map.json", lidMap);
        }

        var result = await new CurationPipeline(Options(dir)).RunAsync();
        Assert.Contains($"1 metadata list is never used: no LID label maps to its language in {source}: EN.json.", result.Report.Warnings);
        Assert.DoesNotContain(result.Report.Warnings, w => w.Contains("en.json", StringComparison.Ordinal));
    }

    private static CurationOptions Options(TempFolder dir) => new()
    {
        Snapshot = dir.Combine("snap"),
        Metadata = dir.Combine("meta"),
        Output = dir.Combine("out"),
        Columns = new SnapshotColumns { Lang = "lang" },
    };
}
