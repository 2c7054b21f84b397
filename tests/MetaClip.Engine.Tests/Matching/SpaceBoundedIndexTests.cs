using CsCheck;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Metadata;

namespace MetaClip.Engine.Tests.Matching;

public class SpaceBoundedIndexTests
{
    [Theory]
    [InlineData(SpaceBoundedLayout.Strings)]
    [InlineData(SpaceBoundedLayout.Records)]
    public void Multi_word_entries_and_their_prefixes_all_match_where_they_overlap(SpaceBoundedLayout layout)
    {
        Assert.Equal([0, 1, 2, 3, 4], Find(["new", "new york", "york city", "new york city", "city", "york new"], " new york city ", layout));
    }

    [Theory]
    [InlineData(SpaceBoundedLayout.Strings)]
    [InlineData(SpaceBoundedLayout.Records)]
    public void Inner_and_leading_spaces_of_an_entry_must_be_in_the_text(SpaceBoundedLayout layout)
    {
        Assert.Equal([0], Find(["a  b", "a b"], " x a  b y ", layout));
        Assert.Equal([0], Find([" dog", "dog"], " a  dog ", layout)[..1]);
        Assert.Equal([1], Find([" dog", "dog"], " a dog ", layout));
    }

    [Theory]
    [InlineData(SpaceBoundedLayout.Strings)]
    [InlineData(SpaceBoundedLayout.Records)]
    public void A_span_is_only_matched_between_spaces(SpaceBoundedLayout layout)
    {
        Assert.Empty(Find(["dog"], " hotdog dogs ", layout));
        Assert.Equal([0], Find(["dog"], " hot dog ", layout));
    }

    [Theory]
    [InlineData(SpaceBoundedLayout.Strings)]
    [InlineData(SpaceBoundedLayout.Records)]
    public void Matches_equal_brute_force_on_word_lists_with_many_multi_word_entries(SpaceBoundedLayout layout)
    {
        var word = Gen.OneOf("a", "b", "ab", "new", "york", "city", "big", "apple", "", "x");
        var entry = word.Array[1, 4].Select(w => string.Join(" ", w.Where(p => p.Length > 0)))
            .Select(e => e.Replace("apple", "apple ", StringComparison.Ordinal).Trim())
            .Where(e => e.Length > 0);
        var text = word.Array[0, 14].Select(w => string.Join(" ", w));
        Gen.Select(entry.Array[1, 40].Select(e => e.Distinct(StringComparer.Ordinal).ToArray()), text).Sample((entries, t) =>
        {
            var matcher = new EntryMatcher(new MetadataList("xx", entries, "xx.json"), CurationMode.V2, layout);
            return SpecReference.Match(entries, t).SequenceEqual(matcher.Match(t, new MatchScratch()).ToArray());
        }, iter: 4000);
    }

    private static int[] Find(string[] entries, string spaced, SpaceBoundedLayout layout)
    {
        var index = new SpaceBoundedIndex(entries, Enumerable.Range(0, entries.Length).ToArray(), layout);
        Assert.Equal(layout, index.Layout);
        var spaces = Enumerable.Range(0, spaced.Length).Where(i => spaced[i] == ' ').ToArray();
        var found = new MatchList(8);
        index.FindAll(spaced, spaces, ref found);
        found.SortDistinct();
        return found.Items.ToArray();
    }
}
