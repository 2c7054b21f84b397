using System.Text.Json;
using MetaClip.Engine.Metadata.Building;

namespace MetaClip.Engine.Tests.Metadata.Building;

/// <summary>
/// The no-space languages' segmenters on real sentences (lingua's test sentences in <c>shared/data</c>), each
/// against the segmentation its own tool gives: <c>mecab -Owakati</c> (Debian's mecab, IPADIC) for Japanese,
/// Debian's Python jieba for Chinese, Debian's PyICU word break iterator for Thai.
/// </summary>
public sealed class SegmenterTests : IDisposable
{
    private const int Sentences = 300;
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public void Japanese_is_segmented_as_mecab_Owakati_with_ipadic_segments_it()
    {
        string mecab = DebianTools.RequireCommand("mecab", "mecab libmecab2 mecab-ipadic-utf8");
        var pieces = Pieces("ja");
        var expected = DebianTools.Run(mecab, ["-Owakati", "-d", "/var/lib/mecab/dic/ipadic-utf8"], string.Join('\n', pieces) + "\n")
            .Split('\n')[..pieces.Count].Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        var segmenter = Segmenters.For("ja");
        Assert.Contains("MeCab", segmenter.Description, StringComparison.Ordinal);
        for (int i = 0; i < pieces.Count; i++)
        {
            Assert.Equal(expected[i], segmenter.Segment(pieces[i]).Select(t => t.Token));
        }
    }

    [SkippableFact]
    public void Chinese_is_segmented_as_python_jieba_segments_it()
    {
        string python = Python("import jieba", "python3-jieba");
        var pieces = Pieces("zh");
        string input = _dir.File("zh.txt", string.Join('\n', pieces) + "\n");
        var expected = DebianTools.Run(python, ["-P", "-c",
            "import jieba, json, logging, sys\njieba.setLogLevel(logging.ERROR)\n" +
            "for line in open(sys.argv[1], encoding='utf-8'):\n    print(json.dumps(list(jieba.cut(line.rstrip('\\n'), HMM=True)), ensure_ascii=False))",
            input]).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize<string[]>(l)!).ToList();
        var segmenter = Segmenters.For("zh");
        Assert.Contains("jieba.NET", segmenter.Description, StringComparison.Ordinal);
        Assert.Equal(pieces.Count, expected.Count);
        for (int i = 0; i < pieces.Count; i++)
        {
            Assert.Equal(expected[i], segmenter.Segment(pieces[i]).Select(t => t.Token));
        }
    }

    [SkippableFact]
    public void Thai_is_segmented_as_icus_word_break_iterator_segments_it()
    {
        string python = Python("import icu", "python3-icu");
        var pieces = Pieces("th");
        string input = _dir.File("th.txt", string.Join('\n', pieces) + "\n");
        var expected = DebianTools.Run(python, ["-P", "-c",
            "import icu, json, sys\nbi = icu.BreakIterator.createWordInstance(icu.Locale('th'))\n" +
            "for line in open(sys.argv[1], encoding='utf-8'):\n    t = line.rstrip('\\n'); bi.setText(t); s = 0; out = []\n" +
            "    for e in bi:\n        out.append([t[s:e], bi.getRuleStatus() >= 100]); s = e\n    print(json.dumps(out, ensure_ascii=False))",
            input]).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize<JsonElement[][]>(l)!).ToList();
        var segmenter = Segmenters.For("th");
        Assert.Contains("ICU", segmenter.Description, StringComparison.Ordinal);
        Assert.Equal(pieces.Count, expected.Count);
        for (int i = 0; i < pieces.Count; i++)
        {
            Assert.Equal(expected[i].Select(e => (e[0].GetString()!, e[1].GetBoolean())), segmenter.Segment(pieces[i]));
        }
    }

    [SkippableFact]
    public async Task Thai_and_Japanese_lists_from_real_text_have_no_lone_mark_and_no_single_character_that_is_not_a_word()
    {
        string shared = SharedFolder.Require();
        DebianTools.RequireCommand("mecab", "mecab libmecab2 mecab-ipadic-utf8");
        foreach (string language in new[] { "th", "ja" })
        {
            File.Copy(Path.Combine(shared, "data", "lingua-testdata", "sentences", language + ".txt.gz"), _dir.Combine("text", language + ".txt.gz").EnsureFolder());
        }

        var result = await new MetadataBuilder(new MetadataBuildOptions { WikiText = _dir.Combine("text"), Output = _dir.Combine("out") }).BuildAsync();
        foreach (string language in new[] { "th", "ja" })
        {
            var list = JsonSerializer.Deserialize<List<string>>(File.ReadAllText(_dir.Combine("out", language + ".json")))!.Skip(100).ToList();
            Assert.True(list.Count > 50, $"{language}: {list.Count}");
            Assert.DoesNotContain(list, e => EntryRules.IsLoneMark(e));
            Assert.DoesNotContain(list, e => e.Length == 1 && !char.IsLetterOrDigit(e[0]));
            if (language == "th")
            {
                var icu = Segmenters.For("th");
                Assert.DoesNotContain(list, e => e.Length == 1 && !icu.Segment(e).Single().Word);
            }
        }

        string manifest = File.ReadAllText(_dir.Combine("out", "manifest.json"));
        Assert.Contains("\"ja\": \"MeCab", manifest, StringComparison.Ordinal);
        Assert.Contains("\"th\": \"ICU", manifest, StringComparison.Ordinal);
        Assert.Equal(2, result.Entries.Count);
    }

    [Fact]
    public void A_missing_mecab_dictionary_is_a_one_line_error_naming_the_package()
    {
        var e = Assert.Throws<CurationException>(() => new MeCabWords(_dir.Combine("no-such-dictionary")));
        Assert.Contains("apt-get install libmecab2 mecab-ipadic-utf8", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Tibetan_is_cut_into_syllables_with_their_tsheg_and_its_shad_is_not_a_word()
    {
        var bo = Segmenters.For("bo");
        Assert.Equal([("བཀྲ་", true), ("ཤིས་", true), ("བདེ་", true), ("ལེགས", true), ("།", false)], bo.Segment("བཀྲ་ཤིས་བདེ་ལེགས།"));
    }

    /// <summary>The first sentences of a lingua test file, cut at white space as the builder cuts them before segmenting.</summary>
    private static List<string> Pieces(string language)
    {
        string shared = SharedFolder.Require();
        return [.. SourceFiles.ReadLines(Path.Combine(shared, "data", "lingua-testdata", "sentences", language + ".txt.gz")).Take(Sentences)
            .SelectMany(l => l.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))];
    }

    /// <summary>Debian's python3 (its python3-jieba and python3-icu live there, not in another python on PATH), with a module.</summary>
    /// <summary>
    /// Debian's python3 with <paramref name="import"/> working, or a skip naming the package. Python runs with <c>-P</c>:
    /// the working folder (this test's bin folder, which holds jieba.NET's <c>jieba</c> resource folder) is not searched,
    /// so that folder never passes for Python's jieba as an empty namespace package.
    /// </summary>
    private static string Python(string import, string package)
    {
        string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : DebianTools.RequireCommand("python3", "python3");
        bool present;
        try
        {
            DebianTools.Run(python, ["-P", "-c", import]);
            present = true;
        }
        catch (InvalidOperationException)
        {
            present = false;
        }

        DebianTools.Require(present, $"{python}'s {import[7..]} module", package);
        return python;
    }
}

internal static class PathExtensions
{
    /// <summary>Creates the file's folder; returns the path.</summary>
    public static string EnsureFolder(this string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }
}
