using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Outputs;

/// <summary>
/// Writes a job's outputs into a staging folder and puts them in place only when everything succeeded, so a
/// failed run never leaves half-written or successful-looking files, and one that fails before its commit never
/// damages the outputs of an earlier successful run (a commit that stops half way leaves no report). A local output stages in a hidden folder inside it (then moves); a blob output
/// stages in a local temporary folder (then uploads, the report last). What the new outputs replace is removed
/// only if an earlier run wrote it (its <see cref="OutputManifest"/> lists it): files of anyone else stay. A
/// staging folder that a killed run left behind is removed by the next run in that folder.
/// </summary>
public sealed class OutputStaging : IDisposable
{
    /// <summary>The file in a staging folder that names the process writing it.</summary>
    private const string OwnerFile = ".owner";

    /// <summary>A staging folder without an owner (an older version's) is removed once it is this old.</summary>
    private static readonly TimeSpan OwnerlessStagingAge = TimeSpan.FromHours(1);

    private readonly DataStore _store;
    private readonly string _job;
    private bool _committed;

    /// <summary>Stages for a local output folder.</summary>
    public OutputStaging(string outputFolder, string job = "")
        : this(DataStore.Local, DataStore.Normalize(outputFolder), StoredKind.Missing, job)
    {
    }

    private OutputStaging(DataStore store, string output, StoredKind kind, string job)
    {
        _store = store;
        _job = job;
        Output = output;
        if (DataStore.IsBlob(output))
        {
            if (kind == StoredKind.File)
            {
                throw new CurationException($"output {output} is a blob, not a prefix");
            }

            Folder = Path.Combine(Path.GetTempPath(), $"metaclip-staging-{Guid.NewGuid():N}");
        }
        else
        {
            if (File.Exists(output))
            {
                throw new CurationException($"output {output} is a file, not a folder");
            }

            Directory.CreateDirectory(output);
            RemoveDeadStaging(output);
            Folder = Path.Combine(output, $".staging-{Guid.NewGuid():N}");
        }

        Directory.CreateDirectory(Folder);
        File.WriteAllText(Path.Combine(Folder, OwnerFile), OutputClaim.ForThisProcess(job).Owner);
    }

    /// <summary>Stages for an output folder or blob prefix.</summary>
    public static async Task<OutputStaging> CreateAsync(DataStore store, string output, CancellationToken cancellationToken, string job = "")
    {
        ArgumentNullException.ThrowIfNull(store);
        string location = DataStore.Normalize(output);
        var kind = DataStore.IsBlob(location) ? await store.KindAsync(location, cancellationToken).ConfigureAwait(false) : StoredKind.Missing;
        return new OutputStaging(store, location, kind, job);
    }

    /// <summary>The output folder or blob prefix, in canonical form.</summary>
    public string Output { get; }

    /// <summary>Where to write (a local folder); mirrors the final layout.</summary>
    public string Folder { get; }

    public string PathOf(string relative) => Path.Combine(Folder, relative);

    /// <summary>
    /// Puts the staged outputs in place (the report last), removes what an earlier run of this tool wrote there and
    /// this one did not, and records what this one wrote. <paramref name="placed"/>: outputs that are not staged here
    /// but already stored beside the output (the parts a cluster's workers wrote into the job's work folder), each
    /// moved to its name inside the output by the store (<see cref="DataStore.MoveWithinAsync"/>) before the staged ones
    /// (one whose location is already its place in the output stays). First the manifest is rewritten to name this job and
    /// every file of either run, and an earlier run's report goes: a commit that stops half way leaves no report to vouch
    /// for a mix of two runs, and the next commit there removes what either wrote.
    /// </summary>
    public async Task CommitAsync(CancellationToken cancellationToken, IReadOnlyList<PlacedOutput>? placed = null)
    {
        placed ??= [];
        File.Delete(Path.Combine(Folder, OwnerFile));
        var staged = Directory.EnumerateFiles(Folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Folder, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        var stagedNames = staged.ToHashSet(StringComparer.Ordinal);
        if (placed.FirstOrDefault(p => stagedNames.Contains(p.Name) || IsReport(p.Name)) is { } clash)
        {
            throw new InvalidOperationException($"output {clash.Name} is both staged and placed");
        }

        var earlier = await OutputManifest.ReadAsync(_store, Output, cancellationToken).ConfigureAwait(false);
        var previous = earlier?.Files ?? await OutputManifest.LegacyOutputsAsync(_store, Output, cancellationToken).ConfigureAwait(false);
        var written = staged.Concat(placed.Select(p => p.Name)).Order(StringComparer.Ordinal).ToList();
        var current = written.ToHashSet(StringComparer.Ordinal);

        // Before anything is put in place, the manifest names this job and every file either run wrote, and the earlier
        // report goes: a commit that stops half way leaves no report vouching for a mix of two runs, and the next commit
        // removes whatever either run wrote that it does not write again.
        await new OutputManifest(_job, DateTimeOffset.UtcNow, [.. previous.Union(written, StringComparer.Ordinal).Order(StringComparer.Ordinal)])
            .WriteAsync(_store, Output, cancellationToken).ConfigureAwait(false);
        foreach (string report in previous.Where(IsReport))
        {
            await _store.DeleteAsync(DataStore.Combine(Output, report), cancellationToken).ConfigureAwait(false);
        }

        // Moves and deletes inside the store cost this process a request each, not their bytes: many at once (a crawl has
        // 10^5 parts). A part already in place (moved by this job's commit that stopped half way) stays.
        var options = new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(placed, options, async (part, token) =>
        {
            string target = DataStore.Combine(Output, part.Name);
            if (!string.Equals(DataStore.Normalize(part.Location), DataStore.Normalize(target), StringComparison.Ordinal))
            {
                await _store.MoveWithinAsync(part.Location, target, token).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        if (DataStore.IsBlob(Output))
        {
            await UploadAsync(staged, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            MoveIntoPlace(staged);
        }

        await Parallel.ForEachAsync(previous.Where(n => !current.Contains(n)), options, async (name, token) =>
            await _store.DeleteAsync(DataStore.Combine(Output, name), token).ConfigureAwait(false)).ConfigureAwait(false);
        if (!DataStore.IsBlob(Output))
        {
            RemoveEmptyFolders(previous);
        }

        await new OutputManifest(_job, DateTimeOffset.UtcNow, written).WriteAsync(_store, Output, cancellationToken).ConfigureAwait(false);
        Directory.Delete(Folder, recursive: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (!_committed && Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }

    /// <summary>Moves each staged file over the file of the same name; the report last (it says the outputs are complete).</summary>
    private void MoveIntoPlace(List<string> staged)
    {
        foreach (string name in staged.OrderBy(IsReport))
        {
            string target = Path.Combine(Output, name);
            if (Directory.Exists(target))
            {
                throw new CurationException($"output {target} is a folder; an output file of this name cannot replace it");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(PathOf(name), target, overwrite: true);
        }
    }

    private async Task UploadAsync(List<string> staged, CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(staged.Where(n => !IsReport(n)), options, async (name, token) =>
            await _store.UploadFileAsync(PathOf(name), DataStore.Combine(Output, name), token).ConfigureAwait(false)).ConfigureAwait(false);
        foreach (string name in staged.Where(IsReport))
        {
            await _store.UploadFileAsync(PathOf(name), DataStore.Combine(Output, name), cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsReport(string name) => name is ReportWriter.JsonFile or ReportWriter.HtmlFile;

    /// <summary>Folders that held earlier outputs and hold nothing now go too.</summary>
    private void RemoveEmptyFolders(IEnumerable<string> previous)
    {
        foreach (string folder in previous.Where(n => n.Contains('/', StringComparison.Ordinal)).Select(n => n[..n.LastIndexOf('/')]).Distinct().OrderByDescending(f => f.Length))
        {
            string path = Path.Combine(Output, folder);
            if (Directory.Exists(path) && !Directory.EnumerateFileSystemEntries(path).Any())
            {
                Directory.Delete(path);
            }
        }
    }

    /// <summary>
    /// Staging folders of runs that are gone (killed before they committed or cleaned up): their owner's process is
    /// no longer alive on this machine, or, without an owner file, they are older than <see cref="OwnerlessStagingAge"/>.
    /// A live run's staging folder is never touched.
    /// </summary>
    private static void RemoveDeadStaging(string output)
    {
        foreach (string folder in Directory.EnumerateDirectories(output, ".staging-*"))
        {
            string owner = Path.Combine(folder, OwnerFile);
            bool dead = File.Exists(owner)
                ? new OutputClaim("", File.ReadAllText(owner).Trim(), DateTimeOffset.MinValue).IsDeadProcessHere()
                : DateTime.UtcNow - Directory.GetLastWriteTimeUtc(folder) > OwnerlessStagingAge;
            if (dead)
            {
                try
                {
                    Directory.Delete(folder, recursive: true);
                }
                catch (DirectoryNotFoundException)
                {
                    // Another run removed it first.
                }
            }
        }
    }
}

/// <summary>An output already stored at <paramref name="Location"/> (beside the output), to be put at <paramref name="Name"/> inside it.</summary>
public sealed record PlacedOutput(string Location, string Name);
