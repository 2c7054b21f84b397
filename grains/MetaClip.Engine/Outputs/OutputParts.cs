namespace MetaClip.Engine.Outputs;

/// <summary>How a job lays out its decisions and its curated set (docs/formats.md, "One part per shard").</summary>
public enum OutputParts
{
    /// <summary>
    /// One file each: <c>decisions.jsonl</c> and <c>curated/part-00000.*</c>, written by one publisher (a cluster's
    /// coordinator). The layout does not depend on how the snapshot was split into shards.
    /// </summary>
    One,

    /// <summary>
    /// One part per shard, each written by the worker that decided the shard: <c>decisions/part-NNNNNNNN.jsonl</c> and
    /// <c>curated/part-NNNNNNNN.*</c>, numbered by the shard's place in the plan; publishing only moves them into place.
    /// The parts in name order hold what <see cref="One"/> writes, in the same order.
    /// </summary>
    PerShard,
}
