using MetaClip.Engine.Matching;
using MetaClip.Engine.Metadata;

namespace MetaClip.Engine.Tests.Metadata;

/// <summary>docs/curation-spec.md §1.2 and docs/formats.md "Metadata".</summary>
public class LidMapTests
{
    private static readonly HashSet<string> Lists = ["en", "de", "zh", "other"];

    [Fact]
    public void Empty_na_and_unknown_labels_go_to_other()
    {
        var map = new LidMap(new Dictionary<string, string> { ["en"] = "en", ["wuu"] = "zh", ["ia"] = "N/A" }, Lists);
        Assert.Equal("other", map.Resolve(""));
        Assert.Equal("other", map.Resolve(null));
        Assert.Equal("other", map.Resolve("ia"));
        Assert.Equal("other", map.Resolve("sw"));
        Assert.Equal("zh", map.Resolve("wuu"));
        Assert.Equal("en", map.Resolve("en"));
    }

    [Fact]
    public void Without_a_map_a_label_goes_to_the_list_of_the_same_name()
    {
        var map = new LidMap(null, Lists);
        Assert.Equal("de", map.Resolve("de"));
        Assert.Equal("other", map.Resolve("fr"));
    }

    [Fact]
    public async Task A_metadata_folder_loads_lists_and_map_and_ignores_the_manifest()
    {
        string dir = Directory.CreateTempSubdirectory("metaclip-meta-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "en.json"), "[\"dog\"]");
            File.WriteAllText(Path.Combine(dir, "de.json"), "[\"Hund\"]");
            File.WriteAllText(Path.Combine(dir, "lid_map.json"), "{\"en\": \"en\", \"de\": \"de\", \"gsw\": \"de\", \"xx\": \"N/A\"}");
            File.WriteAllText(Path.Combine(dir, "manifest.json"), "{}");
            var set = await MetadataSet.LoadAsync(MetaClip.Engine.Storage.DataStore.Local, dir, MetaClip.Engine.CurationMode.V2, CancellationToken.None);
            Assert.Equal(["de", "en"], set.Languages);
            Assert.Equal("de", set.LidMap.Resolve("gsw"));
            Assert.Equal("other", set.LidMap.Resolve("xx"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void The_built_in_map_covers_the_176_lid_labels_with_wikipedia_codes()
    {
        var entries = LidMap.BuiltInMap;
        Assert.Equal(176, entries.Count);
        Assert.Equal("zh", entries["yue"]);
        Assert.Equal("cbk_zam", entries["cbk"]);
        foreach (string label in new[] { "en", "zh", "wuu", "no", "nn", "sh", "als", "sr", "hr", "bs", "be", "nds" })
        {
            Assert.Equal(label, entries[label]);
        }

        Assert.Equal(174, entries.Count(e => e.Key == e.Value));
        if (SharedFolder.Path is string shared)
        {
            Assert.Equal(File.ReadAllLines(Path.Combine(shared, "lid", "lid176-labels.txt")).Order(StringComparer.Ordinal), entries.Keys.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void The_built_in_map_sends_a_label_whose_language_has_no_list_to_other()
    {
        var map = LidMap.BuiltIn(Lists);
        Assert.Equal("de", map.Resolve("de"));
        Assert.Equal("zh", map.Resolve("yue"));
        Assert.Equal("zh", map.Resolve("zh"));
        Assert.Equal("other", map.Resolve("fr"));
        Assert.Equal("other", map.Resolve("cbk"));
        Assert.Equal("other", map.Resolve("not-a-label"));
        Assert.False(map.IsExplicit);
    }

    [Theory]
    [InlineData("{\"en\": \"en\"} {\"de\": \"de\"}")]
    [InlineData("{\"en\": \"en\", \"de\": \"de\"}}")]
    [InlineData("{\"en\": \"en\", \"de\": \"de\"}]")]
    public void Regression_a_lid_map_with_more_after_its_object_was_read_to_the_object_s_end_and_the_rest_dropped(string json)
    {
        // {"en": "en"} {"de": "de"} curated German texts as "other" with exit 0: the second object was never read.
        var e = Assert.Throws<CurationException>(() => LidMap.Parse(System.Text.Encoding.UTF8.GetBytes(json), "lid_map.json"));
        Assert.StartsWith("metadata lid_map.json: not valid JSON", e.Message, StringComparison.Ordinal);
        Assert.Equal("de", LidMap.Parse("{\"en\": \"en\", \"de\": \"de\"}\n"u8.ToArray(), "lid_map.json")["de"]);
        e = Assert.Throws<CurationException>(() => LidMap.Parse("{\"en\": {}}"u8.ToArray(), "lid_map.json"));
        Assert.Contains("label \"en\" maps to an object", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Regression_a_named_pipe_in_the_metadata_folder_kept_the_job_waiting_for_good()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "a named pipe is made and told from a file here on Linux only");
        foreach (string name in new[] { "de.json", "lid_map.json" })
        {
            using var dir = new TempFolder();
            dir.File("en.json", "[\"dog\"]");
            MetaClip.TestSupport.DebianTools.Run("mkfifo", [dir.Combine(name)]);
            var e = await Assert.ThrowsAnyAsync<Exception>(() => MetadataSet.LoadAsync(MetaClip.Engine.Storage.DataStore.Local, dir.Path, MetaClip.Engine.CurationMode.V2, CancellationToken.None));
            Assert.True(e is CurationException or IOException, e.ToString());
            Assert.Contains($"{name}: not a regular file (a named pipe", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_metadata_folder_without_a_map_uses_the_built_in_one()
    {
        using var dir = new TempFolder();
        dir.File("zh.json", "[\"狗\"]");
        dir.File("en.json", "[\"dog\"]");
        var set = await MetadataSet.LoadAsync(MetaClip.Engine.Storage.DataStore.Local, dir.Path, MetaClip.Engine.CurationMode.V2, CancellationToken.None);
        Assert.Equal("zh", set.LidMap.Resolve("yue"));
        Assert.Equal("en", set.LidMap.Resolve("en"));
        Assert.Equal("other", set.LidMap.Resolve("de"));
    }
}
