using System.IO.Compression;
using System.Text;
using System.Text.Json;
using MetaClip.Engine.Metadata.Building;

namespace MetaClip.Engine.Tests.Metadata.Building;

/// <summary><c>metaclip metadata build</c>'s recipe, rule by rule, on small sources written for each test.</summary>
public sealed class MetadataBuilderTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Sources_come_in_the_recipe_order_and_an_entry_keeps_its_first_place()
    {
        WordNet("nld", "00001-n\tnld:lemma\thuis_boot", "00002-n\tnld:lemma\tboom", "00003-n\tnld:lemma\t7");
        // 19 distinct words: a tenth of them, the most frequent one, is kept (water, 6 times).
        Text("nl.txt", "boom water water water fiets fiets", "water fiets huis boot", "water water", "een twee drie vier vijf zes zeven acht negen tien elf twaalf dertien veertien");
        Pageviews("views", "nl Amsterdam_Centraal 50 0", "nl boom 10 0");
        var lists = await BuildAsync(new() { WordNet = _dir.Combine("wn"), WikiText = _dir.Combine("text"), Pageviews = _dir.Combine("views"), Output = _dir.Combine("out"), PmiThreshold = -100 });
        var nl = lists["nl"];

        // 0…99 first ("7" stays where the numbers put it), then the lemmas (distinct, in code point order, as the
        // reference's wordnet_per_lang.json has them), then Wikipedia's words.
        Assert.Equal(Enumerable.Range(0, 100).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)), nl.Take(100));
        Assert.Equal(["boom", "huis boot"], nl.Skip(100).Take(2));
        int unigram = nl.IndexOf("water");
        int bigram = nl.IndexOf("water fiets");
        int title = nl.IndexOf("Amsterdam Centraal");
        Assert.True(unigram > 101 && bigram > unigram && title > bigram, $"{unigram} {bigram} {title}");
        Assert.Single(nl, e => e == "boom");
        Assert.Equal(nl.Count, nl.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Unigrams_are_the_most_frequent_tenth_ties_in_ordinal_order()
    {
        var counts = new NgramCounts(new ScriptTokenizer("en"));
        for (int i = 0; i < 30; i++)
        {
            counts.AddUnigram($"w{i:D2}", i < 5 ? 100 : 10);
        }

        // 30 distinct: 3 kept, the most frequent first, equal counts in ordinal order.
        Assert.Equal(["w00", "w01", "w02"], counts.TopUnigrams());
        counts.AddUnigram("w04", 1000);
        Assert.Equal(["w04", "w00", "w01"], counts.TopUnigrams());
    }

    [Fact]
    public void Unigrams_are_capped_at_251465()
    {
        var counts = new NgramCounts(new ScriptTokenizer("en"));
        for (int i = 0; i < 2_600_000; i++)
        {
            counts.AddUnigram("u" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), 1 + (i % 7));
        }

        Assert.Equal(NgramCounts.MaxUnigrams, counts.TopUnigrams().Count);
    }

    [Fact]
    public void Bigrams_need_a_pmi_above_30()
    {
        // PMI = log2(count(ab) · N / (count(a) · count(b))): a pair seen once of two words seen once is 31 in
        // 2^31 words (kept) and exactly 30 in 2^30 (not above 30: left out).
        Assert.Equal(31, NgramCounts.Pmi(1, 1, 1, 1L << 31), 10);
        Assert.Equal(30, NgramCounts.Pmi(1, 1, 1, 1L << 30), 10);

        var counts = new NgramCounts(new ScriptTokenizer("en"));
        counts.AddText("rare pair");
        counts.AddUnigram("filler", (1L << 31) - 2);
        Assert.Equal(["rare pair"], counts.TopBigrams());
        var fewer = new NgramCounts(new ScriptTokenizer("en"));
        fewer.AddText("rare pair");
        fewer.AddUnigram("filler", (1L << 30) - 2);
        Assert.Empty(fewer.TopBigrams());
    }

    [Fact]
    public void Bigrams_come_highest_pmi_first_and_never_span_punctuation()
    {
        var counts = new NgramCounts(new ScriptTokenizer("en"));
        counts.AddText("new york. new york, the city");
        counts.AddText("the the the the the city of new york");

        // Threshold lowered to see the order. N = 15 words. "city of" (1 pair; city 2, of 1): log2(15/2);
        // "new york" (3; 3 and 3): log2(45/9); "the city" (2; the 6, city 2): log2(30/12). "york new" and
        // "york the" are cut by the punctuation between them.
        var top = counts.TopBigrams(threshold: 0);
        Assert.Equal(15, counts.Words);
        Assert.Equal("city of", top[0]);
        Assert.True(top.IndexOf("new york") < top.IndexOf("the city"));
        Assert.DoesNotContain("york new", top);
        Assert.DoesNotContain("york the", top);
        Assert.Contains("city of", top);
        Assert.Equal(top.Count, top.Distinct().Count());
    }

    [Fact]
    public void Bigrams_of_languages_without_spaces_are_written_without_one()
    {
        var ja = new NgramCounts(new ScriptTokenizer("ja", new FixedWords("東京", "大学")));
        ja.AddText("東京大学");
        Assert.Equal(["東京大学"], ja.TopBigrams(threshold: -10));

        var yue = new ScriptTokenizer("zh_yue", new FixedWords("香港", "人"));
        Assert.True(yue.Unspaced);
        Assert.Equal("香港人", yue.Join("香港", "人"));
        Assert.False(new ScriptTokenizer("zh_min_nan").Unspaced); // Latin-script Min Nan: not in the reference's set

        var en = new NgramCounts(new ScriptTokenizer("en"));
        en.AddText("machine learning");
        Assert.Equal(["machine learning"], en.TopBigrams(threshold: -10));
        Assert.False(new ScriptTokenizer("ko").Unspaced);
    }

    /// <summary>A segmenter that cuts every piece into the given words (for rules that do not need a real one).</summary>
    private sealed class FixedWords(params string[] words) : IWordSegmenter
    {
        public string Description => "fixed";

        public IEnumerable<(string Token, bool Word)> Segment(string piece) => words.Select(w => (w, true));
    }

    [Fact]
    public async Task Titles_with_a_colon_are_left_out_views_add_up_over_dumps_and_76_percent_are_kept()
    {
        Pageviews("views/a", "en Main_Page 100 0", "en Talk:Dogs 999 0", "en.m Dog 40 0", "en.b Dog 1000 0", "de Hund 5 0", "en Cat 30 0");
        Pageviews("views/b", "en Dog 20 0", "en Cat 20 0", "en Bird 1 0", "en File:Dog.jpg 500 0");
        var lists = await BuildAsync(new() { Pageviews = _dir.Combine("views"), Output = _dir.Combine("out"), Languages = new HashSet<string> { "en" } });

        // Candidates: Main Page 100, Dog 60 (40 mobile + 20; wikibooks' 1000 not read), Cat 50, Bird 1.
        // 76% of 4 is 3.04: the three most viewed.
        Assert.Equal(["Main Page", "Dog", "Cat"], lists["en"].Skip(100));
        Assert.False(lists.ContainsKey("de"));
    }

    [Fact]
    public void Entries_that_are_empty_only_punctuation_or_longer_than_256_characters_are_dropped()
    {
        Assert.Null(EntryRules.Clean("   "));
        Assert.Null(EntryRules.Clean("!!!"));
        Assert.Null(EntryRules.Clean("—，。「」"));
        Assert.Null(EntryRules.Clean("$+<=>^`|~")); // Python's string.punctuation holds these symbols
        Assert.Equal("…«»¡・", EntryRules.Clean("…«»¡・")); // Unicode punctuation, but not the reference's
        Assert.Null(EntryRules.Clean("\u0E31")); // a lone Thai vowel mark
        Assert.Null(EntryRules.Clean(new string('x', 257)));
        Assert.Equal(new string('x', 256), EntryRules.Clean(new string('x', 256)));
        Assert.Equal(string.Concat(Enumerable.Repeat("😀", 256)), EntryRules.Clean(string.Concat(Enumerable.Repeat("😀", 256)))); // code points, not UTF-16 units
        Assert.Equal("a.b", EntryRules.Clean(" a.b\t"));
        Assert.Equal("a+", EntryRules.CleanLemma("a+", "de"));
        Assert.Equal("ab", EntryRules.CleanLemma(" a+b ", "fr"));
        Assert.Null(EntryRules.CleanLemma("+", "zh"));
    }

    [Fact]
    public async Task Variants_join_their_base_languages_and_unlabelled_languages_join_other()
    {
        // Two titles per wiki: the most viewed of each is kept (76% of 2).
        Pageviews("views", "zh 中文 10 0", "zh 汉字 5 0", "zh-yue 粵語 10 0", "zh-yue 中文 9 0", "zh-classical 文言 10 0", "zh-classical 之 1 0",
            "be-tarask Тарашкевіца 10 0", "be-tarask x 1 0", "cbk-zam Chavacano 10 0", "cbk-zam y 1 0", "simple Simple 10 0", "simple z 1 0", "ang Englisc 10 0", "ang w 1 0");
        var lists = await BuildAsync(new() { Pageviews = _dir.Combine("views"), Output = _dir.Combine("out") });
        Assert.Equal(["be", "cbk_zam", "other", "zh"], lists.Keys.Order(StringComparer.Ordinal));

        // The receiving language's own entries first, then each joining list's new ones, in ordinal order.
        Assert.Equal(["中文", "文言", "粵語"], lists["zh"].Skip(100));
        Assert.Equal(["Тарашкевіца"], lists["be"].Skip(100));
        Assert.Equal(["Chavacano"], lists["cbk_zam"].Skip(100));
        Assert.Equal(["Englisc", "Simple"], lists["other"].Skip(100));
        var manifest = JsonDocument.Parse(File.ReadAllText(_dir.Combine("out", "manifest.json"))).RootElement.GetProperty("languages");
        Assert.Equal(["zh_classical", "zh_yue"], manifest.GetProperty("zh").GetProperty("merged_from").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["be_tarask"], manifest.GetProperty("be").GetProperty("merged_from").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["ang", "simple"], manifest.GetProperty("other").GetProperty("merged_from").EnumerateArray().Select(e => e.GetString()));

        // lid_map.json: every label, to its language when that has a list, else N/A.
        var map = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(_dir.Combine("out", "lid_map.json")))!;
        Assert.Equal(176, map.Count);
        Assert.Equal("zh", map["zh"]);
        Assert.Equal("zh", map["yue"]);
        Assert.Equal("cbk_zam", map["cbk"]);
        Assert.Equal("N/A", map["en"]);
        Assert.Equal(map.Keys.Order(StringComparer.Ordinal), map.Keys);
    }

    [Fact]
    public async Task The_same_inputs_give_byte_identical_outputs()
    {
        WordNet("dan", "00001-n\tlemma\tkloster", "00002-n\tlemma\tevne");
        Text("da.txt", "et kloster og en kirke", "en kirke og et kloster");
        Pageviews("views", "da Kirke 4 0", "da Kloster 3 0");
        var first = new MetadataBuildOptions { WordNet = _dir.Combine("wn"), WikiText = _dir.Combine("text"), Pageviews = _dir.Combine("views"), Output = _dir.Combine("one") };
        var a = await new MetadataBuilder(first).BuildAsync();
        var b = await new MetadataBuilder(first with { Output = _dir.Combine("two") }).BuildAsync();
        Assert.Equal(a.ContentSha256, b.ContentSha256);
        foreach (string file in Directory.GetFiles(_dir.Combine("one")).Select(f => Path.GetFileName(f)))
        {
            Assert.Equal(File.ReadAllBytes(_dir.Combine("one", file)), File.ReadAllBytes(_dir.Combine("two", file)));
        }

        string manifest = File.ReadAllText(_dir.Combine("one", "manifest.json"));
        Assert.DoesNotContain(_dir.Path, manifest, StringComparison.Ordinal); // source files by relative name only
        Assert.Contains("\"file\": \"dan/wn-data-dan.tab\"", manifest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_tab_line_fails_naming_the_file_and_line_or_is_reported_and_skipped()
    {
        WordNet("dan", "00001-n\tlemma\tkloster", "this line has no tabs", "00002-n\tlemma\tevne");
        var options = new MetadataBuildOptions { WordNet = _dir.Combine("wn"), Output = _dir.Combine("out") };
        var e = await Assert.ThrowsAsync<CurationException>(() => new MetadataBuilder(options).BuildAsync());
        Assert.Contains("wn-data-dan.tab: line 3:", e.Message, StringComparison.Ordinal);
        Assert.Contains("--skip-bad-input", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.Combine("out", "da.json")));

        var result = await new MetadataBuilder(options with { SkipBadInput = true }).BuildAsync();
        Assert.Single(result.Skipped);
        Assert.Equal(["evne", "kloster"], JsonSerializer.Deserialize<List<string>>(File.ReadAllText(_dir.Combine("out", "da.json")))!.Skip(100));
        Assert.Contains("line 3", File.ReadAllText(_dir.Combine("out", "manifest.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_wordnet_language_code_and_an_empty_source_are_errors_naming_them()
    {
        WordNet("xyz", "00001-n\tlemma\tfoo");
        var e = await Assert.ThrowsAsync<CurationException>(() => new MetadataBuilder(new() { WordNet = _dir.Combine("wn"), Output = _dir.Combine("out") }).BuildAsync());
        Assert.Contains("unknown wordnet language code \"xyz\"", e.Message, StringComparison.Ordinal);
        Assert.Contains("--wordnet-code xyz=", e.Message, StringComparison.Ordinal);

        var mapped = await new MetadataBuilder(new() { WordNet = _dir.Combine("wn"), Output = _dir.Combine("out"), WordNetCodes = new Dictionary<string, string> { ["xyz"] = "de" } }).BuildAsync();
        Assert.Contains("de", mapped.Entries.Keys);

        Directory.CreateDirectory(_dir.Combine("empty"));
        e = await Assert.ThrowsAsync<CurationException>(() => new MetadataBuilder(new() { WikiText = _dir.Combine("empty"), Output = _dir.Combine("out2") }).BuildAsync());
        Assert.Contains("an empty source", e.Message, StringComparison.Ordinal);
        Assert.Contains(_dir.Combine("empty"), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Regression_a_stray_json_file_in_out_was_kept_beside_the_lists_and_curated_with_as_a_list()
    {
        // "Nothing else there is touched": an other.json already in --out stayed, and a job read it as the list of other.
        WordNet("dan", "00001-n\tlemma\tkloster");
        _dir.File("out/other.json", "[\"stray\"]");
        var options = new MetadataBuildOptions { WordNet = _dir.Combine("wn"), Output = _dir.Combine("out") };
        var e = await Assert.ThrowsAsync<CurationException>(() => new MetadataBuilder(options).BuildAsync());
        Assert.Contains($"--out {_dir.Combine("out")} holds other.json, which no earlier build wrote there", e.Message, StringComparison.Ordinal);
        Assert.Contains("the list of \"other\"", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.Combine("out", "da.json"))); // refused before any work
        Assert.Equal("[\"stray\"]", File.ReadAllText(_dir.Combine("out", "other.json")));

        // What a build wrote is its own: building into the same folder again is no stray.
        File.Delete(_dir.Combine("out", "other.json"));
        await new MetadataBuilder(options).BuildAsync();
        Assert.Contains("da", (await new MetadataBuilder(options).BuildAsync()).Entries.Keys);
    }

    [Fact]
    public async Task A_build_that_stopped_half_way_is_built_again_its_lists_are_no_strays()
    {
        // The second list cannot be written (a folder stands where it goes): da.json is written, the manifest is not.
        WordNet("dan", "00001-n\tlemma\tkloster");
        WordNet("deu", "00001-n\tlemma\tkloster");
        Directory.CreateDirectory(_dir.Combine("out", "de.json"));
        var options = new MetadataBuildOptions { WordNet = _dir.Combine("wn"), Output = _dir.Combine("out") };
        await Assert.ThrowsAnyAsync<UnauthorizedAccessException>(() => new MetadataBuilder(options).BuildAsync());
        Assert.True(File.Exists(_dir.Combine("out", "da.json")));

        Directory.Delete(_dir.Combine("out", "de.json"));
        var result = await new MetadataBuilder(options).BuildAsync();
        Assert.Equal(["da", "de"], result.Entries.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_manifest_json_in_out_that_is_not_an_object_is_not_ours_and_not_a_crash()
    {
        WordNet("dan", "00001-n\tlemma\tkloster");
        _dir.File("out/manifest.json", "[]");
        var result = await new MetadataBuilder(new MetadataBuildOptions { WordNet = _dir.Combine("wn"), Output = _dir.Combine("out") }).BuildAsync();
        Assert.Contains("da", result.Entries.Keys);
    }

    [Fact]
    public async Task An_out_that_is_a_file_and_languages_no_source_file_has_are_said_in_those_words()
    {
        WordNet("dan", "00001-n\tlemma\tkloster");
        _dir.File("a-file", "x");
        var options = new MetadataBuildOptions { WordNet = _dir.Combine("wn"), Output = _dir.Combine("a-file") };
        var e = await Assert.ThrowsAsync<CurationException>(() => new MetadataBuilder(options).BuildAsync());
        Assert.Contains($"--out {_dir.Combine("a-file")} is a file", e.Message, StringComparison.Ordinal);
        e = await Assert.ThrowsAsync<CurationException>(() => new MetadataBuilder(options with { Output = _dir.Combine("a-file", "lists") }).BuildAsync());
        Assert.Contains($"{_dir.Combine("a-file")} is a file, not a folder", e.Message, StringComparison.Ordinal);

        // A frequency list of Danish only, asked for a language it does not have: not "an empty source".
        _dir.File("counts/da.txt", "kirke 5\nkloster 3\n");
        e = await Assert.ThrowsAsync<CurationException>(() => new MetadataBuilder(new()
        {
            UnigramCounts = _dir.Combine("counts"),
            Output = _dir.Combine("out"),
            Languages = new HashSet<string>(StringComparer.Ordinal) { "zz-9" },
        }).BuildAsync());
        Assert.Contains($"--unigram-counts {_dir.Combine("counts")}: none of its 1 languages is one that --languages names (zz-9)", e.Message, StringComparison.Ordinal);
    }

    private static async Task<Dictionary<string, List<string>>> BuildAsync(MetadataBuildOptions options)
    {
        var result = await new MetadataBuilder(options).BuildAsync();
        return result.Entries.Keys.ToDictionary(l => l, l => JsonSerializer.Deserialize<List<string>>(File.ReadAllText(Path.Combine(options.Output, l + ".json")))!);
    }

    private void WordNet(string code, params string[] lines) =>
        _dir.File($"wn/{code}/wn-data-{code}.tab", $"# test wordnet\t{code}\thttps://example.org\tCC BY 4.0\n" + string.Join('\n', lines) + "\n");

    private void Text(string name, params string[] lines) => _dir.File("text/" + name, string.Join('\n', lines) + "\n");

    private void Pageviews(string folder, params string[] lines)
    {
        string path = _dir.Combine(folder, "pageviews-20240101-000000.gz");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gzip.Write(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
    }
}
