using System.Runtime.CompilerServices;

namespace MetaClip.Engine.Curation;

/// <summary>One decision per matched image (docs/formats.md <c>decisions.jsonl</c>).</summary>
public readonly record struct ImageDecision(string Uuid, int TextIndex, string Language, double Probability, bool Kept, MatchedText Chosen);

/// <summary>
/// Pass 2 over one unit (docs/curation-spec.md §5): for each matched image, choose one candidate with the counter
/// draw, compute its keep probability and decide. A pure function of the unit's matches, the thresholds,
/// the seed and the epoch: the same on any silo, in any order, any number of times.
/// </summary>
public static class ImageSampler
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static List<ImageDecision> Decide(UnitMatches unit, ThresholdTable thresholds, ulong seed, ulong epoch)
    {
        ArgumentNullException.ThrowIfNull(unit);
        ArgumentNullException.ThrowIfNull(thresholds);

        // Candidates per image, in snapshot order (matched texts are stored in row order).
        var first = new int[unit.Images.Count];
        var countPer = new int[unit.Images.Count];
        Array.Fill(first, -1);
        var next = new int[unit.Matched.Count];
        var last = new int[unit.Images.Count];
        for (int m = 0; m < unit.Matched.Count; m++)
        {
            int image = unit.Matched[m].Image;
            next[m] = -1;
            if (first[image] < 0)
            {
                first[image] = m;
            }
            else
            {
                next[last[image]] = m;
            }

            last[image] = m;
            countPer[image]++;
        }

        var decisions = new List<ImageDecision>(unit.Matched.Count);
        for (int image = 0; image < unit.Images.Count; image++)
        {
            int n = countPer[image];
            if (n == 0)
            {
                continue;
            }

            string uuid = unit.Images[image];
            ulong key = CounterDraw.Key64(uuid);
            int choice = (int)Math.Floor(CounterDraw.Uniform(seed, epoch, key, CounterDraw.ChooseText) * n);
            int m = first[image];
            for (int i = 0; i < choice; i++)
            {
                m = next[m];
            }

            var chosen = unit.Matched[m];
            var probabilities = thresholds.Probabilities[chosen.Language];
            double keep = ThresholdCalculator.KeepProbability(unit.IdsOf(chosen), probabilities);
            bool kept = CounterDraw.Uniform(seed, epoch, key, CounterDraw.Decide) <= keep;
            decisions.Add(new ImageDecision(uuid, chosen.TextIndex, chosen.Language, keep, kept, chosen));
        }

        return decisions;
    }
}
