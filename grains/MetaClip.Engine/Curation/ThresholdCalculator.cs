using System.Runtime.CompilerServices;

namespace MetaClip.Engine.Curation;

/// <summary>
/// Thresholds and entry probabilities (docs/curation-spec.md §4), exactly: integer sums, float64 shares,
/// first minimiser, float32 probabilities.
/// </summary>
public static class ThresholdCalculator
{
    /// <summary>
    /// The tail proportion of English: Σ_{count &lt; t_en} count / Σ count (strict &lt;, integer sums, float64 division).
    /// Null when no English text matched.
    /// </summary>
    public static double? TailProportion(ReadOnlySpan<ulong> englishCounts, ulong tEn)
    {
        ulong tail = 0, total = 0;
        foreach (ulong c in englishCounts)
        {
            total = checked(total + c);
            if (c < tEn)
            {
                tail = checked(tail + c);
            }
        }

        return total == 0 ? null : (double)tail / total;
    }

    /// <summary>
    /// A language's threshold from <paramref name="p"/>: with the counts sorted ascending and their inclusive
    /// running sums <c>cum</c>, the count at the first <c>k</c> minimising |cum[k]/cum[last] − p|.
    /// Null when the language has no match at all.
    /// </summary>
    public static ulong? ThresholdFromProportion(ReadOnlySpan<ulong> counts, double p)
    {
        var sorted = counts.ToArray();
        Array.Sort(sorted);
        ulong total = 0;
        foreach (ulong c in sorted)
        {
            total = checked(total + c);
        }

        if (total == 0)
        {
            return null;
        }

        double last = total;
        ulong cum = 0;
        int best = 0;
        double bestDistance = double.PositiveInfinity;
        for (int k = 0; k < sorted.Length; k++)
        {
            cum += sorted[k];
            double distance = Math.Abs((cum / last) - p);
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = k;
            }
        }

        return sorted[best];
    }

    /// <summary>prob[i] = (float32)(t / max(count[i], t)), the division in float64; all zeros when t = 0.</summary>
    public static float[] Probabilities(ReadOnlySpan<ulong> counts, ulong threshold)
    {
        var probs = new float[counts.Length];
        if (threshold == 0)
        {
            return probs;
        }

        double t = threshold;
        for (int i = 0; i < counts.Length; i++)
        {
            probs[i] = (float)(t / Math.Max(counts[i], threshold));
        }

        return probs;
    }

    /// <summary>Keep probability of a chosen text: 1 − Π (1 − (double)prob[i]) over its ids in ascending order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double KeepProbability(ReadOnlySpan<int> ascendingIds, ReadOnlySpan<float> probabilities)
    {
        double product = 1.0;
        foreach (int id in ascendingIds)
        {
            product *= 1.0 - probabilities[id];
        }

        return 1.0 - product;
    }
}
