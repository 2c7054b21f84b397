using MetaClip.Engine.Curation;

namespace MetaClip.Engine.Tests.Curation;

/// <summary>docs/curation-spec.md §4, rule by rule.</summary>
public class ThresholdCalculatorTests
{
    [Fact]
    public void TailProportion_counts_entries_strictly_below_t_en()
    {
        // counts 1, 2, 3 (sum 6); t_en = 3: the tail is 1 + 2 (3 itself is head).
        Assert.Equal(3.0 / 6.0, ThresholdCalculator.TailProportion([1, 2, 3, 0], 3));
    }

    [Fact]
    public void TailProportion_is_null_without_english_matches()
    {
        Assert.Null(ThresholdCalculator.TailProportion([0, 0], 170_000));
        Assert.Null(ThresholdCalculator.TailProportion([], 170_000));
    }

    [Fact]
    public void TailProportion_sums_as_integers_before_one_float64_division()
    {
        ulong big = (1UL << 53) + 1;
        Assert.Equal(2.0 / (big + 2), ThresholdCalculator.TailProportion([big, 1, 1], 2));
    }

    [Fact]
    public void Threshold_sorts_counts_ascending_with_zeros_and_takes_the_first_minimiser()
    {
        // sorted: 0 0 1 1 2 4 (sum 8) -> shares 0 0 .125 .25 .5 1; p = .25 -> k* = 3 -> t = 1
        Assert.Equal(1UL, ThresholdCalculator.ThresholdFromProportion([4, 0, 1, 2, 1, 0], 0.25));
    }

    [Fact]
    public void Threshold_ties_go_to_the_first_index()
    {
        // shares .25 .5 .75 1 ; p = .375 is equally far from .25 and .5 -> first (count 1)
        Assert.Equal(1UL, ThresholdCalculator.ThresholdFromProportion([1, 1, 1, 1], 0.375));
        // p = 0 -> the first zero share wins even among several zeros
        Assert.Equal(0UL, ThresholdCalculator.ThresholdFromProportion([0, 0, 5, 7], 0.0));
    }

    [Fact]
    public void Threshold_is_null_for_a_language_without_matches()
    {
        Assert.Null(ThresholdCalculator.ThresholdFromProportion([0, 0, 0], 0.5));
    }

    [Fact]
    public void Threshold_at_p_one_is_the_largest_count()
    {
        Assert.Equal(9UL, ThresholdCalculator.ThresholdFromProportion([3, 9, 1], 1.0));
    }

    [Fact]
    public void Probability_is_t_over_max_count_t_rounded_to_float32()
    {
        var probs = ThresholdCalculator.Probabilities([0, 1, 3, 7, 1000], 3);
        Assert.Equal([1f, 1f, 1f, (float)(3.0 / 7.0), (float)(3.0 / 1000.0)], probs);
        Assert.Equal(0.42857143f, probs[3]);
    }

    [Fact]
    public void Probability_is_zero_everywhere_when_t_is_zero()
    {
        Assert.Equal([0f, 0f, 0f], ThresholdCalculator.Probabilities([0, 1, 5], 0));
    }

    [Fact]
    public void KeepProbability_is_one_minus_the_product_in_ascending_id_order()
    {
        float[] probs = [0.5f, 0.25f, 1f, 0.1f];
        Assert.Equal(1 - ((1 - 0.5) * (1 - (double)0.1f)), ThresholdCalculator.KeepProbability([0, 3], probs));
        Assert.Equal(1.0, ThresholdCalculator.KeepProbability([1, 2], probs));
        Assert.Equal(0.0, ThresholdCalculator.KeepProbability([], probs));
    }

    [Fact]
    public void Table_uses_t_en_for_english_and_p_for_the_others()
    {
        var counts = new Dictionary<string, EntryCounts>
        {
            ["en"] = new("en", [1, 2, 3, 10]),
            ["de"] = new("de", [0, 1, 1, 6]),
            ["fr"] = new("fr", [0, 0]),
        };
        var table = ThresholdTable.Compute(counts, 3, null);
        Assert.Equal(3.0 / 16.0, table.P);
        Assert.Equal(3UL, table.Thresholds["en"]);
        Assert.Equal(1UL, table.Thresholds["de"]); // shares 0 .125 .25 1 -> closest to .1875: .125 (k=1, count 1)
        Assert.False(table.Thresholds.ContainsKey("fr"));
        Assert.Equal(3UL, table.TEn);
    }

    [Fact]
    public void Table_with_given_p_derives_english_too_and_has_no_t_en()
    {
        var counts = new Dictionary<string, EntryCounts> { ["en"] = new("en", [1, 1, 2]) };
        var table = ThresholdTable.Compute(counts, null, 0.5);
        Assert.Null(table.TEn);
        Assert.Equal(1UL, table.Thresholds["en"]);
    }

    [Fact]
    public void Table_without_english_matches_asks_for_p()
    {
        var counts = new Dictionary<string, EntryCounts> { ["en"] = new("en", [0]), ["de"] = new("de", [4]) };
        var e = Assert.Throws<CurationException>(() => ThresholdTable.Compute(counts, 170_000, null));
        Assert.Contains("no English text matched", e.Message, StringComparison.Ordinal);
        Assert.Contains("--p", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Table_names_zero_threshold_languages_sorted()
    {
        var counts = new Dictionary<string, EntryCounts>
        {
            ["en"] = new("en", [5]),
            ["zh"] = new("zh", [0, 3]),
            ["de"] = new("de", [0, 2]),
        };
        var table = ThresholdTable.Compute(counts, 1, null); // p = 0
        Assert.Equal(["de", "zh"], table.ZeroThresholdLanguages);
        Assert.All(table.Probabilities["de"], p => Assert.Equal(0f, p));
    }
}
