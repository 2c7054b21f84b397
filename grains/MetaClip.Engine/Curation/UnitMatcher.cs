using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MetaClip.Engine.Lid;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Snapshots;

namespace MetaClip.Engine.Curation;

/// <summary>
/// Pass 1 over one unit (docs/curation-spec.md §1–2): skip empty texts, group texts into images by uuid, give each
/// text its metadata language, and match it against that language's list — in parallel over texts. A text's
/// LID label comes from the snapshot's language column when the job names one, else from the language
/// identifier (MetaCLIP 1 mode needs neither: everything is English).
/// </summary>
public sealed class UnitMatcher
{
    private const int ChunkSize = 2048;
    private readonly MetadataSet _metadata;
    private readonly int _threads;
    private readonly LanguageIdentifier? _identifier;

    public UnitMatcher(MetadataSet metadata, int threads, LanguageIdentifier? identifier = null)
    {
        _metadata = metadata;
        _threads = Math.Max(1, threads);
        _identifier = identifier;
    }

    public UnitMatches Match(UnitRows rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        // Sized for the unit up front: grown lists leave arrays of every size behind, and a unit's are large-object
        // allocations, each of which brings the next full collection nearer.
        var images = new List<string>(rows.RowCount);
        var imageIndex = RentImageIndex(rows.RowCount);
        try
        {
            return Match(rows, images, imageIndex, cancellationToken);
        }
        finally
        {
            ReturnImageIndex(imageIndex);
        }
    }

    /// <summary>
    /// An empty table of a unit's images with room for <paramref name="rows"/>, kept from unit to unit: a fresh one sized
    /// for a unit is a large object, garbage after each. At most <see cref="KeptImageIndexes"/> are kept, whatever the
    /// number of threads that match, and none for units of more than <see cref="MaxKeptImageIndex"/> rows.
    /// </summary>
    private static Dictionary<string, int> RentImageIndex(int rows)
    {
        if (rows <= MaxKeptImageIndex && ImageIndexes.TryTake(out var index))
        {
            index.EnsureCapacity(rows);
            return index;
        }

        return new Dictionary<string, int>(rows, StringComparer.Ordinal);
    }

    private static void ReturnImageIndex(Dictionary<string, int> index)
    {
        index.Clear(); // it holds the unit's uuids
        if (index.EnsureCapacity(0) <= MaxKeptImageIndex && ImageIndexes.Count < KeptImageIndexes)
        {
            ImageIndexes.Add(index);
        }
    }

    private const int MaxKeptImageIndex = 1 << 17;
    private const int KeptImageIndexes = 4;
    private static readonly System.Collections.Concurrent.ConcurrentBag<Dictionary<string, int>> ImageIndexes = [];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private UnitMatches Match(UnitRows rows, List<string> images, Dictionary<string, int> imageIndex, CancellationToken cancellationToken)
    {
        var textsPerImage = new List<int>(rows.RowCount);
        var languages = new Dictionary<string, LanguageTally>(StringComparer.Ordinal);
        bool v1 = _metadata.Mode == CurationMode.V1;
        var labels = rows.Lang ?? (!v1 && _identifier is not null ? _identifier.IdentifyAll(rows.Text, _threads, cancellationToken) : null);

        // Sequential part: skipping, grouping, language of each text.
        var textRows = new List<int>(rows.RowCount);
        var textImage = new List<int>(rows.RowCount);
        var textIndex = new List<int>(rows.RowCount);
        var textLanguageIndex = new List<int>(rows.RowCount);
        var languageNames = new List<string>();
        var languageIndex = new Dictionary<string, int>(StringComparer.Ordinal);

        // Each LID label's language, tally and number, looked up once per label (a few distinct ones; each the same
        // string object row after row when they come from the model), not three times per row.
        var byLabel = new Dictionary<string, LabelLanguage>(StringComparer.Ordinal);
        string? lastLabel = null;
        LabelLanguage last = default;
        int skipped = 0;
        for (int row = 0; row < rows.RowCount; row++)
        {
            if (CurationText.IsSkipped(rows.Text[row]))
            {
                skipped++;
                continue;
            }

            string uuid = rows.Uuid[row]!;
            ref int image = ref CollectionsMarshal.GetValueRefOrAddDefault(imageIndex, uuid, out bool known);
            if (!known)
            {
                image = images.Count;
                images.Add(uuid);
                textsPerImage.Add(0);
            }

            int imageNumber = image;
            string label = labels?[row] ?? string.Empty;
            if (!ReferenceEquals(label, lastLabel))
            {
                ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(byLabel, label, out bool seen);
                if (!seen)
                {
                    string language = v1 ? "en" : _metadata.LidMap.Resolve(label);
                    if (!languages.TryGetValue(language, out var tally))
                    {
                        tally = new LanguageTally();
                        languages[language] = tally;
                        languageIndex[language] = languageNames.Count;
                        languageNames.Add(language);
                    }

                    entry = new LabelLanguage(tally, languageIndex[language]);
                }

                lastLabel = label;
                last = entry;
            }

            last.Tally.Texts++;
            textRows.Add(row);
            textImage.Add(imageNumber);
            textIndex.Add(textsPerImage[imageNumber]++);
            textLanguageIndex.Add(last.Index);
        }

        // Parallel part: matching, chunk by chunk; inside a chunk, the texts of each language in one batch.
        int count = textRows.Count;
        int chunks = (count + ChunkSize - 1) / ChunkSize;
        var chunkIds = new List<int>[chunks];
        var idStart = new int[count];
        var idCount = new int[count];
        var matchers = new Dictionary<string, EntryMatcher?>(StringComparer.Ordinal);
        foreach (string language in languages.Keys)
        {
            matchers[language] = null;
        }

        Parallel.ForEach(languages.Keys, new ParallelOptions { MaxDegreeOfParallelism = _threads, CancellationToken = cancellationToken },
            language => _metadata.GetMatcher(language));
        foreach (string language in languages.Keys)
        {
            matchers[language] = _metadata.GetMatcher(language);
        }

        var chunkMatchers = languageNames.Select(language => matchers[language]).ToArray();
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = _threads, CancellationToken = cancellationToken }, () => new MatchScratch(), (chunk, _, scratch) =>
        {
            int first = chunk * ChunkSize, end = Math.Min(count, first + ChunkSize), n = end - first;
            // The chunk's texts ordered by language (a counting sort, each language's texts in row order), so that each
            // language's texts go to its matcher in one batch.
            var starts = new int[chunkMatchers.Length + 1];
            for (int t = first; t < end; t++)
            {
                starts[textLanguageIndex[t] + 1]++;
            }

            for (int l = 0; l < chunkMatchers.Length; l++)
            {
                starts[l + 1] += starts[l];
            }

            var members = new int[n];
            var texts = new string[n];
            var next = starts[..^1];
            for (int t = first; t < end; t++)
            {
                int at = next[textLanguageIndex[t]]++;
                members[at] = t;
                texts[at] = rows.Text[textRows[t]]!;
            }

            var ids = new List<int>(n * 8);
            var counts = new int[n];
            for (int l = 0; l < chunkMatchers.Length; l++)
            {
                int from = starts[l], length = starts[l + 1] - from;
                if (length == 0 || chunkMatchers[l] is not EntryMatcher matcher)
                {
                    continue;
                }

                int before = ids.Count;
                matcher.MatchMany(new ArraySegment<string>(texts, from, length), scratch, ids, counts.AsSpan(from, length));
                for (int i = from; i < from + length; i++)
                {
                    idStart[members[i]] = before;
                    idCount[members[i]] = counts[i];
                    before += counts[i];
                }
            }

            chunkIds[chunk] = ids;
            return scratch;
        }, _ => { });

        // Sequential merge, in row order.
        var tallies = languageNames.Select(language => languages[language]).ToArray();
        var allIds = new int[chunkIds.Sum(c => c.Count)];
        var matched = new List<MatchedText>(idCount.Count(n => n > 0));
        int offset = 0;
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            var source = CollectionsMarshal.AsSpan(chunkIds[chunk]);
            int end = Math.Min(count, (chunk + 1) * ChunkSize);
            for (int t = chunk * ChunkSize; t < end; t++)
            {
                int n = idCount[t];
                if (n == 0)
                {
                    continue;
                }

                source.Slice(idStart[t], n).CopyTo(allIds.AsSpan(offset));
                int row = textRows[t];
                int languageNumber = textLanguageIndex[t];
                string language = languageNames[languageNumber];
                tallies[languageNumber].MatchedTexts++;
                matched.Add(new MatchedText(row, textImage[t], textIndex[t], language, labels?[row] ?? string.Empty,
                    offset, n, rows.Text[row]!, rows.Url?[row], rows.Key?[row]));
                offset += n;
            }
        }

        return new UnitMatches
        {
            Unit = rows.Unit,
            Rows = rows.RowCount,
            SkippedTexts = skipped,
            Images = images,
            Matched = matched,
            Ids = allIds,
            Languages = languages,
            ImageColumn = rows.ImageColumn,
        };
    }

    /// <summary>What a LID label gives a text in pass 1: its metadata language's tally and that language's number in the unit.</summary>
    private readonly record struct LabelLanguage(LanguageTally Tally, int Index);
}
