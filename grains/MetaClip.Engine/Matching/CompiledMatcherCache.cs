using System.Diagnostics.CodeAnalysis;

namespace MetaClip.Engine.Matching;

/// <summary>
/// A folder of compiled metadata lists (<see cref="CompiledMatcherFile"/>), keyed by the SHA-256 of the list
/// file's bytes and the curation mode: a list is compiled on its first use on a machine and loaded compiled
/// afterwards, whatever its folder or name. The cache never decides a result: a file that is missing, damaged
/// or compiled from other content is rebuilt from the list; a folder that cannot be written only costs the
/// build each time. Both are reported through the problem callback (never silently).
/// </summary>
public sealed class CompiledMatcherCache
{
    /// <summary>The environment variable that names the cache folder, or turns the cache off with <c>off</c>.</summary>
    public const string EnvironmentVariable = "METACLIP_MATCHER_CACHE";

    private readonly Action<string> _reportProblem;

    public CompiledMatcherCache(string folder, Action<string> reportProblem)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(reportProblem);
        Folder = Path.GetFullPath(folder);
        _reportProblem = reportProblem;
    }

    public string Folder { get; }

    /// <summary>
    /// The cache a setting asks for: <c>off</c> (or <c>none</c>) for none, a folder, or, when null,
    /// <see cref="EnvironmentVariable"/>, else <c>$XDG_CACHE_HOME/metaclip/matchers</c>, else
    /// <c>~/.cache/metaclip/matchers</c> (none when there is no home folder).
    /// </summary>
    public static CompiledMatcherCache? Create(string? setting, Action<string> reportProblem)
    {
        string? folder = setting ?? Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (folder is not null && (folder.Equals("off", StringComparison.OrdinalIgnoreCase) || folder.Equals("none", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        if (string.IsNullOrEmpty(folder))
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            folder = !string.IsNullOrEmpty(xdg) ? Path.Combine(xdg, "metaclip", "matchers")
                : !string.IsNullOrEmpty(home) ? Path.Combine(home, ".cache", "metaclip", "matchers")
                : null;
        }

        return folder is null ? null : new CompiledMatcherCache(folder, reportProblem);
    }

    /// <summary>Where the compiled form of a list with these bytes' hash, in this mode, is kept.</summary>
    public string PathOf(ReadOnlySpan<byte> listHash, CurationMode mode) =>
        Path.Combine(Folder, $"{Convert.ToHexStringLower(listHash)}.{mode.ToString().ToLowerInvariant()}.v{CompiledMatcherFile.FormatVersion}.matcher");

    /// <summary>Loads the compiled list, or returns false (reporting why, unless it simply is not there yet).</summary>
    public bool TryLoad(ReadOnlySpan<byte> listHash, CurationMode mode, string language, string listSource, [NotNullWhen(true)] out EntryMatcher? matcher)
    {
        matcher = null;
        string path = PathOf(listHash, mode);
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            Storage.LocalFileType.ThrowIfNotRegular(path);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
            matcher = CompiledMatcherFile.Read(stream, path, listHash, mode, language, listSource);
            return true;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            _reportProblem($"the compiled matcher of metadata {listSource} cannot be used ({e.Message}); it is built from the list again");
            return false;
        }
    }

    /// <summary>Keeps a freshly built matcher (written to a temporary file, then renamed: readers never see half a file).</summary>
    public void Save(ReadOnlySpan<byte> listHash, CurationMode mode, EntryMatcher matcher)
    {
        ArgumentNullException.ThrowIfNull(matcher);
        string path = PathOf(listHash, mode);
        string temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            Directory.CreateDirectory(Folder);
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                CompiledMatcherFile.Write(stream, listHash, mode, matcher);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _reportProblem($"cannot keep the compiled matcher of metadata {matcher.List.Source} in {Folder} ({e.Message}); it is built again on the next load");
            TryDelete(temporary);
        }
    }

    private void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _reportProblem($"cannot remove the temporary file {path} ({e.Message})");
        }
    }
}
