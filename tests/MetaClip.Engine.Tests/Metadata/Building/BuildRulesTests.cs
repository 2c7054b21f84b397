using System.Text.Json;
using MetaClip.Engine.Metadata.Building;

namespace MetaClip.Engine.Tests.Metadata.Building;

/// <summary>The reference's rules one by one (issue 21), and the bad inputs of issue 16, on sources written here.</summary>
public sealed class BuildRulesTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Caps_count_new_entries_walking_the_candidates_in_order()
    {
        // 30 distinct words: a cap of 3. The three most frequent are lemmas already, so the walk goes on past them
        // and adds three new ones (taking the top 3 and dropping those present would add none).
        _dir.File("wn/dan/wn-data-dan.tab", "# dan\n1-n\tlemma\ta1\n2-n\tlemma\ta2\n3-n\tlemma\ta3\n");
        _dir.File("counts/da.txt", string.Join('\n', Enumerable.Range(1, 30).Select(i => $"a{i} {100 - i}")) + "\n");
        var da = (await BuildAsync(new() { WordNet = _dir.Combine("wn"), UnigramCounts = _dir.Combine("counts"), Output = _dir.Combine("out") }))["da"];
        Assert.Equal(["a1", "a2", "a3", "a4", "a5", "a6"], da.Skip(100));
        var manifest = Manifest("out").GetProperty("languages").GetProperty("da");
        Assert.Equal(3, manifest.GetProperty("unigrams").GetInt32());
    }

    [Fact]
    public void The_unigram_caps_base_is_the_unigrams_as_counted_and_a_cap_of_0_still_adds_one()
    {
        var counts = new NgramCounts(new ScriptTokenizer("en"));
        for (int i = 0; i < 10; i++)
        {
            counts.AddUnigram(new string('x', 257) + i, 100); // counted, never an entry
            counts.AddUnigram("w" + i, 10 - i);
        }

        Assert.Equal(20, counts.DistinctUnigrams);
        Assert.Equal(2, counts.UnigramCap); // 10 % of 20, not of the 10 that can be entries
        Assert.Equal(["w0", "w1"], counts.TopUnigrams());

        var few = new NgramCounts(new ScriptTokenizer("en"));
        few.AddUnigram("only", 1);
        few.AddUnigram("two", 1);
        Assert.Equal(0, few.UnigramCap);
        Assert.Equal(["only"], few.TopUnigrams()); // the reference checks its count after adding
    }

    [Fact]
    public void Wiki_text_is_tokenized_by_the_references_rules()
    {
        var en = new ScriptTokenizer("en");
        Assert.Equal(["a", "l", "'", "eau", "東", "京", "x", "«bonjour»", "5", "$", "¿", "y"],
            en.Tokens("<b class=\"z\">a</b> &lt;span&gt;l'eau 東京x «bonjour» 5$¿y").Select(t => t.Token));

        // The chain: broken by pure punctuation, not by a line end within a file; restarted by each file.
        var counts = new NgramCounts(en);
        counts.AddText("new york, city");
        counts.AddText("hall");
        counts.BeginFile();
        counts.AddText("park");
        Assert.Equal(["city hall", "new york"], counts.RankedBigrams(threshold: -100).Order(StringComparer.Ordinal));

        // A lone combining mark or a single Thai letter is never a token that counts in a language with spaces.
        var marks = new NgramCounts(en);
        marks.AddText("ก \u0E31 dog ไทย");
        Assert.Equal(["dog"], marks.RankedUnigrams());
    }

    [Fact]
    public void Weird_tokens_of_no_space_languages_are_those_the_reference_names()
    {
        Assert.True(ScriptTokenizer.IsWeird("(東京"));
        Assert.True(ScriptTokenizer.IsWeird("東京」"));
        Assert.True(ScriptTokenizer.IsWeird("、東京"));
        Assert.True(ScriptTokenizer.IsWeird("大阪』")); // the reference's pair is "『 " with a space: every 』 is unpaired
        Assert.True(ScriptTokenizer.IsWeird("「東京」")); // starts with punctuation
        Assert.False(ScriptTokenizer.IsWeird("東京「大阪」"));
        Assert.False(ScriptTokenizer.IsWeird("東京"));
    }

    [Fact]
    public async Task Stale_lists_of_an_earlier_build_are_deleted_and_nothing_else()
    {
        _dir.File("counts/da.txt", "kirke 5\n");
        _dir.File("counts/nl.txt", "kerk 5\n");
        await BuildAsync(new() { UnigramCounts = _dir.Combine("counts"), Output = _dir.Combine("out") });
        Assert.True(File.Exists(_dir.Combine("out", "nl.json")));
        _dir.File("out/notes.txt", "mine");

        await BuildAsync(new() { UnigramCounts = _dir.Combine("counts"), Output = _dir.Combine("out"), Languages = new HashSet<string> { "da" } });
        Assert.False(File.Exists(_dir.Combine("out", "nl.json")));
        Assert.True(File.Exists(_dir.Combine("out", "da.json")));
        Assert.True(File.Exists(_dir.Combine("out", "notes.txt")));
        Assert.Equal(["da.json", "lid_map.json", "manifest.json"], Manifest("out").GetProperty("files").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task An_empty_wordnet_no_languages_and_a_NaN_threshold_are_errors()
    {
        _dir.File("wn/dan/wn-data-dan.tab", "# dan\tlemma\n");
        var e = await Assert.ThrowsAsync<CurationException>(() => new MetadataBuilder(new() { WordNet = _dir.Combine("wn"), Output = _dir.Combine("out") }).BuildAsync());
        Assert.Contains("an empty source", e.Message, StringComparison.Ordinal);

        _dir.File("counts/da.txt", "kirke 5\n");
        e = await Assert.ThrowsAsync<CurationException>(() => new MetadataBuilder(new() { UnigramCounts = _dir.Combine("counts"), Output = _dir.Combine("out"), Languages = new HashSet<string>() }).BuildAsync());
        Assert.Contains("--languages: no language given", e.Message, StringComparison.Ordinal);
        e = await Assert.ThrowsAsync<CurationException>(() => new MetadataBuilder(new() { UnigramCounts = _dir.Combine("counts"), Output = _dir.Combine("out"), PmiThreshold = double.NaN }).BuildAsync());
        Assert.Contains("--pmi-threshold NaN", e.Message, StringComparison.Ordinal);
        e = await Assert.ThrowsAsync<CurationException>(() => new MetadataBuilder(new() { UnigramCounts = _dir.Combine("counts"), Output = _dir.Combine("out"), Languages = new HashSet<string> { "nl" }, SkipBadInput = true }).BuildAsync());
        Assert.Contains("nothing to build", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.Combine("out", "manifest.json")));
    }

    [Fact]
    public async Task Regression_a_byte_order_mark_stayed_in_the_first_entry_and_an_empty_frequency_list_built_nothing_silently()
    {
        // "\uFEFFchat" was written to fr.json, an entry no text can match; an empty fr.txt gave 0 unigrams and no word.
        _dir.File("counts/fr.txt", "\uFEFFchat 5\nchien 3\n");
        var fr = (await BuildAsync(new() { UnigramCounts = _dir.Combine("counts"), Output = _dir.Combine("out") }))["fr"];
        Assert.Contains("chat", fr);
        Assert.DoesNotContain(fr, e => e.Contains('\uFEFF', StringComparison.Ordinal));

        _dir.File("counts/de.txt", "");
        var e = await Assert.ThrowsAsync<CurationException>(() => BuildAsync(new() { UnigramCounts = _dir.Combine("counts"), Output = _dir.Combine("out2") }));
        Assert.Contains("de.txt: an empty source", e.Message, StringComparison.Ordinal);

        // A file where its folder is wanted is said to be one, not said not to exist.
        e = await Assert.ThrowsAsync<CurationException>(() => BuildAsync(new() { UnigramCounts = _dir.Combine("counts", "fr.txt"), Output = _dir.Combine("out3") }));
        Assert.Contains("fr.txt is a file, not a folder", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Regression_a_named_pipe_among_the_sources_kept_the_build_waiting_for_good()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "a named pipe is made and told from a file here on Linux only");
        _dir.File("counts/fr.txt", "chat 5\n");
        MetaClip.TestSupport.DebianTools.Run("mkfifo", [_dir.Combine("counts", "de.txt")]);
        var e = await Assert.ThrowsAnyAsync<Exception>(() => BuildAsync(new() { UnigramCounts = _dir.Combine("counts"), Output = _dir.Combine("out") }));
        Assert.True(e is CurationException or IOException, e.ToString());
        Assert.Contains("de.txt: not a regular file (a named pipe", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Frequency_lists_mixed_ones_are_refused_two_lengths_of_one_are_refused_and_lower_case_ones_warned_about()
    {
        _dir.File("fw/top10k/de.2018.top10k.txt", "haus 5\nmit 9\n");
        _dir.File("fw/top10k/ze_en.2018.top10k.txt", "hello 5\n");
        _dir.File("fw/top50k/de.2018.top50k.txt", "haus 5\nmit 9\n");
        var e = await Assert.ThrowsAsync<CurationException>(() => new MetadataBuilder(new() { UnigramCounts = _dir.Combine("fw"), Output = _dir.Combine("out") }).BuildAsync());
        Assert.Contains("de has 2 lists of \"de\"", e.Message, StringComparison.Ordinal);

        var result = await new MetadataBuilder(new() { UnigramCounts = _dir.Combine("fw", "top10k"), Output = _dir.Combine("out") }).BuildAsync();
        Assert.Equal(["de"], result.Entries.Keys);
        Assert.Contains(result.Skipped, s => s.Contains("ze_en is a mixed subtitle list", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Contains("all lower-case", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Contains("truncated top-2 list", StringComparison.Ordinal));

        e = await Assert.ThrowsAsync<CurationException>(() => new MetadataBuilder(new() { UnigramCounts = _dir.Combine("fw", "top10k"), Output = _dir.Combine("out"), Languages = new HashSet<string> { "ze_zh" } }).BuildAsync());
        Assert.Contains("not a language", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_manifest_records_the_options_the_builder_and_whether_en_was_copied()
    {
        _dir.File("counts/en.txt", "House 5\nhouse 3\n");
        var result = await new MetadataBuilder(new() { UnigramCounts = _dir.Combine("counts"), Output = _dir.Combine("out"), PmiThreshold = 12.5, Cldr = true }).BuildAsync();
        var manifest = Manifest("out");
        Assert.Equal(MetadataBuilder.Version, manifest.GetProperty("builder_version").GetString());
        var options = manifest.GetProperty("options");
        Assert.Equal(12.5, options.GetProperty("pmi_threshold").GetDouble());
        Assert.True(options.GetProperty("cldr").GetBoolean());
        Assert.Equal(251_465, options.GetProperty("caps").GetProperty("max_unigrams").GetInt32());
        Assert.StartsWith("built from the sources", options.GetProperty("english").GetString(), StringComparison.Ordinal);
        Assert.Contains(result.Warnings, w => w.Contains("--english", StringComparison.Ordinal));
        Assert.Equal(JsonValueKind.Object, manifest.GetProperty("segmenters").ValueKind);

        _dir.File("english/metadata.json", "[\"dog\", \"cat\"]");
        await new MetadataBuilder(new() { English = _dir.Combine("english", "metadata.json"), Output = _dir.Combine("out2") }).BuildAsync();
        Assert.StartsWith("copied from --english", Manifest("out2").GetProperty("options").GetProperty("english").GetString(), StringComparison.Ordinal);
    }

    private JsonElement Manifest(string folder) => JsonDocument.Parse(File.ReadAllText(_dir.Combine(folder, "manifest.json"))).RootElement;

    private static async Task<Dictionary<string, List<string>>> BuildAsync(MetadataBuildOptions options)
    {
        var result = await new MetadataBuilder(options).BuildAsync();
        return result.Entries.Keys.ToDictionary(l => l, l => JsonSerializer.Deserialize<List<string>>(File.ReadAllText(Path.Combine(options.Output, l + ".json")))!);
    }
}
