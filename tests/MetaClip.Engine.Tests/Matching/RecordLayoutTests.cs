using System.Security.Cryptography;
using System.Text;
using CsCheck;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Metadata;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Tests.Matching;

/// <summary>
/// The two ways a <see cref="SpaceBoundedIndex"/> verifies hits (the list's strings, or per-entry records) find
/// the same ids in the same order, and a metadata set gives records to its lists under a budget, deterministically.
/// </summary>
public sealed class RecordLayoutTests : IDisposable
{
    private static readonly Gen<string> Word = Gen.OneOf("a", "b", "ab", "new", "york", "city", "big", "apple", "x", "b a");

    private readonly TempFolder _dir = new();
    private readonly List<string> _problems = [];

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Both_layouts_report_the_same_ids_in_the_same_order_on_random_lists_and_texts()
    {
        // Texts of up to 90 words over few distinct words: many hits per text, so the records' batches of
        // candidates fill and are verified more than once.
        var entry = Word.Array[1, 4].Select(w => string.Join(" ", w));
        var text = Word.Array[0, 90].Select(w => string.Join(" ", w));
        Gen.Select(entry.Array[1, 40].Select(e => e.Distinct(StringComparer.Ordinal).ToArray()), text.Array[1, 6]).Sample((entries, texts) =>
        {
            var ids = Enumerable.Range(0, entries.Length).Select(i => (i * 7) + 3).ToArray();
            var strings = new SpaceBoundedIndex(entries, ids, SpaceBoundedLayout.Strings);
            var records = new SpaceBoundedIndex(entries, ids, SpaceBoundedLayout.Records);
            return texts.All(t => FindRaw(strings, t).SequenceEqual(FindRaw(records, t)) && FindRaw(records, t).Length == Brute(entries, ids, t));
        }, iter: 2000);
    }

    [Fact]
    public void Entries_that_share_a_fingerprint_are_all_found_in_both_layouts_and_written_alike()
    {
        // 400,000 entries give some dozens of equal 31-bit fingerprints: chains of entries behind one slot.
        var entries = Enumerable.Range(0, 400_000).Select(i => i % 3 == 0 ? $"e{i} t" : $"e{i}").ToArray();
        var list = new MetadataList("xx", entries, "xx.json");
        var strings = new EntryMatcher(list, CurationMode.V2, SpaceBoundedLayout.Strings);
        var records = new EntryMatcher(list, CurationMode.V2, SpaceBoundedLayout.Records);
        var stringsIndex = new SpaceBoundedIndex(entries, Enumerable.Range(0, entries.Length).ToArray(), SpaceBoundedLayout.Strings);
        var recordsIndex = stringsIndex.WithLayout(SpaceBoundedLayout.Records);
        Assert.True(stringsIndex.ChainedEntries > 0, "no two entries share a fingerprint: the chains are not exercised");
        Assert.Equal(stringsIndex.ChainedEntries, recordsIndex.ChainedEntries);
        Assert.Equal(SpaceBoundedLayout.Records, recordsIndex.Layout);

        // Every entry once, 50 to a text: each text matches exactly its own entries (and "t" is no entry).
        var seen = new int[entries.Length];
        var scratch = new MatchScratch();
        for (int start = 0; start < entries.Length; start += 50)
        {
            string text = string.Join(" ", entries[start..Math.Min(entries.Length, start + 50)]);
            var expected = strings.Match(text, scratch).ToArray();
            Assert.Equal(expected, records.Match(text, scratch).ToArray());
            Assert.Equal(FindRaw(stringsIndex, text), FindRaw(recordsIndex, text));
            foreach (int id in expected)
            {
                seen[id]++;
            }
        }

        Assert.All(seen, count => Assert.Equal(1, count));

        // Both write the same file, and what is read back (strings) goes to records and back unchanged.
        byte[] hash = SHA256.HashData("xx"u8);
        byte[] written = Write(strings, hash);
        Assert.Equal(written, Write(records, hash));
        var read = CompiledMatcherFile.Read(new MemoryStream(written), "mem", hash, CurationMode.V2, "xx", "xx.json");
        Assert.Equal(written, Write(read.WithLayout(SpaceBoundedLayout.Records).WithLayout(SpaceBoundedLayout.Strings), hash));
        Assert.Equal(records.SizeInBytes, read.WithLayout(SpaceBoundedLayout.Records).SizeInBytes);
    }

    [Fact]
    public void The_record_bytes_of_a_list_are_what_its_records_take()
    {
        string[] entries = ["dog", "new york", "手机", "iPhone手机", "'s", "C++", "ねこ", "x\uDC00", "\uD840\uDC00x", "a b c d e"];
        var list = new MetadataList("xx", entries, "xx.json");
        foreach (var mode in new[] { CurationMode.V1, CurationMode.V2 })
        {
            var bounded = entries.Where(e => EntryPadding.Pad(e, mode).Length == e.Length + 2).ToArray();
            long expected = bounded.Sum(e => 4L * (3 + ((e.Length + 1) / 2)));
            Assert.Equal(expected, EntryMatcher.RecordBytes(list, mode));

            // Records replace the strings layout's 8 bytes per entry (id, chain: it reads the list's own units).
            long strings = new EntryMatcher(list, mode, SpaceBoundedLayout.Strings).SizeInBytes;
            long records = new EntryMatcher(list, mode, SpaceBoundedLayout.Records).SizeInBytes;
            Assert.Equal(expected - (8L * bounded.Length), records - strings);
        }
    }

    [Fact]
    public void The_budget_gives_records_in_language_order_to_the_lists_that_fit()
    {
        var de = new MetadataList("de", ["hund", "katze", "roter wagen"], "de.json");
        var en = new MetadataList("en", ["dog", "cat", "red car", "big red car", "a very long entry of many words"], "en.json");
        var fr = new MetadataList("fr", ["chien"], "fr.json");
        var zh = new MetadataList("zh", ["手机", "中国"], "zh.json");
        long deBytes = EntryMatcher.RecordBytes(de, CurationMode.V2);
        long enBytes = EntryMatcher.RecordBytes(en, CurationMode.V2);
        long frBytes = EntryMatcher.RecordBytes(fr, CurationMode.V2);
        Assert.Equal(0, EntryMatcher.RecordBytes(zh, CurationMode.V2));
        Assert.True(enBytes > frBytes);

        // de fits, en does not fit what is left, fr (later but smaller) does; zh needs none.
        var layouts = RecordBudget.Assign([zh, fr, en, de], CurationMode.V2, deBytes + frBytes);
        Assert.Equal(Layouts(("de", true), ("en", false), ("fr", true), ("zh", true)), layouts);
        Assert.Equal(layouts, RecordBudget.Assign([de, en, fr, zh], CurationMode.V2, deBytes + frBytes));

        // In order: de and en use it all; one byte less and en uses strings.
        Assert.Equal(Layouts(("de", true), ("en", true), ("fr", false), ("zh", true)), RecordBudget.Assign([en, de, zh, fr], CurationMode.V2, deBytes + enBytes));
        Assert.Equal(Layouts(("de", true), ("en", false), ("fr", true), ("zh", true)), RecordBudget.Assign([en, de, zh, fr], CurationMode.V2, deBytes + enBytes - 1));
        Assert.Equal(Layouts(("de", false), ("en", false), ("fr", false), ("zh", true)), RecordBudget.Assign([en, de, zh, fr], CurationMode.V2, 0));
    }

    [Fact]
    public async Task A_metadata_set_lays_out_its_lists_under_its_budget_whatever_the_load_order()
    {
        string folder = WriteLists("meta", ("de", 300), ("en", 2_000), ("fr", 500), ("it", 100));
        var sizes = (await MetadataSet.LoadAsync(DataStore.Local, folder, CurationMode.V2, CancellationToken.None)).Languages
            .ToDictionary(l => l, l => EntryMatcher.RecordBytes(ListOf(folder, l), CurationMode.V2));
        Assert.True(sizes["en"] > sizes["fr"] + sizes["it"]);
        long budget = sizes["de"] + sizes["fr"] + sizes["it"];
        var expected = Layouts(("de", true), ("en", false), ("fr", true), ("it", true));
        for (int round = 0; round < 5; round++)
        {
            var set = await MetadataSet.LoadAsync(DataStore.Local, folder, CurationMode.V2, CancellationToken.None, recordBudgetBytes: budget);
            Assert.Equal(expected, set.Layouts);

            // Matchers built in any order, at once, get the layout chosen at load.
            var languages = set.Languages.OrderBy(_ => Random.Shared.Next()).ToArray();
            var built = new EntryMatcher[languages.Length];
            Parallel.For(0, languages.Length, i => built[i] = set.GetMatcher(languages[i])!);
            for (int i = 0; i < languages.Length; i++)
            {
                Assert.Equal(expected[languages[i]], built[i].Layout);
            }
        }

        var all = await MetadataSet.LoadAsync(DataStore.Local, folder, CurationMode.V2, CancellationToken.None);
        Assert.All(all.Layouts.Values, layout => Assert.Equal(SpaceBoundedLayout.Records, layout));
        Assert.All(all.Languages, l => Assert.Equal(SpaceBoundedLayout.Records, all.GetMatcher(l)!.Layout));
    }

    [Theory]
    [InlineData(0L, RecordBudget.DefaultBytes)]
    [InlineData(RecordBudget.DefaultBytes, 0L)]
    public async Task A_list_compiled_in_one_layout_loads_in_the_other(long buildBudget, long loadBudget)
    {
        string folder = WriteLists("meta", ("en", 3_000), ("fr", 800));
        var cache = new CompiledMatcherCache(_dir.Combine("cache"), _problems.Add);
        var built = await MetadataSet.LoadAsync(DataStore.Local, folder, CurationMode.V2, CancellationToken.None, cache, buildBudget);
        var builtLayout = buildBudget == 0 ? SpaceBoundedLayout.Strings : SpaceBoundedLayout.Records;
        var loadLayout = loadBudget == 0 ? SpaceBoundedLayout.Strings : SpaceBoundedLayout.Records;
        foreach (string language in built.Languages)
        {
            Assert.Equal(builtLayout, built.GetMatcher(language)!.Layout);
        }

        var loaded = await MetadataSet.LoadAsync(DataStore.Local, folder, CurationMode.V2, CancellationToken.None, cache, loadBudget);
        Assert.Equal(2, loaded.CompiledLoads);
        foreach (string language in loaded.Languages)
        {
            var matcher = loaded.GetMatcher(language)!;
            Assert.Equal(loadLayout, matcher.Layout);
            var expected = built.GetMatcher(language)!;
            var texts = Enumerable.Range(0, 500).Select(i => string.Join(" ", Enumerable.Range(0, 12).Select(k => expected.List.Entries[((i * 131) + (k * 17)) % expected.List.Count]))).ToList();
            long matched = 0;
            foreach (string text in texts)
            {
                var want = expected.Match(text, new MatchScratch()).ToArray();
                Assert.Equal(want, matcher.Match(text, new MatchScratch()).ToArray());
                matched += want.Length;
            }

            Assert.True(matched > texts.Count * 10, $"only {matched} matches");
        }

        Assert.Empty(_problems);
    }

    private static Dictionary<string, SpaceBoundedLayout> Layouts(params (string Language, bool Records)[] layouts) =>
        layouts.ToDictionary(l => l.Language, l => l.Records ? SpaceBoundedLayout.Records : SpaceBoundedLayout.Strings, StringComparer.Ordinal);

    /// <summary>A folder of lists of distinct one- to three-word entries (a few CJK ones among them).</summary>
    private string WriteLists(string name, params (string Language, int Count)[] lists)
    {
        string folder = _dir.Combine(name);
        Directory.CreateDirectory(folder);
        foreach (var (language, count) in lists)
        {
            var entries = Enumerable.Range(0, count)
                .Select(i => i % 10 == 9 ? $"中{i}国" : i % 3 == 0 ? $"{language}{i} w{i % 7}" : i % 3 == 1 ? $"{language}{i}" : $"w{i % 5} {language}{i} z")
                .Select(e => $"\"{e}\"");
            File.WriteAllText(Path.Combine(folder, language + ".json"), $"[{string.Join(",\n", entries)}]", Encoding.UTF8);
        }

        return folder;
    }

    private static MetadataList ListOf(string folder, string language) =>
        MetadataList.Parse(language, File.ReadAllBytes(Path.Combine(folder, language + ".json")), language + ".json");

    private static byte[] Write(EntryMatcher matcher, byte[] hash)
    {
        var stream = new MemoryStream();
        CompiledMatcherFile.Write(stream, hash, CurationMode.V2, matcher);
        return stream.ToArray();
    }

    /// <summary>The ids as the index reports them: unsorted, one per occurrence, in the order found.</summary>
    private static int[] FindRaw(SpaceBoundedIndex index, string text)
    {
        string spaced = $" {text} ";
        var spaces = Enumerable.Range(0, spaced.Length).Where(i => spaced[i] == ' ').ToArray();
        var found = new MatchList(8);
        index.FindAll(spaced, spaces, ref found);
        return found.Items.ToArray();
    }

    /// <summary>Occurrences of the entries between two spaces of the spaced text, counted naively.</summary>
    private static int Brute(string[] entries, int[] ids, string text)
    {
        string spaced = $" {text} ";
        int count = 0;
        foreach (string entry in entries)
        {
            string padded = $" {entry} ";
            for (int at = spaced.IndexOf(padded, StringComparison.Ordinal); at >= 0; at = spaced.IndexOf(padded, at + 1, StringComparison.Ordinal))
            {
                count++;
            }
        }

        return ids.Length == entries.Length ? count : -1;
    }
}
