using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MetaClip.Engine.Json;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Metadata.Building;

/// <summary>What <c>metaclip metadata build</c> reads and writes.</summary>
public sealed record MetadataBuildOptions
{
    /// <summary>Open Multilingual Wordnet data (a folder holding <c>wn-data-LANG.tab[.gz]</c> files, at any depth).</summary>
    public string? WordNet { get; init; }

    /// <summary>Wikipedia text per language: <c>LANG/…</c> folders or <c>LANG.txt</c>/<c>LANG.jsonl</c> files (plain or gzipped).</summary>
    public string? WikiText { get; init; }

    /// <summary>Word frequency lists per language (<c>LANG[.…].txt[.gz]</c>, lines <c>WORD COUNT</c>), counted as unigrams.</summary>
    public string? UnigramCounts { get; init; }

    /// <summary>Wikimedia pageview dumps (lines <c>DOMAIN TITLE VIEWS BYTES</c>).</summary>
    public string? Pageviews { get; init; }

    /// <summary>LID label → language (<c>lid_map.json</c>); the built-in lid.176 map when null.</summary>
    public string? LidMap { get; init; }

    /// <summary>MetaCLIP 1's English <c>metadata.json</c>, used as the <c>en</c> list when given.</summary>
    public string? English { get; init; }

    public required string Output { get; init; }

    /// <summary>Only these Wikipedia codes (and their variants); all when null.</summary>
    public IReadOnlySet<string>? Languages { get; init; }

    /// <summary>Report and skip a malformed line or an unknown language code instead of failing.</summary>
    public bool SkipBadInput { get; init; }

    public double PmiThreshold { get; init; } = NgramCounts.DefaultPmiThreshold;

    /// <summary>Also read the CLDR names in omw-data's <c>wn-cldr-*.tab</c> files as lemmas.</summary>
    public bool Cldr { get; init; }

    /// <summary>More wordnet ISO 639-3 → Wikipedia codes.</summary>
    public IReadOnlyDictionary<string, string>? WordNetCodes { get; init; }
}

/// <summary>
/// Builds worldwide metadata per Wikipedia language, in this order, keeping each entry's first occurrence: the
/// numbers 0…99, WordNet lemmas, top unigrams, high-PMI bigrams, top-viewed titles (see <see cref="WordNetSource"/>,
/// <see cref="NgramCounts"/>, <see cref="PageviewTitles"/>). Then aligns languages to the LID labels: a variant
/// (<c>zh_yue</c>: a code with <c>_</c> that no label maps to) joins its base language, and a language no label
/// maps to joins <c>other</c>, each by union (the receiving list first, then the joining lists in ordinal order).
/// Writes <c>{lang}.json</c>, <c>lid_map.json</c> and <c>manifest.json</c>; the same inputs give the same bytes.
/// One language's n-grams are in memory at a time.
/// </summary>
public sealed class MetadataBuilder(MetadataBuildOptions options, Action<string>? progress = null)
{
    private static readonly Dictionary<string, string> FrequencyListCodes = new(StringComparer.Ordinal)
    {
        ["zh_cn"] = "zh",
        ["zh_tw"] = "zh",
        ["pt_br"] = "pt",
    };

    /// <summary>FrequencyWords' mixed subtitle lists (English or Chinese with another language): not languages.</summary>
    private static readonly HashSet<string> NotLanguages = new(StringComparer.Ordinal) { "ze_en", "ze_zh" };

    private readonly BuildProblems _problems = new(options.SkipBadInput);
    private readonly List<string> _warnings = [];
    private readonly SortedDictionary<string, string> _segmenters = new(StringComparer.Ordinal);

    /// <summary>The builder's version, as the manifest records it.</summary>
    public static string Version { get; } =
        typeof(MetadataBuilder).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion
        ?? typeof(MetadataBuilder).Assembly.GetName().Version?.ToString() ?? "unknown";

    public async Task<MetadataBuildResult> BuildAsync(CancellationToken cancellationToken = default)
    {
        var o = options;
        if (o.WordNet is null && o.WikiText is null && o.UnigramCounts is null && o.Pageviews is null && o.English is null)
        {
            throw new CurationException("give at least one source: --wordnet, --wiki-text, --unigram-counts, --pageviews or --english");
        }

        if (double.IsNaN(o.PmiThreshold) || double.IsInfinity(o.PmiThreshold))
        {
            throw new CurationException($"--pmi-threshold {o.PmiThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture)}: expected a finite number (the reference's is 30)");
        }

        if (o.Languages is { Count: 0 })
        {
            throw new CurationException("--languages: no language given (a comma-separated list of Wikipedia codes, e.g. da,nl,zh)");
        }

        if (o.Languages?.FirstOrDefault(l => NotLanguages.Contains(l)) is string mixed)
        {
            throw new CurationException($"--languages {mixed}: FrequencyWords' {mixed} is a mixed subtitle list, not a language");
        }

        CheckOutput(o.Output);
        var lidMap = o.LidMap is null ? LidMap.BuiltInMap : LidMap.Parse(await ReadBytesAsync(o.LidMap, cancellationToken).ConfigureAwait(false), o.LidMap);
        var targets = new HashSet<string>(lidMap.Values.Where(v => v != LidMap.NotApplicable && v.Length > 0), StringComparer.Ordinal);
        bool Wanted(string language) => o.Languages is null || o.Languages.Contains(language) || o.Languages.Contains(BaseOf(language));

        var sources = new SortedDictionary<string, List<SourceFile>>(StringComparer.Ordinal);
        var wordnet = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (o.WordNet is not null)
        {
            progress?.Invoke($"reading wordnets under {o.WordNet}");
            wordnet = WordNetSource.Read(o.WordNet, _problems, o.WordNetCodes, o.Cldr);
            sources["wordnet"] = Describe(o.WordNet, SourceFiles.Find(o.WordNet, name => WordNetSource.IsWordNetFile(name, o.Cldr)));
            EmptySource("--wordnet", o.WordNet, sources["wordnet"], "wn-data-LANG.tab[.gz] files");
            if (sources["wordnet"].Count > 0 && wordnet.Values.All(l => l.Count == 0))
            {
                _problems.Report($"--wordnet {o.WordNet}: an empty source, its wordnet files hold no lemma");
            }
        }

        var allWikiFiles = o.WikiText is null ? [] : WikiTextFiles(o.WikiText);
        var wikiFiles = allWikiFiles.Where(f => Wanted(f.Key)).ToDictionary(StringComparer.Ordinal);
        if (o.WikiText is not null)
        {
            sources["wiki_text"] = Describe(o.WikiText, [.. wikiFiles.Values.SelectMany(f => f).Order(StringComparer.Ordinal)]);
            EmptySource("--wiki-text", o.WikiText, sources["wiki_text"], "LANG.txt / LANG.jsonl files or LANG/ folders of them", allWikiFiles.Count);
        }

        var allCountFiles = o.UnigramCounts is null ? [] : CountFiles(o.UnigramCounts);
        var countFiles = allCountFiles.Where(f => Wanted(f.Key)).ToDictionary(StringComparer.Ordinal);
        if (o.UnigramCounts is not null)
        {
            sources["unigram_counts"] = Describe(o.UnigramCounts, [.. countFiles.Values.SelectMany(f => f).Order(StringComparer.Ordinal)]);
            EmptySource("--unigram-counts", o.UnigramCounts, sources["unigram_counts"], "LANG[.*].txt[.gz] frequency lists", allCountFiles.Count);
        }

        string spill = Path.Combine(Path.GetTempPath(), "metaclip-pageviews-" + Guid.NewGuid().ToString("N"));
        try
        {
            var titleFiles = new Dictionary<string, string>(StringComparer.Ordinal);
            if (o.Pageviews is not null)
            {
                progress?.Invoke($"splitting pageview dumps under {o.Pageviews} by language");
                titleFiles = PageviewTitles.Split(o.Pageviews, spill, Wanted, _problems);
                sources["pageviews"] = Describe(o.Pageviews, SourceFiles.Find(o.Pageviews, name => !name.StartsWith('.')));
                EmptySource("--pageviews", o.Pageviews, sources["pageviews"], "pageview dump files");
            }

            List<string>? english = null;
            if (o.English is not null)
            {
                english = [.. MetadataList.Parse("en", await ReadBytesAsync(o.English, cancellationToken).ConfigureAwait(false), o.English).Entries];
                sources["english"] = Describe(Path.GetDirectoryName(Path.GetFullPath(o.English))!, [Path.GetFullPath(o.English)]);
            }

            var languages = new SortedSet<string>(wordnet.Keys.Concat(wikiFiles.Keys).Concat(countFiles.Keys).Concat(titleFiles.Keys), StringComparer.Ordinal);
            if (english is not null)
            {
                languages.Add("en");
            }

            languages.RemoveWhere(l => !Wanted(l));
            if (o.Languages is not null && o.Languages.FirstOrDefault(l => !languages.Contains(l)) is string missing)
            {
                _problems.Report($"--languages: no source has anything for \"{missing}\"");
            }

            var built = new SortedDictionary<string, OrderedEntries>(StringComparer.Ordinal);
            var figures = new SortedDictionary<string, LanguageFigures>(StringComparer.Ordinal);
            foreach (string language in languages)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (entries, fig) = language == "en" && english is not null
                    ? FromEnglish(english)
                    : BuildLanguage(language, wordnet.GetValueOrDefault(language), wikiFiles.GetValueOrDefault(language), countFiles.GetValueOrDefault(language), titleFiles.GetValueOrDefault(language));
                built[language] = entries;
                figures[language] = fig;
                progress?.Invoke($"{language}: {entries.Count:N0} entries (wordnet {fig.WordNet:N0}, unigrams {fig.Unigrams:N0}, bigrams {fig.Bigrams:N0}, titles {fig.Titles:N0})");
            }

            if (built.Count == 0)
            {
                throw new CurationException("nothing to build: no source has anything for " + (o.Languages is null ? "any language" : "the languages asked for (--languages)"));
            }

            if (built.ContainsKey("en") && english is null)
            {
                _warnings.Add("en was built from these sources, not copied: MetaCLIP 2 uses MetaCLIP 1's English list (give it with --english metadata.json), so this en differs from MetaCLIP 2's");
                progress?.Invoke("warning: " + _warnings[^1]);
            }

            var merged = Align(built, targets);
            return await WriteAsync(merged, figures, lidMap, sources, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (Directory.Exists(spill))
            {
                Directory.Delete(spill, recursive: true);
            }
        }
    }

    /// <summary>
    /// A source with no file to read is an error: an empty source, or (<paramref name="languagesInIt"/> above 0) one
    /// whose languages <c>--languages</c> does not name.
    /// </summary>
    private void EmptySource(string option, string folder, List<SourceFile> files, string what, int languagesInIt = 0)
    {
        if (files.Count == 0 && languagesInIt > 0 && options.Languages is { } asked)
        {
            _problems.Report($"{option} {folder}: none of its {languagesInIt:N0} languages is one that --languages names ({string.Join(",", asked.Order(StringComparer.Ordinal))})");
        }
        else if (files.Count == 0)
        {
            _problems.Report($"{option} {folder}: an empty source, no {what} in it");
        }
    }

    /// <summary>The part of a Wikipedia code before its first <c>_</c>.</summary>
    public static string BaseOf(string language)
    {
        ArgumentNullException.ThrowIfNull(language);
        int cut = language.IndexOf('_', StringComparison.Ordinal);
        return cut < 0 ? language : language[..cut];
    }

    private (OrderedEntries, LanguageFigures) BuildLanguage(string language, List<string>? lemmas, List<string>? texts, List<string>? counts, string? titles)
    {
        var entries = new OrderedEntries();
        var fig = new LanguageFigures { Numbers = entries.AddRange(Enumerable.Range(0, 100).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))) };

        // The reference's wordnet_per_lang.json: each language's lemmas distinct, in code point order; then cleaned.
        foreach (string lemma in (lemmas ?? []).Distinct(StringComparer.Ordinal).Order(CodePointComparer.Instance))
        {
            if (EntryRules.CleanLemma(lemma, language) is string entry && entries.Add(entry))
            {
                fig.WordNet++;
            }
        }

        var ngrams = new NgramCounts(new ScriptTokenizer(language));
        foreach (string file in counts ?? [])
        {
            int lines = 0;
            bool lower = false, upper = false;
            foreach (var (number, line) in SourceFiles.ReadLines(file))
            {
                int space = line.LastIndexOf(' ');
                if (line.Length == 0)
                {
                    continue;
                }

                if (space <= 0 || !long.TryParse(line.AsSpan(space + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long count))
                {
                    _problems.Report($"{file}: line {number}: expected \"WORD COUNT\", got \"{WordNetSource.Shorten(line)}\"");
                    continue;
                }

                string word = line[..space];
                lower |= word.Any(char.IsLower);
                upper |= word.Any(char.IsUpper);
                lines++;
                ngrams.AddUnigram(word, count);
            }

            string name = Relative(file);
            if (lines == 0)
            {
                // As an empty wordnet source is: a list that gives the language nothing is a mistake, not a quiet zero.
                _problems.Report($"{file}: an empty source, no \"WORD COUNT\" line in it");
            }

            if (lower && !upper)
            {
                Warn($"{name}: all lower-case; matching is case-sensitive, so capitalised words (German nouns, names) in it never match. Wikipedia text (--wiki-text) keeps case; a frequency list is a fallback");
            }

            if (lines is 10_000 or 50_000 || SourceFiles.PlainName(file).Contains(".top", StringComparison.Ordinal))
            {
                Warn($"{name}: a truncated top-{lines:N0} list, not a vocabulary: the unigram cap (10 % of the language's unigrams) is counted from its {lines:N0} words");
            }
        }

        foreach (string file in texts ?? [])
        {
            ngrams.BeginFile();
            bool json = SourceFiles.PlainName(file) is var name && (name.EndsWith(".jsonl", StringComparison.Ordinal) || name.EndsWith(".json", StringComparison.Ordinal));
            foreach (var (number, line) in SourceFiles.ReadLines(file))
            {
                if (!json)
                {
                    ngrams.AddText(line);
                    continue;
                }

                if (line.Length == 0)
                {
                    continue;
                }

                string? text;
                try
                {
                    using var doc = JsonDocument.Parse(line);
                    text = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                }
                catch (JsonException e)
                {
                    _problems.Report($"{file}: line {number}: not valid JSON ({e.Message})");
                    continue;
                }

                if (text is null)
                {
                    _problems.Report($"{file}: line {number}: expected a JSON object with a \"text\" string (wikiextractor --json)");
                    continue;
                }

                foreach (string textLine in text.Split('\n'))
                {
                    ngrams.AddText(textLine);
                }
            }
        }

        if (ngrams.Tokenizer.Segmenter is IWordSegmenter segmenter)
        {
            _segmenters[language] = segmenter.Description;
        }

        fig.Unigrams = entries.AddCapped(ngrams.RankedUnigrams(), ngrams.UnigramCap);
        fig.Bigrams = entries.AddCapped(ngrams.RankedBigrams(options.PmiThreshold), ngrams.BigramCap);
        if (titles is not null)
        {
            var (ranked, cap) = PageviewTitles.Rank(PageviewTitles.ReadSpill(titles));
            fig.Titles = entries.AddCapped(ranked, cap);
        }

        return (entries, fig);
    }

    private void Warn(string message)
    {
        _warnings.Add(message);
        progress?.Invoke("warning: " + message);
    }

    private static (OrderedEntries, LanguageFigures) FromEnglish(List<string> english)
    {
        var entries = new OrderedEntries();
        int added = entries.AddRange(english);
        return (entries, new LanguageFigures { English = added });
    }

    /// <summary>Variants into their base language, then languages without a LID label into <c>other</c>.</summary>
    internal static SortedDictionary<string, (OrderedEntries Entries, List<string> MergedFrom)> Align(SortedDictionary<string, OrderedEntries> built, IReadOnlySet<string> targets)
    {
        var result = new SortedDictionary<string, (OrderedEntries Entries, List<string> MergedFrom)>(StringComparer.Ordinal);
        foreach (var (language, entries) in built.Where(b => !(b.Key.Contains('_', StringComparison.Ordinal) && !targets.Contains(b.Key))))
        {
            result[language] = (entries, []);
        }

        foreach (var (variant, entries) in built.Where(b => b.Key.Contains('_', StringComparison.Ordinal) && !targets.Contains(b.Key)))
        {
            string baseLanguage = BaseOf(variant);
            if (!result.TryGetValue(baseLanguage, out var into))
            {
                result[baseLanguage] = into = (new OrderedEntries(), []);
            }

            into.Entries.AddRange(entries.Entries);
            into.MergedFrom.Add(variant);
        }

        foreach (string language in result.Keys.Where(l => l != LidMap.Other && !targets.Contains(l)).ToList())
        {
            if (!result.TryGetValue(LidMap.Other, out var other))
            {
                result[LidMap.Other] = other = (new OrderedEntries(), []);
            }

            var (entries, mergedFrom) = result[language];
            other.Entries.AddRange(entries.Entries);
            other.MergedFrom.Add(language);
            other.MergedFrom.AddRange(mergedFrom);
            result.Remove(language);
        }

        return result;
    }

    private async Task<MetadataBuildResult> WriteAsync(SortedDictionary<string, (OrderedEntries Entries, List<string> MergedFrom)> lists,
        SortedDictionary<string, LanguageFigures> figures, IReadOnlyDictionary<string, string> lidMap, SortedDictionary<string, List<SourceFile>> sources,
        CancellationToken cancellationToken)
    {
        string output = options.Output;
        Directory.CreateDirectory(output);
        var written = new List<string>(lists.Keys.Select(l => l + ".json")) { "lid_map.json", "manifest.json" };
        DeleteStale(output, written);

        // Until the real one is written last, a manifest that lists what this build is about to write: a build that
        // stops half way leaves lists that the next build knows as its own (CheckOutput), not strays.
        var building = new StringBuilder("{\n  \"builder\": \"metaclip metadata build\",\n  \"complete\": false,\n  \"files\": [");
        for (int i = 0; i < written.Count; i++)
        {
            building.Append(i == 0 ? "\n    " : ",\n    ").AppendString(written[i]);
        }

        building.Append("\n  ]\n}\n");
        await File.WriteAllTextAsync(Path.Combine(output, "manifest.json"), building.ToString(), new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
        using var content = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (language, (entries, _)) in lists)
        {
            var json = new StringBuilder(entries.Count * 16).Append('[');
            for (int i = 0; i < entries.Count; i++)
            {
                json.Append(i == 0 ? "\n" : ",\n").AppendString(entries.Entries[i]);
            }

            json.Append("\n]\n");
            byte[] bytes = Encoding.UTF8.GetBytes(json.ToString());
            content.AppendData(Encoding.UTF8.GetBytes(language + ".json\n"));
            content.AppendData(bytes);
            await File.WriteAllBytesAsync(Path.Combine(output, language + ".json"), bytes, cancellationToken).ConfigureAwait(false);
        }

        var map = new StringBuilder("{");
        bool first = true;
        foreach (var (label, target) in lidMap.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            map.Append(first ? "\n  " : ",\n  ").AppendString(label).Append(": ").AppendString(lists.ContainsKey(target) ? target : LidMap.NotApplicable);
            first = false;
        }

        map.Append("\n}\n");
        byte[] mapBytes = Encoding.UTF8.GetBytes(map.ToString());
        content.AppendData(Encoding.UTF8.GetBytes("lid_map.json\n"));
        content.AppendData(mapBytes);
        await File.WriteAllBytesAsync(Path.Combine(output, "lid_map.json"), mapBytes, cancellationToken).ConfigureAwait(false);
        string contentHash = Convert.ToHexStringLower(content.GetHashAndReset());

        var o = options;
        var manifest = new StringBuilder("{\n  \"builder\": \"metaclip metadata build\",\n  \"builder_version\": ").AppendString(Version)
            .Append(",\n  \"content_sha256\": ").AppendString(contentHash)
            .Append(",\n  \"options\": {\"pmi_threshold\": ").Append(o.PmiThreshold.ToString("R", System.Globalization.CultureInfo.InvariantCulture))
            .Append(", \"cldr\": ").Append(o.Cldr ? "true" : "false")
            .Append(", \"languages\": ").Append(o.Languages is null ? "null" : "[" + string.Join(", ", o.Languages.Order(StringComparer.Ordinal).Select(l => new StringBuilder().AppendString(l).ToString())) + "]")
            .Append(", \"wordnet_codes\": {").Append(string.Join(", ", (o.WordNetCodes ?? new Dictionary<string, string>()).OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => new StringBuilder().AppendString(c.Key).Append(": ").AppendString(c.Value).ToString()))).Append('}')
            .Append(", \"lid_map\": ").Append(o.LidMap is null ? "\"built-in lid.176\"" : new StringBuilder().AppendString(Path.GetFileName(o.LidMap)).ToString())
            .Append(", \"skip_bad_input\": ").Append(o.SkipBadInput ? "true" : "false")
            .Append(", \"english\": ").Append(o.English is not null ? "\"copied from --english (MetaCLIP 1's list, as MetaCLIP 2 does)\"" : lists.ContainsKey("en") ? "\"built from the sources: not MetaCLIP 2's en (that is MetaCLIP 1's list, --english)\"" : "null")
            .Append(",\n    \"caps\": {\"max_length\": ").Append(EntryRules.MaxLength).Append(", \"unigram_share\": ").Append(NgramCounts.UnigramShare.ToString("R", System.Globalization.CultureInfo.InvariantCulture))
            .Append(", \"max_unigrams\": ").Append(NgramCounts.MaxUnigrams).Append(", \"max_bigrams\": ").Append(NgramCounts.MaxBigrams)
            .Append(", \"title_share\": ").Append(PageviewTitles.TitleShare.ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Append(", \"max_titles\": ").Append(PageviewTitles.MaxTitles)
            .Append(", \"counted\": \"new entries\"}}");
        manifest.Append(",\n  \"segmenters\": {");
        first = true;
        foreach (var (language, segmenter) in _segmenters)
        {
            manifest.Append(first ? "\n    " : ",\n    ").AppendString(language).Append(": ").AppendString(segmenter);
            first = false;
        }

        manifest.Append(_segmenters.Count == 0 ? "}" : "\n  }").Append(",\n  \"files\": [");
        for (int i = 0; i < written.Count; i++)
        {
            manifest.Append(i == 0 ? "" : ", ").AppendString(written[i]);
        }

        manifest.Append("],\n  \"warnings\": [");
        for (int i = 0; i < _warnings.Count; i++)
        {
            manifest.Append(i == 0 ? "\n    " : ",\n    ").AppendString(_warnings[i]);
        }

        manifest.Append(_warnings.Count == 0 ? "]" : "\n  ]").Append(",\n  \"sources\": {");
        first = true;
        foreach (var (kind, files) in sources)
        {
            manifest.Append(first ? "\n    " : ",\n    ").AppendString(kind).Append(": [");
            for (int i = 0; i < files.Count; i++)
            {
                manifest.Append(i == 0 ? "\n      " : ",\n      ").Append("{\"file\": ").AppendString(files[i].Name).Append(", \"bytes\": ").Append(files[i].Bytes)
                    .Append(", \"sha256\": ").AppendString(files[i].Sha256).Append('}');
            }

            manifest.Append(files.Count == 0 ? "]" : "\n    ]");
            first = false;
        }

        manifest.Append("\n  },\n  \"languages\": {");
        first = true;
        foreach (var (language, (entries, mergedFrom)) in lists)
        {
            var fig = figures.GetValueOrDefault(language) ?? new LanguageFigures();
            manifest.Append(first ? "\n    " : ",\n    ").AppendString(language).Append(": {\"entries\": ").Append(entries.Count)
                .Append(", \"numbers\": ").Append(fig.Numbers).Append(", \"wordnet\": ").Append(fig.WordNet).Append(", \"unigrams\": ").Append(fig.Unigrams)
                .Append(", \"bigrams\": ").Append(fig.Bigrams).Append(", \"titles\": ").Append(fig.Titles).Append(", \"english_list\": ").Append(fig.English)
                .Append(", \"merged_from\": [");
            for (int i = 0; i < mergedFrom.Count; i++)
            {
                manifest.Append(i == 0 ? "" : ", ").AppendString(mergedFrom[i]);
            }

            manifest.Append("]}");
            first = false;
        }

        manifest.Append("\n  },\n  \"skipped\": [");
        for (int i = 0; i < _problems.Skipped.Count; i++)
        {
            manifest.Append(i == 0 ? "\n    " : ",\n    ").AppendString(Relative(_problems.Skipped[i]));
        }

        manifest.Append(_problems.Skipped.Count == 0 ? "]\n}\n" : "\n  ]\n}\n");
        await File.WriteAllTextAsync(Path.Combine(output, "manifest.json"), manifest.ToString(), new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
        return new MetadataBuildResult(output, lists.ToDictionary(l => l.Key, l => l.Value.Entries.Count, StringComparer.Ordinal), contentHash, _problems.Skipped) { Warnings = _warnings };
    }

    /// <summary>
    /// Deletes what an earlier build wrote into <paramref name="output"/> and this one does not: the files its
    /// manifest lists (or, from a manifest without that list, its languages' <c>{lang}.json</c>). Nothing else is touched.
    /// </summary>
    private static void DeleteStale(string output, List<string> written)
    {
        foreach (string name in EarlierBuildFiles(output).Where(n => !written.Contains(n, StringComparer.Ordinal)))
        {
            File.Delete(Path.Combine(output, name));
        }
    }

    /// <summary>
    /// The files an earlier build wrote into <paramref name="output"/>, as its <c>manifest.json</c> lists them (or, from a
    /// manifest without that list, its languages' <c>{lang}.json</c>); none without a manifest of ours.
    /// </summary>
    private static List<string> EarlierBuildFiles(string output)
    {
        string previous = Path.Combine(output, "manifest.json");
        var found = new List<string>();
        if (!File.Exists(previous))
        {
            return found;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(previous));
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return []; // not a manifest of ours
            }

            if (root.TryGetProperty("files", out var files) && files.ValueKind == JsonValueKind.Array)
            {
                found.AddRange(files.EnumerateArray().Where(f => f.ValueKind == JsonValueKind.String).Select(f => f.GetString()!));
            }
            else if (root.TryGetProperty("languages", out var languages) && languages.ValueKind == JsonValueKind.Object)
            {
                found.AddRange(languages.EnumerateObject().Select(l => l.Name + ".json"));
            }
        }
        catch (JsonException)
        {
            return []; // not a manifest of ours: nothing is known to be ours
        }

        return [.. found.Where(n => n.Length > 0 && Path.GetFileName(n) == n)];
    }

    /// <summary>
    /// What is wrong with <c>--out</c>, found before any work: a file where its folder should be, or <c>*.json</c> files
    /// that no earlier build wrote there. A job reads every top-level <c>*.json</c> of a metadata folder as a list
    /// (docs/formats.md, "Metadata"), so a stray <c>other.json</c> would be curated with as the list of <c>other</c>.
    /// </summary>
    private static void CheckOutput(string output)
    {
        if (DataStore.FileAlong(output) is string file)
        {
            throw new CurationException(file == output
                ? $"--out {output} is a file: name a folder for the lists (one that does not exist yet is made)"
                : $"--out {output}: {file} is a file, not a folder");
        }

        if (!Directory.Exists(output))
        {
            return;
        }

        var ours = new HashSet<string>(EarlierBuildFiles(output), StringComparer.Ordinal) { "lid_map.json", "manifest.json" };
        var strays = Directory.EnumerateFiles(output, "*.json").Select(Path.GetFileName).OfType<string>().Where(n => !ours.Contains(n)).Order(StringComparer.Ordinal).ToList();
        if (strays.Count > 0)
        {
            string shown = string.Join(", ", strays.Take(5)) + (strays.Count > 5 ? $" and {strays.Count - 5:N0} more" : "");
            throw new CurationException($"--out {output} holds {shown}, which no earlier build wrote there (no manifest.json of a build lists "
                + $"{(strays.Count == 1 ? "it" : "them")}): a job reads every *.json of a metadata folder as a list, so "
                + $"{(strays.Count == 1 ? "it" : "they")} would be curated with as the list of \"{Path.GetFileNameWithoutExtension(strays[0])}\""
                + $"{(strays.Count == 1 ? "" : " and so on")}. Move {(strays.Count == 1 ? "it" : "them")} away, or build into a folder of its own.");
        }
    }

    private Dictionary<string, List<string>> WikiTextFiles(string folder)
    {
        var files = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (!Directory.Exists(folder))
        {
            throw SourceFiles.NoFolder(folder);
        }

        foreach (string path in Directory.EnumerateFileSystemEntries(folder).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(path);
            if (name.StartsWith('.'))
            {
                continue;
            }

            if (Directory.Exists(path))
            {
                if (!IsLanguageCode(name))
                {
                    _problems.Report($"{path}: \"{name}\" is not a Wikipedia language code");
                    continue;
                }

                files[name] = SourceFiles.Find(path, n => IsTextFile(n));
                continue;
            }

            if (!IsTextFile(name))
            {
                _problems.Report($"{path}: not a text file (LANG.txt, LANG.jsonl, plain or .gz)");
                continue;
            }

            string language = SourceFiles.PlainName(path).Split('.')[0];
            if (!IsLanguageCode(language))
            {
                _problems.Report($"{path}: \"{language}\" is not a Wikipedia language code");
                continue;
            }

            (files.TryGetValue(language, out var list) ? list : files[language] = []).Add(path);
        }

        return files;
    }

    /// <summary>Lower-case ASCII letters and <c>_</c> (Wikipedia codes as the dumps name them, <c>-</c> read as <c>_</c>).</summary>
    private static bool IsLanguageCode(string code) => code.Length > 0 && code.All(c => c is (>= 'a' and <= 'z') or '_');

    private Dictionary<string, List<string>> CountFiles(string folder)
    {
        var files = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string path in SourceFiles.Find(folder, n => !n.StartsWith('.') && SourceFiles.PlainName(n).EndsWith(".txt", StringComparison.Ordinal)))
        {
            string code = SourceFiles.PlainName(path).Split('.')[0];
            string language = FrequencyListCodes.GetValueOrDefault(code, code);
            if (NotLanguages.Contains(code))
            {
                _problems.Skip($"{path}: FrequencyWords' {code} is a mixed subtitle list, not a language: not read");
                continue;
            }

            if (!IsLanguageCode(language))
            {
                _problems.Report($"{path}: \"{code}\" is not a Wikipedia language code");
                continue;
            }

            (files.TryGetValue(language, out var list) ? list : files[language] = []).Add(path);
        }

        // One list per code: top10k and top50k (or two years) of one language would be counted twice.
        foreach (var (language, list) in files)
        {
            var twice = list.GroupBy(f => SourceFiles.PlainName(f).Split('.')[0], StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (twice is not null)
            {
                throw new CurationException($"--unigram-counts {folder}: {language} has {twice.Count()} lists of \"{twice.Key}\" ({string.Join(", ", twice.Select(f => Path.GetRelativePath(folder, f)))}); their counts would be summed twice: point --unigram-counts at a folder with one of them (e.g. frequencywords/top10k or top50k)");
            }
        }

        return files;
    }

    private static bool IsTextFile(string name)
    {
        string plain = name.EndsWith(".gz", StringComparison.Ordinal) ? name[..^3] : name;
        return plain.EndsWith(".txt", StringComparison.Ordinal) || plain.EndsWith(".jsonl", StringComparison.Ordinal) || plain.EndsWith(".json", StringComparison.Ordinal);
    }

    /// <summary>A message with the source folders taken off its file names (the manifest names no machine's paths).</summary>
    private string Relative(string message)
    {
        foreach (string? root in new[] { options.WordNet, options.WikiText, options.UnigramCounts, options.Pageviews })
        {
            if (root is null)
            {
                continue;
            }

            foreach (string prefix in new[] { Path.GetFullPath(root), root }.Distinct())
            {
                message = message.Replace(prefix.TrimEnd('/', '\\') + Path.DirectorySeparatorChar, "", StringComparison.Ordinal);
            }
        }

        return message;
    }

    private static List<SourceFile> Describe(string root, List<string> files) =>
        [.. files.Select(f =>
        {
            LocalFileType.ThrowIfNotRegular(f);
            using var stream = File.OpenRead(f);
            return new SourceFile(Path.GetRelativePath(root, f).Replace('\\', '/'), stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream)));
        })];

    private static async Task<byte[]> ReadBytesAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            LocalFileType.ThrowIfNotRegular(path);
            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CurationException($"{path}: no such file", e);
        }
    }

    private sealed record SourceFile(string Name, long Bytes, string Sha256);

    private sealed class LanguageFigures
    {
        public int Numbers { get; set; }

        public int WordNet { get; set; }

        public int Unigrams { get; set; }

        public int Bigrams { get; set; }

        public int Titles { get; set; }

        public int English { get; set; }
    }
}

/// <summary>Where the metadata went, the entries per language, its content hash and what was skipped.</summary>
public sealed record MetadataBuildResult(string Output, IReadOnlyDictionary<string, int> Entries, string ContentSha256, IReadOnlyList<string> Skipped)
{
    /// <summary>What the user should know about the sources (lower-cased or truncated frequency lists, a built en).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
