using MetaClip.Engine.Curation;

namespace MetaClip.Engine.Tests.Curation;

public class ShardCountAggregatorTests
{
    [Fact]
    public void Each_shard_is_applied_once()
    {
        var aggregator = new ShardCountAggregator(4);
        Assert.True(aggregator.Apply("s1", [0, 2], [3, 1]));
        Assert.False(aggregator.Apply("s1", [0, 2], [3, 1]));
        Assert.True(aggregator.Apply("s2", [2, 3], [1, 1]));
        Assert.Equal([3UL, 0, 2, 1], aggregator.Counts);
        Assert.Equal(["s1", "s2"], aggregator.AppliedShards.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_restored_aggregator_remembers_its_shards()
    {
        var restored = new ShardCountAggregator([1, 1], ["s1"]);
        Assert.False(restored.Apply("s1", [0], [5]));
        Assert.Equal([1UL, 1], restored.Counts);
    }

    [Fact]
    public void A_bad_partial_changes_nothing()
    {
        var aggregator = new ShardCountAggregator(2);
        Assert.Throws<ArgumentException>(() => aggregator.Apply("s1", [0, 5], [1, 1]));
        Assert.Throws<ArgumentException>(() => aggregator.Apply("s1", [0], [1, 1]));
        Assert.True(aggregator.Apply("s1", [1], [2]));
        Assert.Equal([0UL, 2], aggregator.Counts);
    }

    [Fact]
    public void Partial_counts_of_a_unit_are_per_language_ascending_and_per_text()
    {
        var unit = UnitMatcherTests.Match(("a", "en", "dog dog"), ("a", "en", "cat dog"), ("b", "de", "Hund"));
        var partials = ShardCountAggregator.PartialCounts(unit);
        Assert.Equal([0, 1], partials["en"].EntryIds);
        Assert.Equal([2UL, 1UL], partials["en"].Counts);
        Assert.Equal([0], partials["de"].EntryIds);
        Assert.Equal([1UL], partials["de"].Counts);
    }

    [Fact]
    public void Partial_counts_of_texts_whose_languages_alternate_are_kept_apart()
    {
        var unit = UnitMatcherTests.Match(("a", "en", "cat"), ("b", "de", "dog"), ("c", "en", "dog cat"), ("d", "de", "Hund dog"));
        var partials = ShardCountAggregator.PartialCounts(unit);
        Assert.Equal([0, 1], partials["en"].EntryIds);
        Assert.Equal([1UL, 2UL], partials["en"].Counts);
        Assert.Equal([0, 1], partials["de"].EntryIds);
        Assert.Equal([1UL, 2UL], partials["de"].Counts);
    }

    [Fact]
    public void Partial_counts_carry_nothing_over_from_the_unit_before()
    {
        // The dense vectors are pooled; the second unit must see none of the first one's counts.
        var first = ShardCountAggregator.PartialCounts(UnitMatcherTests.Match(("a", "en", "dog cat"), ("b", "en", "dog")));
        var second = ShardCountAggregator.PartialCounts(UnitMatcherTests.Match(("c", "en", "cat")));
        Assert.Equal([0, 1], first["en"].EntryIds);
        Assert.Equal([2UL, 1UL], first["en"].Counts);
        Assert.Equal([1], second["en"].EntryIds);
        Assert.Equal([1UL], second["en"].Counts);
    }

    [Fact]
    public void A_unit_without_matches_has_no_partial_counts()
    {
        Assert.Empty(ShardCountAggregator.PartialCounts(UnitMatcherTests.Match(("a", "en", "fish"))));
    }
}
