using MetaClip.Curation;

namespace MetaClip.Metadata.Building;

/// <summary>
/// Open Multilingual Wordnet lemmas (the <c>wn-data-LANG.tab</c> files of omw-data, plain or gzipped):
/// lines <c>OFFSET-POS \t [LANG:]lemma \t LEMMA</c>, <c>#</c> header lines; other columns (<c>def</c>,
/// <c>exe</c>, …) are not lemmas. <c>_</c> is read as a space. The file's language is the ISO 639-3 code in
/// its name, mapped to a Wikipedia code by <see cref="WikipediaCodes"/>. The <c>cldr</c> and <c>wikt</c>
/// collections (<c>wn-cldr-*</c>, <c>wn-wikt-*</c>) and the variants <c>wn-nodia-*</c>, <c>wn-freq-*</c> are not
/// wordnets and are not read.
/// </summary>
public static class WordNetSource
{
    /// <summary>OMW's ISO 639-3 codes → Wikipedia codes (the 31 languages of OMW 1.4 with English).</summary>
    public static readonly IReadOnlyDictionary<string, string> WikipediaCodes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["als"] = "sq", // Tosk Albanian: the Albanian Wikipedia (Wikipedia's own "als" is Alemannic)
        ["arb"] = "ar",
        ["bul"] = "bg",
        ["cat"] = "ca",
        ["cmn"] = "zh", // Mandarin (Chinese Open Wordnet)
        ["dan"] = "da",
        ["ell"] = "el",
        ["eng"] = "en",
        ["eus"] = "eu",
        ["fas"] = "fa",
        ["fin"] = "fi",
        ["fra"] = "fr",
        ["glg"] = "gl",
        ["heb"] = "he",
        ["hrv"] = "hr",
        ["ind"] = "id",
        ["isl"] = "is",
        ["ita"] = "it",
        ["jpn"] = "ja",
        ["lit"] = "lt",
        ["nld"] = "nl",
        ["nno"] = "nn",
        ["nob"] = "no", // Bokmål: Wikipedia "no"
        ["pol"] = "pl",
        ["por"] = "pt",
        ["qcn"] = "zh", // Taiwanese Mandarin (Chinese Wordnet, traditional script): the Chinese Wikipedia too
        ["ron"] = "ro",
        ["slk"] = "sk",
        ["slv"] = "sl",
        ["spa"] = "es",
        ["swe"] = "sv",
        ["tha"] = "th",
        ["zsm"] = "ms", // Standard Malay
    };

    /// <summary>True for a wordnet's data file: <c>wn-data-LANG.tab</c> or <c>.tab.gz</c>.</summary>
    public static bool IsWordNetFile(string name) =>
        name.StartsWith("wn-data-", StringComparison.Ordinal) && (name.EndsWith(".tab", StringComparison.Ordinal) || name.EndsWith(".tab.gz", StringComparison.Ordinal));

    /// <summary>The ISO 639-3 code in a data file's name.</summary>
    public static string FileCode(string path)
    {
        string name = SourceFiles.PlainName(path);
        return name["wn-data-".Length..^".tab".Length];
    }

    /// <summary>
    /// Every wordnet file's lemmas, per Wikipedia code, in file order (files in ordinal path order), with the
    /// files read per language. An unknown ISO code or a malformed line is a problem (an error, or a reported skip).
    /// </summary>
    public static Dictionary<string, List<string>> Read(string folder, BuildProblems problems, IReadOnlyDictionary<string, string>? extraCodes = null)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var lemmas = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string file in SourceFiles.Find(folder, IsWordNetFile))
        {
            string code = FileCode(file);
            if (!WikipediaCodes.TryGetValue(code, out string? wiki) && (extraCodes is null || !extraCodes.TryGetValue(code, out wiki)))
            {
                problems.Report($"{file}: unknown wordnet language code \"{code}\" (known: {string.Join(", ", WikipediaCodes.Keys)}; map it with --wordnet-code {code}=WIKI)");
                continue;
            }

            if (!lemmas.TryGetValue(wiki, out var list))
            {
                lemmas[wiki] = list = [];
            }

            foreach (var (number, line) in SourceFiles.ReadLines(file))
            {
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                var fields = line.Split('\t');
                if (fields.Length < 3 || fields[0].Length == 0 || !fields[0].Contains('-', StringComparison.Ordinal))
                {
                    problems.Report($"{file}: line {number}: expected OFFSET-POS, TYPE and LEMMA separated by tabs, got \"{Shorten(line)}\"");
                    continue;
                }

                string type = fields[1];
                int colon = type.IndexOf(':', StringComparison.Ordinal);
                if ((colon < 0 ? type : type[(colon + 1)..]) != "lemma")
                {
                    continue;
                }

                string lemma = fields[2].Replace('_', ' ');
                if (lemma.Length > 0)
                {
                    list.Add(lemma);
                }
            }
        }

        return lemmas;
    }

    internal static string Shorten(string line) => line.Length <= 80 ? line : line[..80] + "…";
}
