using MetaClip.Engine.Curation;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Pipeline;

/// <summary>The one implementation of every curation step (<see cref="ICurationSteps"/>), reading and writing through a <see cref="DataStore"/>.</summary>
public sealed class CurationSteps(DataStore store) : ICurationSteps
{
    public DataStore Store { get; } = store ?? throw new ArgumentNullException(nameof(store));

    public Task<IReadOnlyList<SnapshotFile>> DiscoverAsync(CurationOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        return SnapshotFile.DiscoverAsync(Store, options.Snapshot, cancellationToken);
    }

    public Task<IReadOnlyList<SnapshotUnit>> PlanFileAsync(SnapshotFile file, CurationOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        return SnapshotPlanner.PlanFileAsync(Store, file, options.Columns, options.EffectiveShardBytes, options.EffectiveShardRows, cancellationToken);
    }

    public MatchedUnit MatchUnit(UnitRows rows, UnitMatcher matcher, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(matcher);
        var matches = matcher.Match(rows, cancellationToken);
        return new MatchedUnit(matches, ShardCountAggregator.PartialCounts(matches));
    }

    public ThresholdTable ComputeThresholds(IReadOnlyDictionary<string, EntryCounts> counts, LanguageTallies texts, MetadataSet metadata, CurationOptions options)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(options);
        if (texts.TotalTexts == 0)
        {
            throw new CurationException($"snapshot {options.Snapshot} holds no texts (no rows, or only empty texts): nothing to curate; earlier outputs are left as they were");
        }

        bool englishMatched = counts.TryGetValue("en", out var english) && english.Total > 0;
        if (!englishMatched && options.P is null)
        {
            throw new CurationException(
                $"no English text matched, so p cannot be derived from t_en: {WhyNoEnglish(metadata, texts)}; give the tail proportion directly with --p (0 <= p <= 1)");
        }

        return ThresholdTable.Compute(counts, options.EffectiveTEn, options.P);
    }

    /// <summary>Why no English text matched, as far as the metadata and the texts tell.</summary>
    private static string WhyNoEnglish(MetadataSet metadata, LanguageTallies texts)
    {
        if (!metadata.TryGetList("en", out var list))
        {
            return "the metadata has no English list (en.json)";
        }

        if (list.Count == 0)
        {
            return $"the English list {list.Source} is empty";
        }

        string target = metadata.LidMap.Resolve("en");
        if (!string.Equals(target, "en", StringComparison.Ordinal))
        {
            return $"the lid map sends the label en to '{target}', not to the English list";
        }

        return texts.TryGetValue("en", out var english) && english.Texts > 0
            ? $"none of the {english.Texts:N0} English texts contains an entry of {list.Source}"
            : "the snapshot has no English texts";
    }

    public async Task<SampledUnit> DecideUnitAsync(UnitMatches unit, ThresholdTable thresholds, CurationOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unit);
        ArgumentNullException.ThrowIfNull(options);
        if (!unit.HasTexts)
        {
            unit = unit.WithTexts(await SnapshotPlanner.ReadUnitAsync(Store, unit.Unit, options.Columns, cancellationToken).ConfigureAwait(false));
        }

        var decisions = ImageSampler.Decide(unit, thresholds, options.Seed, options.Epoch);
        // Only a Parquet output carries the image bytes; JSON Lines has no image column, so their reads (the bulk of
        // an image snapshot's bytes) are not made for it.
        byte[]?[]? images = null;
        if (options.Format == CuratedFormat.Parquet && unit.ImageColumn is not null && decisions.Any(d => d.Kept))
        {
            images = await ParquetUnitReader.ReadImagesAsync(Store, unit.Unit, options.Columns, cancellationToken).ConfigureAwait(false);
        }

        var figures = new LanguageTallies();
        var kept = new List<CuratedRow>();
        foreach (var decision in decisions)
        {
            figures.CountDecision(decision.Language, decision.Kept);
            if (decision.Kept)
            {
                var chosen = decision.Chosen;
                kept.Add(new CuratedRow(decision.Uuid, chosen.Url, chosen.Text, chosen.Language, chosen.LidLabel,
                    unit.IdsOf(chosen).ToArray(), decision.Probability, chosen.Key, images?[chosen.Row]));
            }
        }

        return new SampledUnit(decisions, kept, figures);
    }

    public async Task<CurationPublisher> OpenPublisherAsync(CurationOptions options, PublishedColumns columns, string job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(columns);
        var staging = await OutputStaging.CreateAsync(Store, options.Output, cancellationToken, job).ConfigureAwait(false);
        return new CurationPublisher(staging, options, columns);
    }
}
