using System.CommandLine;
using MetaClip.Engine.Metadata.Building;

namespace MetaClip.Client.Commands;

/// <summary><c>metaclip metadata build</c>: worldwide metadata from WordNet, Wikipedia text and pageview dumps.</summary>
internal static class MetadataCommand
{
    public static Command Create(TextWriter output)
    {
        var wordnet = new Option<string?>("--wordnet") { Description = "Open Multilingual Wordnet data: a folder with wn-data-LANG.tab[.gz] files at any depth (omw-data's wns/).", HelpName = "DIR" };
        var wikiText = new Option<string?>("--wiki-text") { Description = "Wikipedia text per language: LANG/ folders or LANG.txt / LANG.jsonl files (plain text lines, or wikiextractor --json lines), plain or .gz.", HelpName = "DIR" };
        var unigramCounts = new Option<string?>("--unigram-counts") { Description = "Word frequency lists per language, LANG[.*].txt[.gz] with lines 'WORD COUNT' (FrequencyWords: one folder, top10k or top50k), counted as unigrams; a fallback for Wikipedia text (lower-cased lists never match capitalised words).", HelpName = "DIR" };
        var pageviews = new Option<string?>("--pageviews") { Description = "Wikimedia pageview dumps (hourly files, lines 'DOMAIN TITLE VIEWS BYTES'), plain or .gz.", HelpName = "DIR" };
        var lidMap = new Option<string?>("--lid-map") { Description = "LID label -> language (lid_map.json) that languages are aligned to. Default: the built-in lid.176 map.", HelpName = "FILE" };
        var outFolder = new Option<string>("--out") { Description = "Where to write {lang}.json, lid_map.json and manifest.json.", Required = true, HelpName = "DIR" };
        var english = new Option<string?>("--english") { Description = "MetaCLIP 1's English metadata.json, used as the en list instead of building it (as MetaCLIP 2 does; without it en is built and differs from MetaCLIP 2's).", HelpName = "FILE" };
        var languages = new Option<string?>("--languages") { Description = "Only these Wikipedia codes, comma-separated (their variants too).", HelpName = "LIST" };
        var pmi = new Option<double>("--pmi-threshold") { Description = "Bigrams need a PMI (log2) above this.", DefaultValueFactory = _ => NgramCounts.DefaultPmiThreshold, HelpName = "X" };
        var skip = new Option<bool>("--skip-bad-input") { Description = "Report a malformed line, an unknown language code or an empty source in manifest.json and go on, instead of failing." };
        var cldr = new Option<bool>("--cldr") { Description = "Also read the CLDR language and country names of omw-data's wn-cldr-*.tab files as lemmas." };
        var codes = new Option<string[]>("--wordnet-code") { Description = "Map another wordnet ISO 639-3 code to a Wikipedia code, e.g. --wordnet-code kor=ko.", HelpName = "ISO=WIKI", AllowMultipleArgumentsPerToken = false };
        var build = new Command("build",
            "Build per-language metadata: the numbers 0-99, WordNet lemmas, top Wikipedia unigrams, high-PMI bigrams and top-viewed titles, aligned to the LID languages.\n\n" +
            "Example:\n  metaclip metadata build --wordnet omw-data --unigram-counts frequencywords --languages en,de,zh --out my-metadata")
        {
            wordnet, wikiText, unigramCounts, pageviews, lidMap, outFolder, english, languages, pmi, skip, cldr, codes,
        };
        build.SetAction(async (parse, cancellationToken) =>
        {
            var extra = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string pair in parse.GetValue(codes) ?? [])
            {
                var parts = pair.Split('=', 2);
                if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                {
                    throw new MetaClip.Engine.CurationException($"--wordnet-code {pair}: expected ISO=WIKI, e.g. kor=ko");
                }

                extra[parts[0]] = parts[1];
            }

            string? list = parse.GetValue(languages);
            var options = new MetadataBuildOptions
            {
                WordNet = parse.GetValue(wordnet),
                WikiText = parse.GetValue(wikiText),
                UnigramCounts = parse.GetValue(unigramCounts),
                Pageviews = parse.GetValue(pageviews),
                LidMap = parse.GetValue(lidMap),
                English = parse.GetValue(english),
                Output = parse.GetRequiredValue(outFolder),
                Languages = list is null ? null : new HashSet<string>(list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal),
                SkipBadInput = parse.GetValue(skip),
                Cldr = parse.GetValue(cldr),
                PmiThreshold = parse.GetValue(pmi),
                WordNetCodes = extra,
            };
            var result = await new MetadataBuilder(options, line => output.WriteLine(line)).BuildAsync(cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"Built {result.Entries.Count} languages, {result.Entries.Values.Sum():N0} entries (content sha256 {result.ContentSha256[..16]}…) into {Path.GetFullPath(result.Output)}").ConfigureAwait(false);
            if (result.Warnings.Count > 0)
            {
                await output.WriteLineAsync($"{result.Warnings.Count} warnings (listed under \"warnings\" in manifest.json).").ConfigureAwait(false);
            }

            if (result.Skipped.Count > 0)
            {
                await output.WriteLineAsync($"Skipped {result.Skipped.Count} inputs (listed under \"skipped\" in manifest.json).").ConfigureAwait(false);
            }

            return MetaClipCommandLine.Success;
        });
        return new Command("metadata", "Build metadata (concept lists per language).") { build };
    }
}
