using CsCheck;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Metadata;

namespace MetaClip.Engine.Tests.Matching;

public class EntryMatcherTests
{
    /// <summary>Pieces the random texts and entries are made of: every case the spec singles out.</summary>
    private static readonly string[] Pieces =
    [
        " ", "  ", "a", "b", "ab", "dog", "cat", "new", "york", "new york",
        ",", ".", ";", ":", "?", "!", "`", "\t", "\n", "\r", "(", ")", "-", "/", "'", "\u00A0", "\u001C", "\u3000",
        "中", "国", "中国", "手机", "ก", "ข", "แมว", "か", "ね", "こ", "한", "국", "\uD840\uDC00", "\uD840\uDC01",
        "\uD800", "\uDC00", "\uDBFF", "。", "，", "「", "」", "—", "～", "Ä", "é", "3", "14", "ល", "ཀ", "က",
    ];

    private static readonly Gen<string> Piece = Gen.OneOf(Pieces);
    private static readonly Gen<string> Text = Piece.Array[0, 12].Select(p => string.Concat(p));
    private static readonly Gen<string> Entry = Piece.Array[1, 4].Select(p => string.Concat(p)).Where(e => e.Length > 0);
    private static readonly Gen<string[]> Entries = Entry.Array[1, 25].Select(e => e.Distinct(StringComparer.Ordinal).ToArray());

    [Theory]
    [InlineData(SpaceBoundedLayout.Strings)]
    [InlineData(SpaceBoundedLayout.Records)]
    public void Matcher_equals_brute_force_on_random_entries_and_texts(SpaceBoundedLayout layout)
    {
        Gen.Select(Entries, Text.Array[1, 8]).Sample((entries, texts) =>
        {
            var matcher = new EntryMatcher(new MetadataList("xx", entries, "xx.json"), CurationMode.V2, layout);
            var scratch = new MatchScratch();
            foreach (string text in texts)
            {
                var expected = SpecReference.Match(entries, text);
                var actual = matcher.Match(text, scratch).ToArray();
                if (!expected.SequenceEqual(actual))
                {
                    return false;
                }
            }

            return true;
        }, iter: 3000, print: t => $"entries [{string.Join(" | ", t.Item1.Select(SpecReference.Show))}] texts [{string.Join(" | ", t.Item2.Select(SpecReference.Show))}]");
    }

    [Theory]
    [InlineData(SpaceBoundedLayout.Strings)]
    [InlineData(SpaceBoundedLayout.Records)]
    public void Matcher_equals_brute_force_in_metaclip1_mode(SpaceBoundedLayout layout)
    {
        Gen.Select(Entries, Text).Sample((entries, text) =>
        {
            var matcher = new EntryMatcher(new MetadataList("en", entries, "en.json"), CurationMode.V1, layout);
            return SpecReference.Match(entries, text, v1: true).SequenceEqual(matcher.Match(text, new MatchScratch()).ToArray());
        }, iter: 2000);
    }

    [Theory]
    [InlineData(SpaceBoundedLayout.Strings)]
    [InlineData(SpaceBoundedLayout.Records)]
    public void Matching_many_texts_at_once_equals_matching_them_one_by_one(SpaceBoundedLayout layout)
    {
        Gen.Select(Entries, Text.Array[0, 9]).Sample((entries, texts) =>
        {
            var matcher = new EntryMatcher(new MetadataList("xx", entries, "xx.json"), CurationMode.V2, layout);
            var ids = new List<int>();
            var counts = new int[texts.Length];
            matcher.MatchMany(texts, new MatchScratch(), ids, counts);
            var expected = texts.SelectMany(t => matcher.Match(t, new MatchScratch()).ToArray()).ToArray();
            return ids.SequenceEqual(expected) && counts.SequenceEqual(texts.Select(t => matcher.Match(t, new MatchScratch()).Length));
        }, iter: 2000);
    }

    [Fact]
    public void Overlapping_entries_all_match()
    {
        var matcher = Matcher("new", "york", "new york", "york city", "city", "new york city", "ork");
        Assert.Equal([0, 1, 2, 3, 4, 5], matcher.Match("  new york city  ", new MatchScratch()).ToArray());
    }

    [Fact]
    public void An_entry_counts_once_per_text_and_ids_are_ascending()
    {
        var matcher = Matcher("cat", "dog");
        Assert.Equal([0, 1], matcher.Match("dog dog cat dog", new MatchScratch()).ToArray());
    }

    [Fact]
    public void Matching_is_case_sensitive_and_ordinal()
    {
        var matcher = Matcher("dog", "Straße");
        Assert.Empty(matcher.Match("A Dog and STRASSE", new MatchScratch()).ToArray());
        Assert.Equal([1], matcher.Match("die Straße", new MatchScratch()).ToArray());
    }

    [Fact]
    public void Cjk_entries_match_as_pure_substrings_and_mixed_entries_keep_their_latin_side_padded()
    {
        var matcher = Matcher("手机", "iPhone手机", "苹果");
        Assert.Equal([0, 2], matcher.Match("我的苹果手机", new MatchScratch()).ToArray());
        Assert.Equal([0], matcher.Match("新款iPhone手机", new MatchScratch()).ToArray());
        Assert.Equal([0, 1], matcher.Match("新款 iPhone手机", new MatchScratch()).ToArray());
    }

    [Fact]
    public void Kana_and_hangul_entries_need_spaces_around_them()
    {
        var matcher = Matcher("ねこ", "고양이");
        Assert.Empty(matcher.Match("かわいいねこの写真", new MatchScratch()).ToArray());
        Assert.Empty(matcher.Match("고양이가 집에", new MatchScratch()).ToArray());
        Assert.Equal([1], matcher.Match("고양이 사진", new MatchScratch()).ToArray());
    }

    [Fact]
    public void Astral_cjk_entries_match_inside_surrogate_pairs_only_whole()
    {
        var matcher = Matcher("\uD840\uDC00", "x\uD840");
        Assert.Equal([0], matcher.Match("a\uD840\uDC00b", new MatchScratch()).ToArray());
        Assert.Equal([0], matcher.Match("x\uD840\uDC00", new MatchScratch()).ToArray()); // " x\uD840 " would split the pair
    }

    [Fact]
    public void A_text_empty_after_stripping_matches_nothing()
    {
        var matcher = Matcher("a");
        Assert.Empty(matcher.Match(" \t\u00A0\u001F ", new MatchScratch()).ToArray());
    }

    [Theory]
    [InlineData(SpaceBoundedLayout.Strings)]
    [InlineData(SpaceBoundedLayout.Records)]
    public void A_one_megabyte_text_is_matched_in_full(SpaceBoundedLayout layout)
    {
        var matcher = new EntryMatcher(new MetadataList("xx", ["needle", "hay"], "xx.json"), CurationMode.V2, layout);
        string text = string.Concat(Enumerable.Repeat("hay ", 262_144)) + "needle";
        Assert.Equal([0, 1], matcher.Match(text, new MatchScratch()).ToArray());
    }

    [Theory]
    [InlineData(SpaceBoundedLayout.Strings)]
    [InlineData(SpaceBoundedLayout.Records)]
    public void Concurrent_readers_get_the_same_answers_as_one_reader(SpaceBoundedLayout layout)
    {
        var entries = Enumerable.Range(0, 2000).Select(i => $"w{i}").Concat(["中国", "new york"]).ToArray();
        var matcher = new EntryMatcher(new MetadataList("xx", entries, "xx.json"), CurationMode.V2, layout);
        var texts = Enumerable.Range(0, 4000).Select(i => $"w{i % 2100} new york w{(i * 7) % 2000}, 中国人 w{i % 13}").ToArray();
        var scratch = new MatchScratch();
        var expected = texts.Select(t => matcher.Match(t, scratch).ToArray()).ToArray();
        var actual = new int[texts.Length][];
        Parallel.For(0, texts.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, () => new MatchScratch(), (i, _, s) =>
        {
            actual[i] = matcher.Match(texts[i], s).ToArray();
            return s;
        }, _ => { });
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(expected[i], actual[i]);
        }
    }

    private static EntryMatcher Matcher(params string[] entries) =>
        new(new MetadataList("xx", entries, "xx.json"), CurationMode.V2);
}
