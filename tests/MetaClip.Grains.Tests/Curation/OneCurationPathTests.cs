using System.Collections.Concurrent;
using MetaClip.Engine.Curation;
using MetaClip.Engine.Matching;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;
using MetaClip.GrainInterfaces;
using Microsoft.Extensions.DependencyInjection;
using static MetaClip.Grains.Tests.TestClusters;

namespace MetaClip.Grains.Tests.Curation;

/// <summary>
/// The engine holds the one implementation of every curation step: the single-process pipeline and the cluster's
/// grains both run <see cref="ICurationSteps"/>, so a change to a step (pass 2's decide-and-keep, say) is one change.
/// These tests watch the steps being called on each path, through a recorder around the real steps.
/// </summary>
public sealed class OneCurationPathTests
{
    [Fact]
    public async Task The_engine_and_the_cluster_run_the_same_steps_on_every_unit()
    {
        using var work = new TempFolder();
        string snapshot = await SampleJsonl.WriteAsync(work.Combine("snapshot"), rowsPerFile: 600);
        var spec = SampleSpec(work.Combine("cluster")) with { Snapshot = snapshot };

        var engineCalls = new StepCalls();
        await new CurationPipeline(spec with { Output = work.Combine("engine") }, steps: new RecordingSteps(new CurationSteps(DataStore.Local), engineCalls)).RunAsync();

        var clusterCalls = new StepCalls();
        await using (var cluster = await StartAsync(2, services: s => s.AddSingleton<ICurationSteps>(sp => new RecordingSteps(new CurationSteps(sp.GetRequiredService<DataStore>()), clusterCalls))))
        {
            var status = await RunJobAsync(cluster, "one-path", spec);
            Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        }

        AssertSameOutputs(work.Combine("engine"), work.Combine("cluster"));
        int units = Directory.GetFiles(snapshot).Length;
        Assert.True(units > 1, "the sample is split into several units");
        foreach (var calls in new[] { engineCalls, clusterCalls })
        {
            Assert.Equal(1, calls.Of(nameof(ICurationSteps.DiscoverAsync)));
            Assert.Equal(units, calls.Of(nameof(ICurationSteps.PlanFileAsync)));
            Assert.Equal(1, calls.Of(nameof(ICurationSteps.ComputeThresholds)));
            Assert.Equal(1, calls.Of(nameof(ICurationSteps.OpenPublisherAsync)));
            Assert.Equal(units, calls.Of(nameof(ICurationSteps.MatchUnit)));
            Assert.Equal(units, calls.Of(nameof(ICurationSteps.DecideUnitAsync)));
        }

        // Every unit was decided by the same step on both paths, with the same decisions.
        Assert.Equal(engineCalls.Decided.OrderBy(d => d.Key, StringComparer.Ordinal), clusterCalls.Decided.OrderBy(d => d.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_change_to_the_decide_step_reaches_both_paths()
    {
        // A step that keeps nothing: both paths publish an empty curated set, however they run.
        using var work = new TempFolder();
        var spec = SampleSpec(work.Combine("cluster"));
        var engine = await new CurationPipeline(spec with { Output = work.Combine("engine") }, steps: new KeepNothingSteps(new CurationSteps(DataStore.Local))).RunAsync();
        Assert.Equal(0, engine.Report.Totals.ImagesKept);
        Assert.True(engine.Report.Totals.ImagesDecided > 0);

        await using var cluster = await StartAsync(2, services: s => s.AddSingleton<ICurationSteps>(sp => new KeepNothingSteps(new CurationSteps(sp.GetRequiredService<DataStore>()))));
        var status = await RunJobAsync(cluster, "keep-nothing", spec);
        Assert.True(status.Phase == CurationJobPhase.Done, status.Error);
        Assert.Equal(0, status.Languages.Sum(l => l.ImagesKept));
        AssertSameOutputs(work.Combine("engine"), work.Combine("cluster"));
    }

    /// <summary>How often each step ran, and each unit's decisions (unit id → kept uuids).</summary>
    private sealed class StepCalls
    {
        private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, string> Decided { get; } = new(StringComparer.Ordinal);

        public void Add(string step) => _calls.AddOrUpdate(step, 1, (_, n) => n + 1);

        public int Of(string step) => _calls.GetValueOrDefault(step);
    }

    /// <summary>The real steps, each call recorded.</summary>
    private sealed class RecordingSteps(ICurationSteps inner, StepCalls calls) : ICurationSteps
    {
        public Task<IReadOnlyList<SnapshotFile>> DiscoverAsync(CurationOptions options, CancellationToken cancellationToken)
        {
            calls.Add(nameof(DiscoverAsync));
            return inner.DiscoverAsync(options, cancellationToken);
        }

        public Task<IReadOnlyList<SnapshotUnit>> PlanFileAsync(SnapshotFile file, CurationOptions options, CancellationToken cancellationToken)
        {
            calls.Add(nameof(PlanFileAsync));
            return inner.PlanFileAsync(file, options, cancellationToken);
        }

        public MatchedUnit MatchUnit(UnitRows rows, UnitMatcher matcher, CancellationToken cancellationToken)
        {
            calls.Add(nameof(MatchUnit));
            return inner.MatchUnit(rows, matcher, cancellationToken);
        }

        public ThresholdTable ComputeThresholds(IReadOnlyDictionary<string, EntryCounts> counts, LanguageTallies texts, MetadataSet metadata, CurationOptions options)
        {
            calls.Add(nameof(ComputeThresholds));
            return inner.ComputeThresholds(counts, texts, metadata, options);
        }

        public async Task<SampledUnit> DecideUnitAsync(UnitMatches unit, ThresholdTable thresholds, CurationOptions options, CancellationToken cancellationToken)
        {
            calls.Add(nameof(DecideUnitAsync));
            var sampled = await inner.DecideUnitAsync(unit, thresholds, options, cancellationToken);
            calls.Decided[$"{unit.Unit.File.Name}#{unit.Unit.RowGroup}"] = string.Join(",", sampled.Kept.Select(r => r.Uuid));
            return sampled;
        }

        public Task<CurationPublisher> OpenPublisherAsync(CurationOptions options, PublishedColumns columns, string job, CancellationToken cancellationToken)
        {
            calls.Add(nameof(OpenPublisherAsync));
            return inner.OpenPublisherAsync(options, columns, job, cancellationToken);
        }
    }

    /// <summary>The real steps with a changed pass 2: every image decided, none kept.</summary>
    private sealed class KeepNothingSteps(ICurationSteps inner) : ICurationSteps
    {
        public Task<IReadOnlyList<SnapshotFile>> DiscoverAsync(CurationOptions options, CancellationToken cancellationToken) => inner.DiscoverAsync(options, cancellationToken);

        public Task<IReadOnlyList<SnapshotUnit>> PlanFileAsync(SnapshotFile file, CurationOptions options, CancellationToken cancellationToken) =>
            inner.PlanFileAsync(file, options, cancellationToken);

        public MatchedUnit MatchUnit(UnitRows rows, UnitMatcher matcher, CancellationToken cancellationToken) => inner.MatchUnit(rows, matcher, cancellationToken);

        public ThresholdTable ComputeThresholds(IReadOnlyDictionary<string, EntryCounts> counts, LanguageTallies texts, MetadataSet metadata, CurationOptions options) =>
            inner.ComputeThresholds(counts, texts, metadata, options);

        public async Task<SampledUnit> DecideUnitAsync(UnitMatches unit, ThresholdTable thresholds, CurationOptions options, CancellationToken cancellationToken)
        {
            var sampled = await inner.DecideUnitAsync(unit, thresholds, options, cancellationToken);
            var figures = new LanguageTallies();
            foreach (var decision in sampled.Decisions)
            {
                figures.CountDecision(decision.Language, kept: false);
            }

            return new SampledUnit([.. sampled.Decisions.Select(d => d with { Kept = false })], [], figures);
        }

        public Task<CurationPublisher> OpenPublisherAsync(CurationOptions options, PublishedColumns columns, string job, CancellationToken cancellationToken) =>
            inner.OpenPublisherAsync(options, columns, job, cancellationToken);
    }
}
