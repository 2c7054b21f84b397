using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Outputs;

/// <summary>
/// Writes a job's outputs into a staging folder and puts them in place only when everything succeeded, so a
/// failed run never leaves half-written or successful-looking files and never damages the outputs of an
/// earlier successful run. A local output stages in a hidden folder inside it (then moves); a blob output
/// stages in a local temporary folder (then uploads, the report last, and removes what the new outputs replace).
/// </summary>
public sealed class OutputStaging : IDisposable
{
    private readonly DataStore _store;
    private bool _committed;

    /// <summary>Stages for a local output folder.</summary>
    public OutputStaging(string outputFolder)
        : this(DataStore.Local, DataStore.Normalize(outputFolder), StoredKind.Missing)
    {
    }

    private OutputStaging(DataStore store, string output, StoredKind kind)
    {
        _store = store;
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
            Folder = Path.Combine(output, $".staging-{Guid.NewGuid():N}");
        }

        Directory.CreateDirectory(Folder);
    }

    /// <summary>Stages for an output folder or blob prefix.</summary>
    public static async Task<OutputStaging> CreateAsync(DataStore store, string output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        string location = DataStore.Normalize(output);
        var kind = DataStore.IsBlob(location) ? await store.KindAsync(location, cancellationToken).ConfigureAwait(false) : StoredKind.Missing;
        return new OutputStaging(store, location, kind);
    }

    /// <summary>The output folder or blob prefix, in canonical form.</summary>
    public string Output { get; }

    /// <summary>Where to write (a local folder); mirrors the final layout.</summary>
    public string Folder { get; }

    public string PathOf(string relative) => Path.Combine(Folder, relative);

    /// <summary>Replaces each top-level output with the staged one.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (DataStore.IsBlob(Output))
        {
            await UploadAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            MoveIntoPlace();
        }

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

    private void MoveIntoPlace()
    {
        foreach (string entry in Directory.EnumerateFileSystemEntries(Folder).Order(StringComparer.Ordinal))
        {
            string target = Path.Combine(Output, Path.GetFileName(entry));
            if (Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }
            else if (File.Exists(target))
            {
                File.Delete(target);
            }

            if (Directory.Exists(entry))
            {
                Directory.Move(entry, target);
            }
            else
            {
                File.Move(entry, target);
            }
        }
    }

    private async Task UploadAsync(CancellationToken cancellationToken)
    {
        var staged = Directory.EnumerateFiles(Folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Folder, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

        // The report says a job is complete: it goes up last.
        bool IsReport(string name) => name is ReportWriter.JsonFile or ReportWriter.HtmlFile;
        var options = new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(staged.Where(n => !IsReport(n)), options, async (name, token) =>
            await _store.UploadFileAsync(PathOf(name), DataStore.Combine(Output, name), token).ConfigureAwait(false)).ConfigureAwait(false);

        // What was under a replaced folder and is not part of the new outputs goes.
        var folders = staged.Where(n => n.Contains('/', StringComparison.Ordinal)).Select(n => n[..n.IndexOf('/', StringComparison.Ordinal)]).ToHashSet(StringComparer.Ordinal);
        var current = staged.ToHashSet(StringComparer.Ordinal);
        foreach (string folder in folders.Order(StringComparer.Ordinal))
        {
            foreach (var old in await _store.ListAsync(DataStore.Combine(Output, folder), cancellationToken).ConfigureAwait(false))
            {
                if (!current.Contains(folder + "/" + old.Name))
                {
                    await _store.DeleteAsync(old.Location, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        foreach (string name in staged.Where(IsReport))
        {
            await _store.UploadFileAsync(PathOf(name), DataStore.Combine(Output, name), cancellationToken).ConfigureAwait(false);
        }
    }
}
