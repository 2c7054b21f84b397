using System.Text;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Metadata.Building;

/// <summary>Reading the dump files: plain or gzipped, UTF-8, line by line, in a stable (ordinal) file order.</summary>
public static class SourceFiles
{
    /// <summary>A source folder that is not one: a file given where its folder is wanted, or nothing at all.</summary>
    public static CurationException NoFolder(string folder) => new(File.Exists(folder)
        ? $"source folder {folder} is a file, not a folder (give the folder that holds the source files)"
        : $"source folder {folder} does not exist");

    /// <summary>The files under <paramref name="folder"/> (recursively) whose names match, in ordinal path order.</summary>
    public static List<string> Find(string folder, Func<string, bool> nameMatches)
    {
        ArgumentNullException.ThrowIfNull(nameMatches);
        if (!Directory.Exists(folder))
        {
            throw NoFolder(folder);
        }

        // Listed as a snapshot folder is: a symbolic link back to a folder above it is an error, not a listing without end.
        return [.. MetaClip.Engine.Storage.DataStore.ListLocalFolder(folder).Select(f => f.Location)
            .Where(f => nameMatches(Path.GetFileName(f)))
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>The file's name without <c>.gz</c>.</summary>
    public static string PlainName(string path) => Path.GetFileName(path) is var name && name.EndsWith(".gz", StringComparison.Ordinal) ? name[..^3] : Path.GetFileName(path);

    /// <summary>
    /// The lines of a plain or gzipped UTF-8 file (invalid UTF-8 is an error naming the file and line). A leading
    /// byte-order mark is skipped, as in every file curation reads: kept, it became part of the first entry, which then
    /// never matched.
    /// </summary>
    public static IEnumerable<(int Number, string Text)> ReadLines(string path)
    {
        LocalFileType.ThrowIfNotRegular(path);
        Stream stream = File.OpenRead(path);
        if (path.EndsWith(".gz", StringComparison.Ordinal))
        {
            stream = new GzipMembers(stream); // every member checked against its trailer: a file cut short fails
        }

        using var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: false, 1 << 16);
        int number = 0;
        while (true)
        {
            string? line;
            try
            {
                line = reader.ReadLine();
            }
            catch (DecoderFallbackException e)
            {
                throw new CurationException($"{path}: line {number + 1}: not valid UTF-8 ({e.Message})", e);
            }
            catch (InvalidDataException e)
            {
                throw new CurationException($"{path}: not a valid gzip file ({e.Message})", e);
            }

            if (line is null)
            {
                yield break;
            }

            if (number == 0 && line.StartsWith('\uFEFF'))
            {
                line = line[1..];
            }

            yield return (++number, line);
        }
    }
}

/// <summary>What the builder does with a bad line or an unknown language: fail naming it, or report and skip it.</summary>
public sealed class BuildProblems(bool skip)
{
    private readonly List<string> _skipped = [];

    public IReadOnlyList<string> Skipped => _skipped;

    /// <summary>Fails with <paramref name="message"/>, or records it as skipped when the user asked for that.</summary>
    public void Report(string message)
    {
        if (!skip)
        {
            throw new CurationException(message + " (--skip-bad-input reports such lines and goes on)");
        }

        _skipped.Add(message);
    }

    /// <summary>Records something left out by design (reported in the manifest, never an error).</summary>
    public void Skip(string message) => _skipped.Add(message);
}
