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
/// <para>
/// A root written <c>read:ROOT</c> is read only: snapshots, metadata, models and a training job's curated set may come
/// from it, no job writes into it. A root with <see cref="PrincipalPlaceholder"/> as one of its parts is each user's
/// own: for a job it stands for the name of whoever submitted it (<see cref="GrainInterfaces.JobPrincipal"/>, proven by a certificate
/// with TLS), so <c>/data/users/{principal}</c> lets alice's jobs use <c>/data/users/alice</c> and nothing of bob's. A
/// job with no name, or a name that is not one plain path part, gets nothing from such a root.
/// </para>
/// </summary>
public sealed class AllowedLocations
{
    /// <summary>The setting that names the roots.</summary>
    public const string Setting = "MetaClip:AllowedLocations";

    /// <summary>The part of a root that stands for the job's submitter.</summary>
    public const string PrincipalPlaceholder = "{principal}";

    /// <summary>The prefix of a read-only root.</summary>
    public const string ReadOnlyPrefix = "read:";

    private const int MaxLinks = 40;

    /// <summary>Stands in for the placeholder while a root is put in canonical form (also a valid container name).</summary>
    private const string PlaceholderPart = "metaclip-principal-placeholder-7f3a";

    private readonly Root[]? _roots;
    private readonly bool _localNamesIgnoreCase;

    private AllowedLocations(Root[]? roots, bool localNamesIgnoreCase)
    {
        _roots = roots;
        _localNamesIgnoreCase = localNamesIgnoreCase;
    }

    /// <summary>Whether this platform's file systems ignore the case of names by default (Windows, macOS).</summary>
    public static bool PlatformNamesIgnoreCase => OperatingSystem.IsWindows() || OperatingSystem.IsMacOS();

    /// <summary>Every location (the embedded cluster).</summary>
    public static AllowedLocations Unrestricted { get; } = new(null, PlatformNamesIgnoreCase);

    /// <summary>The roots as given (canonical form, with their <c>read:</c> and placeholder), or null when unrestricted.</summary>
    public IReadOnlyList<string>? Roots => _roots?.Select(r => r.ToString()).ToArray();

    /// <summary>
    /// The roots of a setting: locations separated by <c>;</c> or <c>,</c>; null or blank: none. Relative folders are
    /// taken from the silo's working directory.
    /// </summary>
    /// <exception cref="InvalidOperationException">A root is not a location (the message names the setting).</exception>
    public static AllowedLocations Parse(string? setting) => Parse(setting, PlatformNamesIgnoreCase);

    /// <summary>
    /// <see cref="Parse(string?)"/> for a file system that ignores the case of local names or not: where it does, a
    /// per-user root gives a principal with a capital letter nothing, since <c>Alice</c>'s folder would be
    /// <c>alice</c>'s.
    /// </summary>
    /// <exception cref="InvalidOperationException">A root is not a location (the message names the setting).</exception>
    public static AllowedLocations Parse(string? setting, bool localNamesIgnoreCase)
    {
        var roots = new List<Root>();
        foreach (string given in (setting ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            bool readOnly = given.StartsWith(ReadOnlyPrefix, StringComparison.OrdinalIgnoreCase);
            string entry = readOnly ? given[ReadOnlyPrefix.Length..].Trim() : given;
            if (string.Equals(entry.TrimEnd('/'), DataStore.BlobScheme.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
            {
                roots.Add(new Root(DataStore.BlobScheme, null, readOnly));
                continue;
            }

            string normalized;
            try
            {
                normalized = DataStore.Normalize(entry.Replace(PrincipalPlaceholder, PlaceholderPart, StringComparison.Ordinal));
            }
            catch (Exception e) when (e is CurationException or ArgumentException)
            {
                throw new InvalidOperationException($"{Setting}: {given} is not a folder or az:// location ({e.Message})", e);
            }

            int at = normalized.IndexOf(PlaceholderPart, StringComparison.Ordinal);
            if (at < 0)
            {
                roots.Add(new Root(normalized, null, readOnly));
                continue;
            }

            string prefix = normalized[..at], suffix = normalized[(at + PlaceholderPart.Length)..];
            char separator = DataStore.IsBlob(normalized) ? '/' : Path.DirectorySeparatorChar;
            if (suffix.Contains(PlaceholderPart, StringComparison.Ordinal) || prefix.Length == 0 || prefix[^1] != separator || (suffix.Length > 0 && suffix[0] != separator))
            {
                throw new InvalidOperationException($"{Setting}: {given}: {PrincipalPlaceholder} must be one whole part of the location, once (as in /data/users/{PrincipalPlaceholder})");
            }

            if (prefix == DataStore.BlobScheme)
            {
                throw new InvalidOperationException($"{Setting}: {given}: {PrincipalPlaceholder} cannot be a container (names are not container names); put it under one, as in az://curated/{PrincipalPlaceholder}");
            }

            roots.Add(new Root(prefix, suffix, readOnly));
        }

        return new AllowedLocations([.. roots], localNamesIgnoreCase);
    }

    /// <summary>
    /// Whether a job of <paramref name="principal"/> (null: nobody's) may read, or with <paramref name="write"/> write,
    /// <paramref name="location"/> (any form <see cref="DataStore.Normalize"/> takes).
    /// </summary>
    public bool Allows(string location, string? principal = null, bool write = true)
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

        // The most specific root that holds the location decides: read:/data/shared inside /data stays read only, and
        // /data/users/{principal} inside read:/data/users is the user's to write.
        Root? decides = null;
        int decidingLength = -1;
        foreach (var root in _roots)
        {
            string? folder = root.Prefix == DataStore.BlobScheme && root.Suffix is null ? (DataStore.IsBlob(resolved) ? DataStore.BlobScheme : null) : SafeFolderOf(root, principal, _localNamesIgnoreCase);
            if (folder is not null && (folder.Length > decidingLength || (folder.Length == decidingLength && root.ReadOnly))
                && (folder == DataStore.BlobScheme || DataStore.IsSameOrInside(resolved, folder)))
            {
                decides = root;
                decidingLength = folder.Length;
            }
        }

        if (decides is null || (write && decides.ReadOnly))
        {
            return false;
        }

        // Where the file system ignores case (macOS, Windows), a/Shared is the read-only a/shared: a write is refused
        // when a read-only root at least as specific as the deciding one holds the local path in any case. Where case
        // matters, that refuses a write into a folder named like a read-only one but for case: the safe side.
        return !write || ReadOnlyFolderInAnyCase(resolved, principal, decidingLength) is null;
    }

    /// <summary>
    /// A read-only root's folder, at least <paramref name="minLength"/> long, that holds the local path
    /// <paramref name="resolved"/> when names are compared ignoring case; null when there is none (or it is a blob).
    /// </summary>
    private string? ReadOnlyFolderInAnyCase(string resolved, string? principal, int minLength)
    {
        if (DataStore.IsBlob(resolved))
        {
            return null;
        }

        foreach (var root in _roots!)
        {
            if (root.ReadOnly && root.Prefix != DataStore.BlobScheme && ReadOnlyFolderOf(root, principal) is { } folder && folder.Length >= minLength
                && DataStore.IsSameOrInside(resolved, folder, StringComparison.OrdinalIgnoreCase))
            {
                return folder;
            }
        }

        return null;
    }

    /// <summary>
    /// The folder a read-only root keeps from writes: resolved where it can be, else as the setting spells it (a root
    /// that cannot be resolved still protects its folder); for a per-user root, whatever case the principal's name has.
    /// </summary>
    private static string? ReadOnlyFolderOf(Root root, string? principal)
    {
        if (SafeFolderOf(root, principal, localNamesIgnoreCase: false) is { } folder)
        {
            return folder;
        }

        return root.Suffix is null ? root.Prefix : IsPlainName(principal) ? root.Prefix + principal + root.Suffix : null;
    }

    /// <summary>
    /// The resolved folder <paramref name="root"/> is for a job of <paramref name="principal"/>, or null when it gives
    /// that job nothing. A per-user root resolves only the operator's part (the prefix): no link at or below the user's
    /// part is followed, since the user could make one, so a user whose folder (or a part of the suffix) is a link gets
    /// nothing from the root.
    /// </summary>
    private static string? SafeFolderOf(Root root, string? principal, bool localNamesIgnoreCase)
    {
        try
        {
            return FolderOf(root, principal, localNamesIgnoreCase);
        }
        catch (Exception e) when (e is CurationException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null; // a root that cannot be resolved (a loop of links, a folder that cannot be read) allows nothing
        }
    }

    private static string? FolderOf(Root root, string? principal, bool localNamesIgnoreCase)
    {
        if (root.Suffix is null)
        {
            return Resolve(root.Prefix);
        }

        if (!IsPlainName(principal) || (localNamesIgnoreCase && !DataStore.IsBlob(root.Prefix) && HasCapital(principal)))
        {
            return null;
        }

        string operatorPart = root.Prefix.Length > 1 ? root.Prefix[..^1] : root.Prefix;
        string resolvedPrefix = Resolve(operatorPart);
        char separator = DataStore.IsBlob(resolvedPrefix) ? '/' : Path.DirectorySeparatorChar;
        string folder = resolvedPrefix.TrimEnd(separator) + separator + principal + root.Suffix;
        return Resolve(folder) == folder ? folder : null;
    }

    /// <summary>
    /// Refuses a job (already validated) of <paramref name="principal"/> that names a location outside the roots: its
    /// snapshot, metadata or language model (read) or its output (written).
    /// </summary>
    /// <exception cref="CurationException">The message names the option and the setting.</exception>
    public void Check(CurationOptions job, string? principal)
    {
        ArgumentNullException.ThrowIfNull(job);
        Check("--snapshot", job.Snapshot, principal, write: false);
        Check("--metadata", job.Metadata, principal, write: false);
        Check("--out", job.Output, principal, write: true);
        if (job.NeedsLid && job.LidModel is { } model)
        {
            Check("--lid-model", model, principal, write: false);
        }
    }

    /// <summary>
    /// Refuses a location outside the roots for a job of <paramref name="principal"/>, to read or (with
    /// <paramref name="write"/>) to write; <paramref name="option"/> names where it came from.
    /// </summary>
    /// <exception cref="CurationException">The message names the option and the setting.</exception>
    public void Check(string option, string location, string? principal, bool write)
    {
        if (Allows(location, principal, write))
        {
            return;
        }

        if (_roots is { Length: 0 })
        {
            throw new CurationException($"{option} {location}: this cluster allows no locations yet; its operator names the folders and az:// prefixes jobs may use in {Setting}");
        }

        if (write && Allows(location, principal, write: false))
        {
            // A folder that only a read-only root spelled in another case holds: say so, as where case matters it is
            // not the same folder.
            string? twin = null;
            try
            {
                string resolved = Resolve(location);
                twin = ReadOnlyFolderInAnyCase(resolved, principal, 0) is { } folder && !_roots!.Any(r => r.ReadOnly && r.Prefix != DataStore.BlobScheme
                    && ReadOnlyFolderOf(r, principal) is { } exact && DataStore.IsSameOrInside(resolved, exact)) ? folder : null;
            }
            catch (Exception e) when (e is CurationException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                // Resolved once already by Allows; the plain message below is still true.
            }

            throw new CurationException(twin is null
                ? $"{option} {location} is read-only for jobs: it may be read, not written ({Setting}; ask its operator)"
                : $"{option} {location} may be read, not written: its name differs only in case from the read-only {twin}, which is the same folder where names ignore case ({Setting}; ask its operator)");
        }

        // Where roots are each user's, say whose the job is: another user's folder is refused as outside.
        string whose = _roots?.Any(r => r.Suffix is not null) != true ? ""
            : principal is null ? ", for a job submitted without a name"
            : !IsPlainName(principal) ? $", for a job of '{principal}' (not a name a location can hold)"
            : _localNamesIgnoreCase && HasCapital(principal) && _roots.Any(r => r.Suffix is not null && !DataStore.IsBlob(r.Prefix))
                ? $", for a job of {principal}: this file system ignores case, so a name with capitals gets no folder of its own (it would be {principal.ToLowerInvariant()}'s)"
            : $", for a job of {principal}";
        throw new CurationException($"{option} {location} is outside the locations this cluster allows ({Setting}{whose}; ask its operator)");
    }

    /// <summary>
    /// Whether <paramref name="principal"/> can stand for <see cref="PrincipalPlaceholder"/>: one plain path part, and
    /// not a name Windows keeps for a device (<see cref="WindowsDeviceNames"/>).
    /// </summary>
    public static bool IsPlainName([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? principal) =>
        principal is { Length: > 0 and <= 128 } && char.IsAsciiLetterOrDigit(principal[0]) && principal[^1] != '.'
        && principal.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@') && !WindowsDeviceNames.Names(principal);

    private static bool HasCapital(string name) => name.Any(char.IsAsciiLetterUpper);

    /// <summary>A root: a location, or (with <see cref="Suffix"/>) the parts around the placeholder.</summary>
    private sealed record Root(string Prefix, string? Suffix, bool ReadOnly)
    {
        public override string ToString() => (ReadOnly ? ReadOnlyPrefix : "") + (Suffix is null ? Prefix : Prefix + PrincipalPlaceholder + Suffix);
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
