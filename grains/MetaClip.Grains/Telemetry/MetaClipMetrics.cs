using System.Diagnostics.Metrics;

namespace MetaClip.Grains.Telemetry;

/// <summary>
/// The project's one <see cref="Meter"/> (<c>MetaClip</c>): what the cluster has done, per silo. The silo host exports
/// it on <c>/metrics</c> (Prometheus); names there get a <c>_total</c> suffix for counters.
/// </summary>
public static class MetaClipMetrics
{
    public const string MeterName = "MetaClip";

    private static readonly Meter Meter = new(MeterName, "1.0");

    /// <summary>Shards a worker on this silo finished, by <c>pass</c> (<c>match</c>, <c>sample</c>).</summary>
    public static readonly Counter<long> Shards = Meter.CreateCounter<long>("metaclip_shards", "{shard}", "Shards finished on this silo, by pass (plan: files split into shards)");

    /// <summary>Texts matched (pass 1) on this silo.</summary>
    public static readonly Counter<long> Texts = Meter.CreateCounter<long>("metaclip_texts", "{text}", "Texts read and matched on this silo (pass 1)");

    /// <summary>Images kept by pass 2 on this silo.</summary>
    public static readonly Counter<long> ImagesKept = Meter.CreateCounter<long>("metaclip_images_kept", "{image}", "Images kept by pass 2 on this silo");

    /// <summary>Partial counts a language partition on this silo applied, or ignored as a repeated delivery (<c>outcome</c>).</summary>
    public static readonly Counter<long> Partials = Meter.CreateCounter<long>("metaclip_partials", "{partial}", "Shard partial counts received by language partitions, by outcome (applied, duplicate)");

    /// <summary>
    /// One language partition's state write (a group commit) on this silo: its duration. The histogram's count is the
    /// number of writes; with <see cref="PartitionWritePartials"/> it gives the partitions' write rate and batch size.
    /// </summary>
    public static readonly Histogram<double> PartitionWriteSeconds = Meter.CreateHistogram<double>("metaclip_partition_write_seconds", "s", "Duration of one language partition state write (a group commit of shard partials)");

    /// <summary>Shard partials persisted by one language partition write on this silo.</summary>
    public static readonly Histogram<long> PartitionWritePartials = Meter.CreateHistogram<long>("metaclip_partition_write_partials", "{partial}", "Shard partials persisted by one language partition state write");

    /// <summary>Shard runs repeated by coordinators on this silo, by <c>reason</c> (<c>handed-back</c>, <c>cluster</c>, <c>error</c>, <c>resumed</c>: started under a coordinator that was lost).</summary>
    public static readonly Counter<long> ShardRetries = Meter.CreateCounter<long>("metaclip_shard_retries", "{run}", "Shard runs repeated by job coordinators on this silo, by reason");

    /// <summary>Curation jobs that ended, coordinated on this silo, by <c>outcome</c> (<c>done</c>, <c>failed</c>, <c>cancelled</c>).</summary>
    public static readonly Counter<long> Jobs = Meter.CreateCounter<long>("metaclip_jobs", "{job}", "Curation jobs ended on this silo, by outcome");

    /// <summary>Training steps run on this silo.</summary>
    public static readonly Counter<long> TrainingSteps = Meter.CreateCounter<long>("metaclip_training_steps", "{step}", "Training optimiser steps run on this silo");

    /// <summary>Training images (pairs) seen on this silo.</summary>
    public static readonly Counter<long> TrainingImages = Meter.CreateCounter<long>("metaclip_training_images", "{image}", "Image-text pairs trained on on this silo");

    /// <summary>
    /// Records 0 on every counter and every label value the project uses, so that each series exists from the start
    /// (dashboards show 0 rather than "No data" until the first re-run or training step). Call once the metrics
    /// exporter listens; adding 0 changes no count.
    /// </summary>
    public static void InitializeSeries()
    {
        foreach (string pass in (string[])["plan", "match", "sample"])
        {
            Shards.Add(0, new KeyValuePair<string, object?>("pass", pass));
        }

        foreach (string outcome in (string[])["applied", "duplicate"])
        {
            Partials.Add(0, new KeyValuePair<string, object?>("outcome", outcome));
        }

        foreach (string reason in (string[])["handed-back", "cluster", "error", "resumed"])
        {
            ShardRetries.Add(0, new KeyValuePair<string, object?>("reason", reason));
        }

        foreach (string outcome in (string[])["done", "failed", "cancelled"])
        {
            Jobs.Add(0, new KeyValuePair<string, object?>("outcome", outcome));
        }

        Texts.Add(0);
        ImagesKept.Add(0);
        TrainingSteps.Add(0);
        TrainingImages.Add(0);
    }
}
