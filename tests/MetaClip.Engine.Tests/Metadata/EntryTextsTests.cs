using MetaClip.Engine.Matching;
using MetaClip.Engine.Metadata;

namespace MetaClip.Engine.Tests.Metadata;

/// <summary>
/// A list's entries held as one block (no string per entry, so that full collections do not mark a million objects):
/// every entry reads back unit for unit, however it was made.
/// </summary>
public class EntryTextsTests
{
    private static readonly string[] Entries = ["dog", "new york", "x", "手机", "a\uDC00", "\U0001F600", "e\u0301", "  two  spaces  ", new string('z', 300)];

    [Fact]
    public void Entries_read_back_as_they_were_by_span_by_index_and_in_order()
    {
        var texts = EntryTexts.From(Entries);
        Assert.Equal(Entries.Length, texts.Count);
        Assert.Equal(Entries.Sum(e => (long)e.Length), texts.TotalLength);
        for (int id = 0; id < Entries.Length; id++)
        {
            Assert.Equal(Entries[id], texts[id]);
            Assert.True(texts.Span(id).SequenceEqual(Entries[id]), $"entry {id}");
            Assert.Equal(Entries[id].Length, texts.LengthOf(id));
        }

        Assert.Equal(Entries, texts);
        Assert.Empty(EntryTexts.From([]));
        Assert.Same(texts, EntryTexts.From(texts));
    }

    [Fact]
    public void A_list_read_from_its_compiled_file_has_the_entries_of_the_list_it_was_compiled_from()
    {
        var random = new Random(5);
        string[] entries = [.. Enumerable.Range(0, 2_000).Select(i => $"{i} " + new string((char)('a' + random.Next(26)), random.Next(1, 20)))
            .Concat(["中国", "'s", "x\uD800"])];
        var list = new MetadataList("xx", entries, "xx.json");
        var matcher = new EntryMatcher(list, CurationMode.V2);
        byte[] hash = [1, 2, 3];
        using var stream = new MemoryStream();
        CompiledMatcherFile.Write(stream, hash, CurationMode.V2, matcher);
        stream.Position = 0;
        var read = CompiledMatcherFile.Read(stream, "compiled", hash, CurationMode.V2, "xx", "xx.json");
        Assert.Equal(entries, read.List.Entries);
        foreach (string text in new[] { "1 a", "the 7 cc and 中国 's", "x\uD800 y" })
        {
            Assert.Equal(matcher.Match(text, new MatchScratch()).ToArray(), read.Match(text, new MatchScratch()).ToArray());
        }
    }
}
