namespace MetaClip.Engine.Metadata.Building;

/// <summary>
/// Wikipedia page titles ranked by their views in the Wikimedia pageview dumps (hourly files of lines
/// <c>DOMAIN TITLE VIEWS BYTES</c>, plain or gzipped). A domain <c>xx</c> or <c>xx.m</c> (mobile) is the
/// <c>xx</c> Wikipedia (<c>zh-yue</c> → <c>zh_yue</c>); other projects (<c>xx.b</c>, <c>xx.d</c>, …) are not read.
/// <c>_</c> in a title is a space. Views are summed over every file; titles containing <c>:</c> (other
/// namespaces) are excluded; the rest, most viewed first (ties in ordinal order), are the candidates of the
/// recipe's capped walk (<see cref="OrderedEntries.AddCapped"/>), capped at <c>min(61,235, 76% of them)</c>.
/// (The reference also sums the other projects of a language, <c>xx.b</c>, <c>xx.d</c>, …, into its titles; we
/// read Wikipedia's only.)
/// </summary>
public static class PageviewTitles
{
    public const int MaxTitles = 61_235;
    public const double TitleShare = 0.76;

    /// <summary>The Wikipedia code of a dump domain, or null for a project that is not a Wikipedia.</summary>
    public static string? WikipediaOf(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        string code = domain.EndsWith(".m", StringComparison.Ordinal) ? domain[..^2] : domain;
        if (code.Length == 0 || code.Contains('.', StringComparison.Ordinal))
        {
            return null;
        }

        return code.Replace('-', '_');
    }

    /// <summary>
    /// Splits the dumps by language into one spill file per language under <paramref name="spill"/> (so that
    /// only one language's titles are ever in memory), for the languages <paramref name="wanted"/> accepts.
    /// </summary>
    public static Dictionary<string, string> Split(string folder, string spill, Func<string, bool> wanted, BuildProblems problems)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        ArgumentNullException.ThrowIfNull(problems);
        Directory.CreateDirectory(spill);
        var writers = new Dictionary<string, StreamWriter>(StringComparer.Ordinal);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (string file in SourceFiles.Find(folder, name => !name.StartsWith('.')))
            {
                foreach (var (number, line) in SourceFiles.ReadLines(file))
                {
                    string stripped = CurationText.Strip(line).ToString();
                    if (stripped.Length == 0 || stripped.StartsWith("\"\" ", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var fields = stripped.Split(' ');
                    if (fields.Length != 4 || !long.TryParse(fields[2], out long views) || views < 0)
                    {
                        problems.Report($"{file}: line {number}: expected \"DOMAIN TITLE VIEWS BYTES\", got \"{WordNetSource.Shorten(line)}\"");
                        continue;
                    }

                    if (WikipediaOf(fields[0]) is not string language || !wanted(language))
                    {
                        continue;
                    }

                    if (!writers.TryGetValue(language, out var writer))
                    {
                        string path = Path.Combine(spill, language + ".tsv");
                        files[language] = path;
                        writers[language] = writer = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false));
                    }

                    writer.Write(fields[1]);
                    writer.Write('\t');
                    writer.WriteLine(fields[2]);
                }
            }
        }
        finally
        {
            foreach (var writer in writers.Values)
            {
                writer.Dispose();
            }
        }

        return files;
    }

    /// <summary>
    /// One language's titles ranked: <c>_</c> read as a space, stripped, titles with <c>:</c> or no views left
    /// out, views summed, most viewed first (ties in ordinal order); and the cap, <c>min(61,235, ⌊76 % of the
    /// titles⌋)</c>, counted over these titles (the reference's <c>len(title_per_lang)</c>).
    /// </summary>
    public static (List<string> Ranked, int Cap) Rank(IEnumerable<(string Title, long Views)> views)
    {
        ArgumentNullException.ThrowIfNull(views);
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (raw, count) in views)
        {
            string title = CurationText.Strip(raw).ToString().Replace('_', ' ');
            if (count == 0 || title.Contains(':', StringComparison.Ordinal))
            {
                continue;
            }

            totals[title] = totals.GetValueOrDefault(title) + count;
        }

        int cap = (int)Math.Min(MaxTitles, Math.Floor(TitleShare * totals.Count));
        return ([.. totals.OrderByDescending(t => t.Value).ThenBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Key)], cap);
    }

    /// <summary>The lines of a spill file.</summary>
    public static IEnumerable<(string Title, long Views)> ReadSpill(string path)
    {
        foreach (var (_, line) in SourceFiles.ReadLines(path))
        {
            int tab = line.LastIndexOf('\t');
            yield return (line[..tab], long.Parse(line.AsSpan(tab + 1), System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
