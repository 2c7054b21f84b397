using System.Text.Json;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Outputs;

/// <summary>
/// What a job wrote into its output folder (<c>.metaclip-outputs.json</c>): the job, when, and every file, relative to
/// the folder. The next job in that folder removes only files listed here that it does not write again, so files
/// that this tool never wrote stay; and a job's results can tell when a later job replaced them.
/// </summary>
public sealed record OutputManifest(string Job, DateTimeOffset WrittenAt, IReadOnlyList<string> Files)
{
    public const string FileName = ".metaclip-outputs.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>The manifest of <paramref name="output"/>, or null when no job of this version wrote there.</summary>
    public static async Task<OutputManifest?> ReadAsync(DataStore store, string output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        string location = DataStore.Combine(output, FileName);
        if (await store.KindAsync(location, cancellationToken).ConfigureAwait(false) != StoredKind.File)
        {
            return null;
        }

        byte[] bytes = await store.ReadAllBytesAsync(location, cancellationToken).ConfigureAwait(false);
        try
        {
            var manifest = JsonSerializer.Deserialize<OutputManifest>(bytes, Json) ?? throw new JsonException("null");
            // Only names inside the folder: a manifest is never a way to delete something elsewhere.
            return manifest with { Files = [.. manifest.Files.Where(IsInside)] };
        }
        catch (JsonException e)
        {
            throw new CurationException($"output {output}: {FileName} is not an output manifest ({e.Message}); delete it to write there");
        }
    }

    /// <summary>
    /// The outputs of a folder without a manifest (an older version's, or one whose manifest was removed), recognised by
    /// their names: the top-level files and the files of <c>entry_counts/</c>, <c>curated/</c> and <c>decisions/</c> that
    /// this tool names so. Anything else stays.
    /// </summary>
    public static async Task<IReadOnlyList<string>> LegacyOutputsAsync(DataStore store, string output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await store.KindAsync(output, cancellationToken).ConfigureAwait(false) != StoredKind.Folder)
        {
            return [];
        }

        var files = await store.ListAsync(output, cancellationToken).ConfigureAwait(false);
        return [.. files.Select(f => f.Name).Where(IsLegacyOutput)];
    }

    public async Task WriteAsync(DataStore store, string output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(this, Json);
        await store.WriteAsync(DataStore.Combine(output, FileName), stream => stream.WriteAsync(bytes, cancellationToken).AsTask(), cancellationToken).ConfigureAwait(false);
    }

    private static bool IsInside(string name) =>
        name.Length > 0 && !name.StartsWith('/') && !name.Contains('\\', StringComparison.Ordinal) && name.Split('/').All(s => s is not ("" or "." or ".."));

    private static bool IsLegacyOutput(string name) =>
        name is CurationFiles.ThresholdsFile or CurationFiles.DecisionsFile or ReportWriter.JsonFile or ReportWriter.HtmlFile
        || (name.StartsWith(CurationFiles.EntryCountsFolder + "/", StringComparison.Ordinal) && name.EndsWith(".jsonl", StringComparison.Ordinal) && name.Count(c => c == '/') == 1)
        || (name.StartsWith(CuratedWriter.Folder + "/part-", StringComparison.Ordinal) && name.Count(c => c == '/') == 1 && (name.EndsWith(".parquet", StringComparison.Ordinal) || name.EndsWith(".jsonl", StringComparison.Ordinal)))
        || (name.StartsWith(ShardPartWriter.DecisionsFolder + "/part-", StringComparison.Ordinal) && name.Count(c => c == '/') == 1 && name.EndsWith(".jsonl", StringComparison.Ordinal));
}
