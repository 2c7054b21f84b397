namespace MetaClip.Engine.Curation;

/// <summary>
/// The job's thresholds (docs/curation-spec.md §4): <c>p</c>, each language's <c>t_lang</c> and float32 entry
/// probabilities. Immutable once computed.
/// </summary>
public sealed class ThresholdTable
{
    internal ThresholdTable(ulong? tEn, double p, IReadOnlyDictionary<string, ulong> thresholds,
        IReadOnlyDictionary<string, float[]> probabilities)
    {
        TEn = tEn;
        P = p;
        Thresholds = thresholds;
        Probabilities = probabilities;
        ZeroThresholdLanguages = [.. thresholds.Where(t => t.Value == 0).Select(t => t.Key).Order(StringComparer.Ordinal)];
    }

    /// <summary>The English threshold given by the user; null when <c>p</c> was given instead.</summary>
    public ulong? TEn { get; }

    /// <summary>The tail proportion, derived from <c>t_en</c> or given.</summary>
    public double P { get; }

    /// <summary><c>t_lang</c> of every language with at least one match.</summary>
    public IReadOnlyDictionary<string, ulong> Thresholds { get; }

    /// <summary>Languages whose threshold is 0: they keep nothing.</summary>
    public IReadOnlyList<string> ZeroThresholdLanguages { get; }

    /// <summary>Entry probabilities of every language with a threshold.</summary>
    public IReadOnlyDictionary<string, float[]> Probabilities { get; }

    /// <summary>
    /// Computes the table from the global counts. Exactly one of <paramref name="tEn"/> and <paramref name="p"/> is given.
    /// In MetaCLIP 1 mode only English exists and <c>p</c> (from <c>t_en</c>) is for information.
    /// </summary>
    /// <exception cref="CurationException">No English text matched and <c>p</c> was not given.</exception>
    public static ThresholdTable Compute(IReadOnlyDictionary<string, EntryCounts> counts, ulong? tEn, double? p)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (tEn.HasValue == p.HasValue)
        {
            throw new ArgumentException("give exactly one of t_en and p");
        }

        double proportion;
        if (p is double given)
        {
            if (!(given >= 0 && given <= 1))
            {
                throw new CurationException($"p must be between 0 and 1, got {given}");
            }

            proportion = given;
        }
        else
        {
            var english = counts.TryGetValue("en", out var en) ? en.Values : [];
            proportion = ThresholdCalculator.TailProportion(english, tEn!.Value) ??
                throw new CurationException(
                    "no English text matched the metadata, so p cannot be derived from t_en; give the tail proportion directly with --p (0 <= p <= 1)");
        }

        var thresholds = new SortedDictionary<string, ulong>(StringComparer.Ordinal);
        var probabilities = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (language, languageCounts) in counts)
        {
            ulong? threshold = language == "en" && tEn.HasValue
                ? (languageCounts.Total > 0 ? tEn.Value : null)
                : ThresholdCalculator.ThresholdFromProportion(languageCounts.Values, proportion);
            if (threshold is ulong t)
            {
                thresholds[language] = t;
                probabilities[language] = ThresholdCalculator.Probabilities(languageCounts.Values, t);
            }
        }

        return new ThresholdTable(tEn, proportion, thresholds, probabilities);
    }
}
