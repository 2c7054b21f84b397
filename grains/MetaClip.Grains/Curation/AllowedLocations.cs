using MetaClip.Engine;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Storage;

namespace MetaClip.Grains.Curation;

/// <summary>
/// The locations a silo's jobs may read and write (<c>MetaClip:AllowedLocations</c>): local folders and <c>az://</c>
/// containers or prefixes (<c>az://</c> alone: every container of the account). A location is allowed when it is a
/// root or lies under one, compared after resolving it: <c>..</c> are removed (<see cref="Path.GetFullPath(string)"/>)
/// and the symbolic links among a local path's existing parts are followed, so neither escapes a root. An unset
/// setting allows nothing: a silo refuses every job until its operator names the roots. The embedded cluster of
/// <c>metaclip curate</c> (the user's own process on the user's own files) is <see cref="Unrestricted"/>.
/// </summary>
public sealed class AllowedLocations
{
    /// <summary>The setting that names the roots.</summary>
    public const string Setting = "MetaClip:AllowedLocations";

    private const int MaxLinks = 40;

    private readonly string[]? _roots;

    private AllowedLocations(string[]? roots) => _roots = roots;

    /// <summary>Every location (the embedded cluster).</summary>
    public static AllowedLocations Unrestricted { get; } = new(null);

    /// <summary>The roots as given (canonical form), or null when unrestricted.</summary>
    public IReadOnlyList<string>? Roots => _roots;

    /// <summary>
    /// The roots of a setting: locations separated by <c>;</c> or <c>,</c>; null or blank: none. Relative folders are
    /// taken from the silo's working directory.
    /// </summary>
    /// <exception cref="InvalidOperationException">A root is not a location (the message names the setting).</exception>
    public static AllowedLocations Parse(string? setting)
    {
        var roots = new List<string>();
        foreach (string entry in (setting ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (string.Equals(entry.TrimEnd('/'), DataStore.BlobScheme.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            {
                roots.Add(DataStore.BlobScheme);
                continue;
            }

            try
            {
                roots.Add(DataStore.Normalize(entry));
            }
            catch (Exception e) when (e is CurationException or ArgumentException)
            {
                throw new InvalidOperationException($"{Setting}: {entry} is not a folder or az:// location ({e.Message})", e);
            }
        }

        return new AllowedLocations([.. roots]);
    }

    /// <summary>Whether a job may read or write <paramref name="location"/> (any form <see cref="DataStore.Normalize"/> takes).</summary>
    public bool Allows(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (_roots is null)
        {
            return true;
        }

        // A local path is used as it is given: '..' after a link would climb from the link's target, not from where
        // Path.GetFullPath puts it, so a location with '..' in it is refused (a job's locations are already full paths).
        if (!DataStore.IsBlob(location) && location.Split(['/', Path.DirectorySeparatorChar]).Contains(".."))
        {
            return false;
        }

        string resolved;
        try
        {
            resolved = Resolve(location);
        }
        catch (Exception e) when (e is CurationException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }

        foreach (string root in _roots)
        {
            if (root == DataStore.BlobScheme ? DataStore.IsBlob(resolved) : DataStore.IsSameOrInside(resolved, Resolve(root)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Refuses a job (already validated) that names a location outside the roots: its snapshot, metadata, output or language model.</summary>
    /// <exception cref="CurationException">The message names the option and the setting.</exception>
    public void Check(CurationOptions job)
    {
        ArgumentNullException.ThrowIfNull(job);
        Check("--snapshot", job.Snapshot);
        Check("--metadata", job.Metadata);
        Check("--out", job.Output);
        if (job.NeedsLid && job.LidModel is { } model)
        {
            Check("--lid-model", model);
        }
    }

    /// <summary>Refuses a location outside the roots; <paramref name="option"/> names where it came from.</summary>
    /// <exception cref="CurationException">The message names the option and the setting.</exception>
    public void Check(string option, string location)
    {
        if (Allows(location))
        {
            return;
        }

        throw new CurationException(_roots is { Length: 0 }
            ? $"{option} {location}: this cluster allows no locations yet; its operator names the folders and az:// prefixes jobs may use in {Setting}"
            : $"{option} {location} is outside the locations this cluster allows ({Setting}; ask its operator)");
    }

    /// <summary>A location in canonical form with, for a local path, the symbolic links of its existing parts followed.</summary>
    private static string Resolve(string location)
    {
        string path = DataStore.Normalize(location);
        return DataStore.IsBlob(path) ? path : ResolveLinks(path);
    }

    /// <summary>
    /// A full local path with every symbolic link among its parts followed, part by part from the root (the parts
    /// that do not exist yet are kept as they are); a dangling link is followed too, as a write through it would.
    /// </summary>
    private static string ResolveLinks(string path)
    {
        for (int links = 0; links <= MaxLinks; links++)
        {
            string root = Path.GetPathRoot(path)!;
            string[] parts = path[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
            string current = root;
            string? followed = null;
            for (int i = 0; i < parts.Length; i++)
            {
                string next = Path.Combine(current, parts[i]);
                if (new FileInfo(next).LinkTarget is { } target)
                {
                    followed = Path.GetFullPath(Path.Combine([Path.Combine(current, target), .. parts[(i + 1)..]]));
                    break;
                }

                if (!Path.Exists(next))
                {
                    return Path.Combine([next, .. parts[(i + 1)..]]);
                }

                current = next;
            }

            if (followed is null)
            {
                return current;
            }

            path = followed;
        }

        throw new IOException($"{path}: more than {MaxLinks} symbolic links");
    }
}
