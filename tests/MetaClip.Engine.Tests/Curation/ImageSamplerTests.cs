using MetaClip.Engine.Curation;

namespace MetaClip.Engine.Tests.Curation;

/// <summary>docs/curation-spec.md §5.1, §5.3–5.5.</summary>
public class ImageSamplerTests
{
    [Fact]
    public void An_image_without_a_matched_text_gets_no_decision()
    {
        var unit = UnitMatcherTests.Match(("a", "en", "fish"), ("b", "en", "dog"));
        var decisions = ImageSampler.Decide(unit, Table(unit), seed: 0, epoch: 0);
        Assert.Equal("b", Assert.Single(decisions).Uuid);
    }

    [Fact]
    public void The_choice_is_floor_of_u0_times_the_number_of_candidates_in_snapshot_order()
    {
        for (ulong seed = 0; seed < 50; seed++)
        {
            var unit = UnitMatcherTests.Match(("x", "en", "dog"), ("x", "en", "nothing"), ("x", "en", "cat"), ("x", "en", "dog cat"));
            var decision = Assert.Single(ImageSampler.Decide(unit, Table(unit), seed, 0));
            int expected = (int)Math.Floor(CounterDraw.Uniform(seed, 0, "x", 0) * 3);
            Assert.Equal(new[] { 0, 2, 3 }[expected], decision.TextIndex);
        }
    }

    [Fact]
    public void Keep_iff_u1_is_at_most_the_keep_probability()
    {
        var unit = UnitMatcherTests.Match(("p", "en", "dog"), ("q", "en", "dog"), ("r", "en", "dog"), ("s", "en", "dog"), ("t", "en", "cat"));
        var table = ThresholdTable.Compute(Counts(unit), 2, null); // dog: count 4, t = 2 -> prob 0.5; cat: tail -> 1
        foreach (var d in ImageSampler.Decide(unit, table, seed: 3, epoch: 0))
        {
            double expectedProb = d.Uuid == "t" ? 1.0 : 0.5;
            Assert.Equal(expectedProb, d.Probability);
            Assert.Equal(CounterDraw.Uniform(3, 0, d.Uuid, 1) <= expectedProb, d.Kept);
        }
    }

    [Fact]
    public void Decisions_do_not_depend_on_the_order_of_other_images()
    {
        var one = UnitMatcherTests.Match(("a", "en", "dog"), ("b", "en", "dog cat"), ("c", "en", "cat"));
        var two = UnitMatcherTests.Match(("c", "en", "cat"), ("b", "en", "dog cat"), ("a", "en", "dog"));
        var table = ThresholdTable.Compute(Counts(one), 1, null);
        var first = ImageSampler.Decide(one, table, 9, 0).ToDictionary(d => d.Uuid, d => (d.TextIndex, d.Kept, d.Probability));
        var second = ImageSampler.Decide(two, table, 9, 0).ToDictionary(d => d.Uuid, d => (d.TextIndex, d.Kept, d.Probability));
        Assert.Equal(first.OrderBy(k => k.Key), second.OrderBy(k => k.Key));
    }

    private static Dictionary<string, EntryCounts> Counts(UnitMatches unit)
    {
        var counts = new Dictionary<string, EntryCounts> { ["en"] = new("en", 2), ["de"] = new("de", 2) };
        foreach (var m in unit.Matched)
        {
            counts[m.Language].AddMatchedSet(unit.IdsOf(m));
        }

        return counts;
    }

    private static ThresholdTable Table(UnitMatches unit) => ThresholdTable.Compute(Counts(unit), 170_000, null);
}
