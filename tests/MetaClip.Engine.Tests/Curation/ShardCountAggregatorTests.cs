using MetaClip.Curation;

namespace MetaClip.Tests.Curation;

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
}
