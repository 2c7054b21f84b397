using System.IO.Compression;
using System.Text;
using System.Text.Json;
using MetaClip.Engine.Metadata.Building;

namespace MetaClip.Engine.Tests.Metadata.Building;

/// <summary>
/// The builder against <c>reference_oracle.py</c> (beside this file): our own Python 3 implementation of
/// MetaCLIP 2's metadata rules from their description, run with Debian's python3 on small sources made here.
/// The lists must be equal entry for entry, in order.
/// </summary>
public sealed class ReferenceOracleTests : IDisposable
{
    private static readonly string Oracle = Repository.Path("tests", "MetaClip.Engine.Tests", "Metadata", "Building", "reference_oracle.py");
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public async Task French_lists_equal_the_oracles_with_plus_lemmas_both_punctuations_long_entries_and_binding_caps()
    {
        string python = DebianTools.RequireCommand("python3", "python3");
        _dir.File("wn/fra/wn-data-fra.tab", "# fra\tlemma\n" + string.Join('\n',
            "00001-n\tfra:lemma\tpomme+de+terre", "00002-n\tfra:lemma\t+", "00003-n\tfra:lemma\t_chat_", "00004-n\tfra:lemma\t«»",
            "00005-n\tfra:lemma\t$", "00006-n\tfra:lemma\tbleu", "00007-n\tfra:lemma\t¡hola!", "00008-n\tfra:lemma\tmaison",
            "00009-n\tfra:lemma\t—", "00010-n\tfra:lemma\t，。", "00011-n\tfra:def\tnot a lemma", "00012-n\tfra:lemma\tZèbre",
            "00013-n\tfra:lemma\t" + new string('l', 300)) + "\n");
        string longWord = new('x', 300);
        _dir.File("text/fr/a.txt", string.Join('\n',
            "<ref name=\"a\">la maison</ref> bleue &lt;span&gt;la maison bleue",
            "l'eau de la maison « bleue » et la maison: 5$ + 3 = 8 ~ ok",
            "prix¿ maison—bleue ¡vamos! Tokyo 東京 ไทย ั่ " + longWord + " " + longWord,
            "la la la la maison maison bleue bleue bleue chat chat",
            "un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize",
            "(parenthèse) [crochet] {accolade} “guillemets” 「括弧」 『二重』 l'été, l'été; l'été") + "\n");
        _dir.File("text/fr/b.txt", "seize dix-sept dix-huit maison bleue\nvingt et un\n");
        _dir.File("counts/fr.2018.top10k.txt", "maison 50\nbleu 40\nrouge 30\nvert 30\nZèbre 2\n");
        Pageviews("views/p1.gz", "fr Chat 100 0", "fr.m Chat 50 0", "fr Discussion:Chat 999 0", "fr Maison 80 0", "fr _Maison_ 10 0",
            "fr Rien 0 0", "fr !!! 500 0", "fr " + new string('T', 300) + " 400 0", "fr Tour_Eiffel 70 0", "fr Louvre 60 0", "fr.b Livre 1000 0",
            "fr Pomme+de+terre 5 0", "fr «» 4 0", "de Haus 90 0");
        Pageviews("views/p2.gz", "fr Louvre 30 0", "fr Arc_de_Triomphe 3 0", "fr Bastille 2 0", "\"\" x 5 0");

        var built = await BuildAsync("fr", -1000);
        var expected = RunOracle(python, "fr", -1000, wordnet: ["wn/fra/wn-data-fra.tab"], wiki: ["text/fr/a.txt", "text/fr/b.txt"],
            counts: ["counts/fr.2018.top10k.txt"], pageviews: ["views/p1.gz", "views/p2.gz"]);
        Assert.Equal(expected, built);

        // What the rules did, so that a rule both sides miss cannot pass unseen.
        Assert.Contains("pommedeterre", built);
        Assert.DoesNotContain("+", built);
        Assert.DoesNotContain("—", built);
        Assert.Contains("«»", built); // not punctuation in the reference
        Assert.Contains("¡hola!", built);
        Assert.DoesNotContain(built, e => e.Length > 256 && e[0] != 'l');
        Assert.Contains(new string('l', 300), built); // lemmas have no length limit
        Assert.DoesNotContain("ั", built);
        Assert.DoesNotContain("ไ", built);
        Assert.Contains("Chat", built);
        Assert.DoesNotContain("Livre", built);
    }

    [SkippableFact]
    public async Task Japanese_lists_equal_the_oracles_with_mecab_segmentation()
    {
        string python = DebianTools.RequireCommand("python3", "python3");
        DebianTools.RequireCommand("mecab", "mecab libmecab2 mecab-ipadic-utf8");
        _dir.File("wn/jpn/wn-data-jpn.tab", "# jpn\n00001-n\tjpn:lemma\t東京+大学\n00002-n\tjpn:lemma\t犬\n00003-n\tjpn:lemma\t＋\n00004-n\tjpn:lemma\t「」\n");
        _dir.File("text/ja.txt", string.Join('\n',
            "これは日本語の文章です。東京大学で勉強しています。",
            "「東京」と『大阪』の間に（新幹線）が走っている・・・",
            "猫が好きです。犬も好きです。猫と犬。",
            "<b>東京タワー</b>は東京都港区にある電波塔です。") + "\n");
        Pageviews("views/p.gz", "ja 東京 100 0", "ja 大阪 80 0", "ja 京都 60 0", "ja ノート:東京 5 0");

        var built = await BuildAsync("ja", -1000);
        var expected = RunOracle(python, "ja", -1000, wordnet: ["wn/jpn/wn-data-jpn.tab"], wiki: ["text/ja.txt"], counts: [], pageviews: ["views/p.gz"]);
        Assert.Equal(expected, built);
        Assert.Contains("東京大学", built);
        Assert.Contains("＋", built); // a lemma: only the ASCII + goes, and the full-width one is not the reference's punctuation
        Assert.DoesNotContain(built.Skip(103), e => e.Length == 1 && !char.IsLetterOrDigit(e[0])); // after the 3 lemmas
    }

    private async Task<List<string>> BuildAsync(string language, double pmi)
    {
        var options = new MetadataBuildOptions
        {
            WordNet = Directory.Exists(_dir.Combine("wn")) ? _dir.Combine("wn") : null,
            WikiText = _dir.Combine("text"),
            UnigramCounts = Directory.Exists(_dir.Combine("counts")) ? _dir.Combine("counts") : null,
            Pageviews = _dir.Combine("views"),
            Languages = new HashSet<string> { language },
            PmiThreshold = pmi,
            Output = _dir.Combine("out"),
        };
        await new MetadataBuilder(options).BuildAsync();
        return JsonSerializer.Deserialize<List<string>>(File.ReadAllText(_dir.Combine("out", language + ".json")))!;
    }

    private List<string> RunOracle(string python, string language, double pmi, string[] wordnet, string[] wiki, string[] counts, string[] pageviews)
    {
        var args = new List<string> { Oracle, language, "--pmi-threshold", pmi.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        args.AddRange(wordnet.SelectMany(f => new[] { "--wordnet", _dir.Combine(f) }));
        args.AddRange(wiki.SelectMany(f => new[] { "--wiki", _dir.Combine(f) }));
        args.AddRange(counts.SelectMany(f => new[] { "--counts", _dir.Combine(f) }));
        args.AddRange(pageviews.SelectMany(f => new[] { "--pageviews", _dir.Combine(f) }));
        return JsonSerializer.Deserialize<List<string>>(DebianTools.Run(python, args))!;
    }

    private void Pageviews(string name, params string[] lines)
    {
        string path = _dir.Combine(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gzip.Write(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
    }
}
