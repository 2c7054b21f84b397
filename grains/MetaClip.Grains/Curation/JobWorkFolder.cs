using MetaClip.Engine.Storage;
using MetaClip.GrainInterfaces;

namespace MetaClip.Grains.Curation;

/// <summary>
/// Where a job's intermediates live: its work folder (<c>OUT/.work/JOB</c>, a folder or blob prefix inside the
/// output location) and the names of each shard's parts in it; and the keys of the job's language partitions.
/// </summary>
public static class JobWorkFolder
{
    /// <summary>The work folder of job <paramref name="jobId"/> writing into <paramref name="output"/>.</summary>
    public static string Of(string output, string jobId) => DataStore.Combine(output, $".work/{JobIds.Check(jobId)}");

    /// <summary>The job's threshold table, written once by its coordinator and read once per silo.</summary>
    public static string ThresholdTableOf(string workFolder) => DataStore.Combine(workFolder, "thresholds.table");

    /// <summary>A shard's pass-1 matches.</summary>
    public static string MatchesOf(ShardTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return DataStore.Combine(task.WorkFolder, $"shard-{task.Index:D6}.matches");
    }

    /// <summary>A shard's pass-2 decision lines.</summary>
    public static string DecisionsOf(string workFolder, int index) => DataStore.Combine(workFolder, $"decisions-{index:D6}.jsonl");

    /// <summary>A shard's pass-2 kept rows.</summary>
    public static string CuratedOf(string workFolder, int index) => DataStore.Combine(workFolder, $"curated-{index:D6}");

    /// <summary>
    /// Where the workers of a job with one part per shard put the shards' parts, in the output's layout
    /// (<c>decisions/part-…</c>, <c>curated/part-…</c>): the publish moves them into place.
    /// </summary>
    public static string PartsOf(string workFolder) => DataStore.Combine(workFolder, "parts");

    /// <summary>The key of the language partition that holds <paramref name="language"/>'s counts for a job.</summary>
    public static string PartitionKey(string jobId, string language) => $"{jobId}/{language}";

    /// <summary>Whether <paramref name="workFolder"/> names a job's work folder, <c>OUT/.work/ID</c> with a valid id.</summary>
    public static bool IsWorkFolder(string workFolder)
    {
        ArgumentNullException.ThrowIfNull(workFolder);
        string[] parts = workFolder.TrimEnd('/', '\\').Split('/', '\\');
        return parts.Length >= 3 && parts[^2] == ".work" && JobIds.IsValid(parts[^1]);
    }

    /// <summary>Removes the job's intermediates, and the <c>.work</c> folder once no job uses it.</summary>
    public static async Task RemoveAsync(ShardIntermediates intermediates, string workFolder)
    {
        ArgumentNullException.ThrowIfNull(intermediates);
        if (string.IsNullOrEmpty(workFolder))
        {
            return;
        }

        // Only ever a job's own work folder, OUT/.work/ID: whatever the state says, nothing else is deleted.
        if (!IsWorkFolder(workFolder))
        {
            throw new InvalidOperationException($"refused to delete {workFolder}: it is not a job's work folder (OUT/.work/ID)");
        }

        await intermediates.RemoveAllAsync(workFolder, CancellationToken.None).ConfigureAwait(false);
        if (DataStore.IsBlob(workFolder))
        {
            return;
        }

        string workRoot = Path.GetDirectoryName(workFolder)!;
        if (Directory.Exists(workRoot) && !Directory.EnumerateFileSystemEntries(workRoot).Any())
        {
            Directory.Delete(workRoot);
        }
    }
}
