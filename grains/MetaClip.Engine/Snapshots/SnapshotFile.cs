using MetaClip.Curation;

namespace MetaClip.Snapshots;

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
    /// The files of a snapshot: a single file, or every file under a folder (recursively, in ordinal order of
    /// their relative paths). Files whose name starts with '.' or '_' (such as <c>_SUCCESS</c>) are bookkeeping
    /// and are left out; any other file that is not <c>.parquet</c>, <c>.jsonl</c> or <c>.jsonl.gz</c> is an error.
    /// </summary>
    public static IReadOnlyList<SnapshotFile> Discover(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (File.Exists(path))
        {
            string name = System.IO.Path.GetFileName(path);
            return [new SnapshotFile(path, name, FormatOf(name) ??
                throw new CurationException($"snapshot file {name}: not a .parquet, .jsonl or .jsonl.gz file"))];
        }

        if (!Directory.Exists(path))
        {
            throw new CurationException($"snapshot {path} does not exist");
        }

        var files = new List<SnapshotFile>();
        foreach (string file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
        {
            string relative = System.IO.Path.GetRelativePath(path, file).Replace('\\', '/');
            if (relative.Split('/').Any(part => part.StartsWith('.') || part.StartsWith('_')))
            {
                continue;
            }

            var format = FormatOf(relative) ??
                throw new CurationException($"snapshot file {relative}: not a .parquet, .jsonl or .jsonl.gz file (remove it from the snapshot folder, or prefix its name with '_' to mark it as not data)");
            files.Add(new SnapshotFile(file, relative, format));
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return files;
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
