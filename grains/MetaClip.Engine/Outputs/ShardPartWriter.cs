using MetaClip.Engine.Pipeline;

namespace MetaClip.Engine.Outputs;

/// <summary>
/// One shard's parts, as written (<see cref="OutputParts.PerShard"/>): their names relative to the output folder
/// (null when the shard has none: no decided image, or no kept one), their sizes in bytes, and what they hold.
/// </summary>
public sealed record ShardPartFiles(int Index, string? Decisions, long DecisionsBytes, string? Curated, long CuratedBytes, long DecisionLines, long KeptRows)
{
    /// <summary>The parts' names (relative to the output folder) and sizes.</summary>
    public IEnumerable<(string Name, long Bytes)> Files()
    {
        if (Decisions is not null)
        {
            yield return (Decisions, DecisionsBytes);
        }

        if (Curated is not null)
        {
            yield return (Curated, CuratedBytes);
        }
    }
}

/// <summary>
/// Writes one shard's pass-2 outputs as parts of their own (<see cref="OutputParts.PerShard"/>): its decision lines as
/// <c>decisions/part-NNNNNNNN.jsonl</c> and its kept rows as <c>curated/part-NNNNNNNN.{parquet|jsonl}</c>, with the
/// job's columns (every part of a job has the same schema). The bytes are those that <see cref="OutputParts.One"/>
/// writes for the shard, so the parts in name order hold the same decisions and rows in the same order.
/// </summary>
public static class ShardPartWriter
{
    public const string DecisionsFolder = "decisions";

    /// <summary>The decisions part of shard <paramref name="index"/>, relative to the output folder.</summary>
    public static string DecisionsName(int index) => $"{DecisionsFolder}/part-{index:D8}.jsonl";

    /// <summary>The curated part of shard <paramref name="index"/>, relative to the output folder.</summary>
    public static string CuratedName(int index, CuratedFormat format) =>
        $"{CuratedWriter.Folder}/part-{index:D8}.{(format == CuratedFormat.Parquet ? "parquet" : "jsonl")}";

    /// <summary>Writes shard <paramref name="index"/>'s parts under the local folder <paramref name="folder"/> (which mirrors the output's layout).</summary>
    public static async Task<ShardPartFiles> WriteAsync(string folder, int index, SampledUnit unit, PublishedColumns columns, CurationOptions options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unit);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(options);
        string? decisions = null, curated = null;
        long decisionsBytes = 0, curatedBytes = 0;
        if (unit.Decisions.Count > 0)
        {
            decisions = DecisionsName(index);
            byte[] lines = unit.DecisionLines(options.EffectiveThreads, cancellationToken);
            string path = Path.Combine(folder, decisions);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, lines, cancellationToken).ConfigureAwait(false);
            decisionsBytes = lines.Length;
        }

        if (unit.Kept.Count > 0)
        {
            curated = CuratedName(index, options.Format);
            string path = Path.Combine(folder, curated);
            await using (var writer = CuratedWriter.CreateFile(path, options.Format, columns.WithKey, columns.ImageColumn))
            {
                await writer.WriteAsync(unit.Kept, cancellationToken).ConfigureAwait(false);
            }

            curatedBytes = new FileInfo(path).Length;
        }

        return new ShardPartFiles(index, decisions, decisionsBytes, curated, curatedBytes, unit.Decisions.Count, unit.Kept.Count);
    }
}
