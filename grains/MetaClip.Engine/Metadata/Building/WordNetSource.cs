namespace MetaClip.Engine.Metadata.Building;

/// <summary>
/// Open Multilingual Wordnet lemmas (the <c>wn-data-LANG.tab</c> files of omw-data, plain or gzipped):
/// lines <c>OFFSET-POS \t [LANG:]lemma \t LEMMA</c>, <c>#</c> header lines; other columns (<c>def</c>,
/// <c>exe</c>, …) are not lemmas. <c>_</c> is read as a space. The file's language is the ISO 639-3 code in
/// its name, mapped to a Wikipedia code by <see cref="WikipediaCodes"/>. The variants <c>wn-nodia-*</c>,
/// <c>wn-freq-*</c> and the Wiktionary collection (<c>wn-wikt-*</c>) are not read. Two more sources, when
/// present: Princeton WordNet 3.0's own <c>index.noun|verb|adj|adv</c> files (as Debian's wordnet-base ships
/// them; English, the lemma is each line's first field), and, when asked for, the CLDR collection
/// (<c>wn-cldr-*.tab</c>: language and country names per locale, the language in each line's
/// <c>ISO:lemma</c> column; a locale without a Wikipedia code here is reported as skipped, never an error).
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

        // The other ISO 639-3 codes of the CLDR collection, by their ISO 639-1 (= Wikipedia) codes.
        ["aar"] = "aa",
        ["afr"] = "af",
        ["aka"] = "ak",
        ["amh"] = "am",
        ["asm"] = "as",
        ["aze"] = "az",
        ["bam"] = "bm",
        ["bel"] = "be",
        ["ben"] = "bn",
        ["bod"] = "bo",
        ["bos"] = "bs",
        ["bre"] = "br",
        ["ces"] = "cs",
        ["cor"] = "kw",
        ["cym"] = "cy",
        ["deu"] = "de",
        ["dzo"] = "dz",
        ["epo"] = "eo",
        ["est"] = "et",
        ["ewe"] = "ee",
        ["fao"] = "fo",
        ["ful"] = "ff",
        ["gla"] = "gd",
        ["gle"] = "ga",
        ["glv"] = "gv",
        ["guj"] = "gu",
        ["hau"] = "ha",
        ["hin"] = "hi",
        ["hun"] = "hu",
        ["hye"] = "hy",
        ["ibo"] = "ig",
        ["iii"] = "ii",
        ["ina"] = "ia",
        ["kal"] = "kl",
        ["kan"] = "kn",
        ["kat"] = "ka",
        ["kaz"] = "kk",
        ["khm"] = "km",
        ["kik"] = "ki",
        ["kin"] = "rw",
        ["kir"] = "ky",
        ["kor"] = "ko",
        ["lao"] = "lo",
        ["lav"] = "lv",
        ["lin"] = "ln",
        ["lub"] = "lu",
        ["lug"] = "lg",
        ["mal"] = "ml",
        ["mar"] = "mr",
        ["mkd"] = "mk",
        ["mlg"] = "mg",
        ["mlt"] = "mt",
        ["mon"] = "mn",
        ["mya"] = "my",
        ["nbl"] = "nr",
        ["nde"] = "nd",
        ["nep"] = "ne",
        ["oci"] = "oc",
        ["ori"] = "or",
        ["orm"] = "om",
        ["pan"] = "pa",
        ["pus"] = "ps",
        ["roh"] = "rm",
        ["run"] = "rn",
        ["rus"] = "ru",
        ["sag"] = "sg",
        ["sin"] = "si",
        ["sme"] = "se",
        ["sna"] = "sn",
        ["som"] = "so",
        ["sot"] = "st",
        ["srp"] = "sr",
        ["ssw"] = "ss",
        ["swa"] = "sw",
        ["tam"] = "ta",
        ["tel"] = "te",
        ["tgk"] = "tg",
        ["tir"] = "ti",
        ["ton"] = "to",
        ["tsn"] = "tn",
        ["tso"] = "ts",
        ["tur"] = "tr",
        ["ukr"] = "uk",
        ["urd"] = "ur",
        ["uzb"] = "uz",
        ["ven"] = "ve",
        ["vie"] = "vi",
        ["xho"] = "xh",
        ["yor"] = "yo",
        ["zul"] = "zu",
    };

    private static readonly string[] PrincetonIndexes = ["index.adj", "index.adv", "index.noun", "index.verb"];

    /// <summary>True for a wordnet's data file: <c>wn-data-LANG.tab</c> or <c>.tab.gz</c>, or a Princeton <c>index.*</c>.</summary>
    public static bool IsWordNetFile(string name) => IsWordNetFile(name, cldr: false);

    public static bool IsWordNetFile(string name, bool cldr) =>
        (name.EndsWith(".tab", StringComparison.Ordinal) || name.EndsWith(".tab.gz", StringComparison.Ordinal)) &&
            (name.StartsWith("wn-data-", StringComparison.Ordinal) || (cldr && name.StartsWith("wn-cldr-", StringComparison.Ordinal)))
        || PrincetonIndexes.Contains(SourceFiles.PlainName(name), StringComparer.Ordinal);

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
    public static Dictionary<string, List<string>> Read(string folder, BuildProblems problems, IReadOnlyDictionary<string, string>? extraCodes = null, bool cldr = false)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var lemmas = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string file in SourceFiles.Find(folder, name => IsWordNetFile(name, cldr)))
        {
            string plain = SourceFiles.PlainName(file);
            if (PrincetonIndexes.Contains(plain, StringComparer.Ordinal))
            {
                ReadPrincetonIndex(file, Add("en"), problems);
                continue;
            }

            if (plain.StartsWith("wn-cldr-", StringComparison.Ordinal))
            {
                ReadCldr(file, code => WikipediaCodes.TryGetValue(code, out var w) || (extraCodes?.TryGetValue(code, out w) ?? false) ? Add(w!) : null, problems);
                continue;
            }

            string code = FileCode(file);
            if (!WikipediaCodes.TryGetValue(code, out string? wiki) && (extraCodes is null || !extraCodes.TryGetValue(code, out wiki)))
            {
                problems.Report($"{file}: unknown wordnet language code \"{code}\" (known: {string.Join(", ", WikipediaCodes.Keys)}; map it with --wordnet-code {code}=WIKI)");
                continue;
            }

            var list = Add(wiki);
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

        List<string> Add(string wiki) => lemmas.TryGetValue(wiki, out var list) ? list : lemmas[wiki] = [];
    }

    /// <summary>Princeton <c>index.*</c>: license lines start with two spaces; then <c>lemma pos …</c> per line.</summary>
    private static void ReadPrincetonIndex(string file, List<string> list, BuildProblems problems)
    {
        foreach (var (number, line) in SourceFiles.ReadLines(file))
        {
            if (line.StartsWith("  ", StringComparison.Ordinal) || line.Length == 0)
            {
                continue;
            }

            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0)
            {
                problems.Report($"{file}: line {number}: expected \"LEMMA POS …\", got \"{Shorten(line)}\"");
                continue;
            }

            list.Add(line[..space].Replace('_', ' '));
        }
    }

    /// <summary>The CLDR collection: <c>OFFSET-POS \t ISO:lemma \t NAME</c>, the language per line.</summary>
    private static void ReadCldr(string file, Func<string, List<string>?> listOf, BuildProblems problems)
    {
        var unknown = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (number, line) in SourceFiles.ReadLines(file))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var fields = line.Split('\t');
            int colon = fields.Length >= 3 ? fields[1].IndexOf(':', StringComparison.Ordinal) : -1;
            if (colon <= 0)
            {
                problems.Report($"{file}: line {number}: expected OFFSET-POS, ISO:lemma and NAME separated by tabs, got \"{Shorten(line)}\"");
                continue;
            }

            if (fields[1][(colon + 1)..] != "lemma")
            {
                continue;
            }

            string code = fields[1][..colon];
            if (listOf(code) is List<string> list)
            {
                list.Add(fields[2].Replace('_', ' '));
            }
            else
            {
                unknown.Add(code);
            }
        }

        if (unknown.Count > 0)
        {
            problems.Skip($"{file}: CLDR locales without a Wikipedia code here, not read: {string.Join(", ", unknown)}");
        }
    }

    internal static string Shorten(string line) => line.Length <= 80 ? line : line[..80] + "…";
}
