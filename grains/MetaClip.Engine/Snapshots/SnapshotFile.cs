using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Snapshots;

/// <summary>The formats a snapshot file may have.</summary>
public enum SnapshotFormat
{
    Parquet,
    Jsonl,
    JsonlGzip,
}

/// <summary>One file of a snapshot; <see cref="Name"/> is its path relative to the snapshot root (for messages and ids).</summary>
public sealed record SnapshotFile(string Path, string Name, SnapshotFormat Format)
{
    /// <summary>
    /// The files of a snapshot: a single file, or every file under a folder or blob prefix (recursively, in
    /// ordinal order of their relative paths). Files whose name starts with '.' or '_' (such as <c>_SUCCESS</c>)
    /// are bookkeeping and are left out; any other file that is not <c>.parquet</c>, <c>.jsonl</c> or
    /// <c>.jsonl.gz</c> is an error.
    /// </summary>
    public static async Task<IReadOnlyList<SnapshotFile>> DiscoverAsync(DataStore store, string location, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(location);
        switch (await store.KindAsync(location, cancellationToken).ConfigureAwait(false))
        {
            case StoredKind.File:
                string name = DataStore.NameOf(location);
                var single = new SnapshotFile(location, name, FormatOf(name) ??
                    throw new CurationException($"snapshot file {name}: not a .parquet, .jsonl or .jsonl.gz file"));
                CheckRegular(single);
                return [single];
            case StoredKind.Missing:
                throw new CurationException($"snapshot {location} does not exist");
        }

        var files = new List<SnapshotFile>();
        foreach (var file in await store.ListAsync(location, cancellationToken).ConfigureAwait(false))
        {
            if (file.Name.Split('/').Any(part => part.StartsWith('.') || part.StartsWith('_')))
            {
                continue;
            }

            if (UnfollowableLink(file.Location) is string why)
            {
                throw new CurationException($"snapshot file {file.Name}: a symbolic link that cannot be followed ({why})");
            }

            var format = FormatOf(file.Name) ??
                throw new CurationException($"snapshot file {file.Name}: not a .parquet, .jsonl or .jsonl.gz file (remove it from the snapshot folder, or prefix its name with '_' to mark it as not data)");
            var snapshotFile = new SnapshotFile(file.Location, file.Name, format);
            CheckRegular(snapshotFile);
            files.Add(snapshotFile);
        }

        return files;
    }

    /// <summary>A local snapshot file is a regular file: a named pipe would stop the job waiting for a writer.</summary>
    private static void CheckRegular(SnapshotFile file)
    {
        if (!DataStore.IsBlob(file.Path) && LocalFileType.IsRegularFile(file.Path) == false)
        {
            throw new CurationException($"snapshot file {file.Name}: not a regular file (a named pipe, socket or device): a snapshot file must be a file whose whole content is there to read");
        }
    }

    /// <summary>Why a local symbolic link leads nowhere (a loop, a missing target); null for anything else.</summary>
    private static string? UnfollowableLink(string location)
    {
        if (DataStore.IsBlob(location))
        {
            return null;
        }

        try
        {
            var info = new FileInfo(location);
            if (info.LinkTarget is null)
            {
                return null;
            }

            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            return target is null || target.Exists || Directory.Exists(target.FullName) ? null : $"its target {target.FullName} does not exist";
        }
        catch (IOException e)
        {
            return e.Message;
        }
    }

    private static SnapshotFormat? FormatOf(string name)
    {
        if (name.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
        {
            return SnapshotFormat.Parquet;
        }

        if (name.EndsWith(".jsonl.gz", StringComparison.OrdinalIgnoreCase))
        {
            return SnapshotFormat.JsonlGzip;
        }

        return name.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? SnapshotFormat.Jsonl : null;
    }
}
