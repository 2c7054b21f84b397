using System.Security.Cryptography;
using System.Text;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Metadata;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Tests.Matching;

/// <summary>
/// The compiled form of metadata lists (issue 5): a compiled list matches exactly as the list it was compiled from,
/// the cache is keyed by content and mode, and a damaged or unusable cache is reported and never changes a result.
/// </summary>
public sealed class CompiledMatcherCacheTests : IDisposable
{
    private static readonly string[] Separators = [" ", "", ", ", "-", "。", " (", "\t"];

    private readonly TempFolder _dir = new();
    private readonly List<string> _problems = [];

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Every_sample_list_compiled_and_read_back_matches_exactly_as_built()
    {
        var set = await MetadataSet.LoadAsync(DataStore.Local, Repository.Path("samples", "metadata"), CurationMode.V2, CancellationToken.None);
        long matched = 0;
        foreach (string language in set.Languages)
        {
            var built = set.GetMatcher(language)!;
            var stream = new MemoryStream();
            byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(language));
            CompiledMatcherFile.Write(stream, hash, CurationMode.V2, built);
            stream.Position = 0;
            var compiled = CompiledMatcherFile.Read(stream, "mem", hash, CurationMode.V2, language, language + ".json");

            // A sample set is far under the record budget: built with records, read back (in strings) and laid out alike.
            Assert.Equal(SpaceBoundedLayout.Records, built.Layout);
            compiled = compiled.WithLayout(built.Layout);
            Assert.Equal(built.List.Entries, compiled.List.Entries);
            Assert.Equal(built.SizeInBytes, compiled.SizeInBytes);
            matched += AssertSameMatches(built, compiled, Texts(built.List, 2_000, seed: language.Length));
        }

        Assert.True(matched > 10_000, $"only {matched} matches: the texts do not exercise the matchers");
    }

    [Fact]
    public async Task A_list_is_built_once_and_then_loaded_compiled_whatever_its_folder()
    {
        string first = CopySample("first", "en", "zh", "ja");
        var cache = new CompiledMatcherCache(_dir.Combine("cache"), _problems.Add);
        var built = await MetadataSet.LoadAsync(DataStore.Local, first, CurationMode.V2, CancellationToken.None, cache);
        Assert.Equal(0, built.CompiledLoads);
        foreach (string language in built.Languages)
        {
            built.GetMatcher(language);
        }

        Assert.Equal(3, Directory.GetFiles(cache.Folder, $"*.v2.v{CompiledMatcherFile.FormatVersion}.matcher").Length);

        // The same bytes in another folder load compiled; a list's id order and its matches are the same.
        string second = CopySample("second", "en", "zh", "ja");
        var loaded = await MetadataSet.LoadAsync(DataStore.Local, second, CurationMode.V2, CancellationToken.None, cache);
        Assert.Equal(3, loaded.CompiledLoads);
        foreach (string language in loaded.Languages)
        {
            Assert.True(loaded.TryGetList(language, out var list));
            Assert.Equal(language, list.Language);
            Assert.Equal(language + ".json", list.Source);
            AssertSameMatches(built.GetMatcher(language)!, loaded.GetMatcher(language)!, Texts(list, 1_000, seed: 3));
        }

        Assert.Empty(_problems);
    }

    [Fact]
    public async Task The_cache_key_is_the_content_and_the_mode()
    {
        var cache = new CompiledMatcherCache(_dir.Combine("cache"), _problems.Add);
        string folder = _dir.Combine("meta");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "en.json"), "[\"dog\", \"red car\", \"猫\"]");
        await LoadAndBuildAsync(folder, CurationMode.V2, cache);

        // Same content under another name: compiled, named by the new file.
        File.Move(Path.Combine(folder, "en.json"), Path.Combine(folder, "de.json"));
        var renamed = await LoadAndBuildAsync(folder, CurationMode.V2, cache);
        Assert.Equal(1, renamed.CompiledLoads);
        Assert.Equal(["de"], renamed.Languages);

        // The other mode pads entries differently: its own compiled file.
        File.Move(Path.Combine(folder, "de.json"), Path.Combine(folder, "en.json"));
        Assert.Equal(0, (await LoadAndBuildAsync(folder, CurationMode.V1, cache)).CompiledLoads);
        Assert.Equal(1, (await LoadAndBuildAsync(folder, CurationMode.V1, cache)).CompiledLoads);

        // One changed byte is another list: built, with the new entry matched.
        File.WriteAllText(Path.Combine(folder, "en.json"), "[\"dog\", \"red cat\", \"猫\"]");
        var changed = await LoadAndBuildAsync(folder, CurationMode.V2, cache);
        Assert.Equal(0, changed.CompiledLoads);
        Assert.Equal([1], changed.GetMatcher("en")!.Match("a red cat", new MatchScratch()).ToArray());
        Assert.Equal(3, Directory.GetFiles(cache.Folder, "*.matcher").Length);
        Assert.Empty(_problems);
    }

    [Theory]
    [InlineData("flipped", "checksum mismatch")]
    [InlineData("truncated", "truncated")]
    [InlineData("garbage", "not a compiled metadata list")]
    [InlineData("pipe", "not a regular file")] // regression: a named pipe in its place kept the job waiting for good
    public async Task A_damaged_compiled_list_is_reported_and_built_again(string damage, string reason)
    {
        string folder = CopySample("meta", "en", "zh");
        var cache = new CompiledMatcherCache(_dir.Combine("cache"), _problems.Add);
        var first = await LoadAndBuildAsync(folder, CurationMode.V2, cache);
        string path = cache.PathOf(SHA256.HashData(File.ReadAllBytes(Path.Combine(folder, "zh.json"))), CurationMode.V2);
        byte[] bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "flipped":
                // One bit of the second entry unit (after the magic, version, byte-order mark, mode, hash and lengths).
                first.TryGetList("zh", out var list);
                bytes[8 + 4 + 8 + 4 + 36 + 4 + (4 * list.Count) + 4 + 2] ^= 0x01;
                break;
            case "truncated":
                Array.Resize(ref bytes, bytes.Length - 100);
                break;
            default:
                bytes = Encoding.UTF8.GetBytes("not a matcher at all");
                break;
        }

        if (damage == "pipe")
        {
            File.Delete(path);
            MetaClip.TestSupport.DebianTools.Run("mkfifo", [path]);
        }
        else
        {
            File.WriteAllBytes(path, bytes);
        }

        var second = await LoadAndBuildAsync(folder, CurationMode.V2, cache);
        Assert.Equal(1, second.CompiledLoads); // en came compiled, zh was built again
        string problem = Assert.Single(_problems);
        Assert.Contains("zh.json", problem, StringComparison.Ordinal);
        Assert.Contains(path, problem, StringComparison.Ordinal);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
        second.TryGetList("zh", out var zh);
        AssertSameMatches(first.GetMatcher("zh")!, second.GetMatcher("zh")!, Texts(zh, 1_000, seed: 5));

        // Built again means written again: the next load is compiled and clean.
        Assert.Equal(2, (await LoadAndBuildAsync(folder, CurationMode.V2, cache)).CompiledLoads);
        Assert.Single(_problems);
    }

    [Fact]
    public async Task A_cache_folder_that_cannot_be_written_is_reported_and_changes_nothing()
    {
        string folder = CopySample("meta", "en");
        string blocked = _dir.File("blocked", "a file where the cache folder should be");
        var cache = new CompiledMatcherCache(blocked, _problems.Add);
        var set = await LoadAndBuildAsync(folder, CurationMode.V2, cache);
        Assert.True(set.GetMatcher("en")!.Match("a dog and a cat", new MatchScratch()).Length > 0);
        string problem = Assert.Single(_problems);
        Assert.Contains("cannot keep the compiled matcher of metadata en.json", problem, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void The_cache_can_be_turned_off_or_placed()
    {
        Assert.Null(CompiledMatcherCache.Create("off", _problems.Add));
        Assert.Null(CompiledMatcherCache.Create("none", _problems.Add));
        Assert.Equal(_dir.Combine("c"), CompiledMatcherCache.Create(_dir.Combine("c"), _problems.Add)!.Folder);
    }

    private static async Task<MetadataSet> LoadAndBuildAsync(string folder, CurationMode mode, CompiledMatcherCache cache)
    {
        var set = await MetadataSet.LoadAsync(DataStore.Local, folder, mode, CancellationToken.None, cache);
        foreach (string language in set.Languages)
        {
            set.GetMatcher(language);
        }

        return set;
    }

    private string CopySample(string name, params string[] languages)
    {
        string folder = _dir.Combine(name);
        Directory.CreateDirectory(folder);
        foreach (string language in languages)
        {
            File.Copy(Repository.Path("samples", "metadata", language + ".json"), Path.Combine(folder, language + ".json"));
        }

        return folder;
    }

    /// <summary>Texts made of a few of the list's entries with and without separators, and some noise.</summary>
    private static List<string> Texts(MetadataList list, int count, int seed)
    {
        var random = new Random(seed);
        var texts = new List<string>(count);
        var text = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            text.Clear();
            int parts = random.Next(1, 5);
            for (int p = 0; p < parts; p++)
            {
                text.Append(Separators[random.Next(Separators.Length)]);
                text.Append(random.Next(8) == 0 ? "xq" : list.Entries[random.Next(list.Count)]);
            }

            texts.Add(text.ToString());
        }

        return texts;
    }

    private static long AssertSameMatches(EntryMatcher expected, EntryMatcher actual, List<string> texts)
    {
        var a = new MatchScratch();
        var b = new MatchScratch();
        long matched = 0;
        foreach (string text in texts)
        {
            var want = expected.Match(text, a).ToArray();
            Assert.Equal(want, actual.Match(text, b).ToArray());
            matched += want.Length;
        }

        var ids = new List<int>();
        var counts = new int[texts.Count];
        actual.MatchMany(texts, b, ids, counts);
        Assert.Equal(matched, ids.Count);
        return matched;
    }
}
