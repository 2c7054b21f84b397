using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace MetaClip.Engine.Storage;

/// <summary>One file found under a folder or blob prefix: its full location, its path relative to that root and its size (-1: not known).</summary>
public sealed record StoredFile(string Location, string Name, long Bytes = -1);

/// <summary>
/// Where snapshots, metadata, intermediates and outputs live: a local path (a single machine, or a folder
/// every silo mounts) or a blob prefix <c>az://container/path</c> in the Azure Blob Storage account of the
/// configured connection string. Every location the engine and the grains read or write goes through here.
/// Writes are whole: a reader never sees half a file (a local file is written under a temporary name and
/// moved; a block blob appears when its upload commits).
/// </summary>
public sealed class DataStore
{
    /// <summary>The scheme of blob locations.</summary>
    public const string BlobScheme = "az://";

    /// <summary>The environment variable the connection string is read from when configuration gives none.</summary>
    public const string ConnectionStringVariable = "METACLIP_STORAGE_CONNECTION_STRING";

    private readonly BlobServiceClient? _blobs;

    /// <param name="blobConnectionString">The storage account's connection string; null when only local paths are used.</param>
    public DataStore(string? blobConnectionString)
        : this(blobConnectionString, maxRetries: null)
    {
    }

    /// <summary>With <paramref name="maxRetries"/>, a failed request is retried that many times (the client's default otherwise).</summary>
    internal DataStore(string? blobConnectionString, int? maxRetries)
    {
        if (!string.IsNullOrWhiteSpace(blobConnectionString))
        {
            // Pinned to a service version Azure and Azurite 3.37 both accept (the client's default is newer than Azurite's).
            var options = new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06);
            if (maxRetries is int retries)
            {
                options.Retry.MaxRetries = retries;
            }

            _blobs = new BlobServiceClient(blobConnectionString, options);
        }
    }

    /// <summary>Local paths only: a blob location fails with an error that says how to configure the account.</summary>
    public static DataStore Local { get; } = new(null);

    /// <summary>The store of <see cref="ConnectionStringVariable"/>, or <see cref="Local"/> when it is unset.</summary>
    public static DataStore FromEnvironment() =>
        Environment.GetEnvironmentVariable(ConnectionStringVariable) is { Length: > 0 } connection ? new DataStore(connection) : Local;

    public static bool IsBlob(string location) => location?.StartsWith(BlobScheme, StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>A location in canonical form: a full local path, or <c>az://container/path</c> without a trailing slash.</summary>
    public static string Normalize(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (!IsBlob(location))
        {
            return Path.GetFullPath(location);
        }

        var (container, path) = Split(location);
        return path.Length == 0 ? BlobScheme + container : $"{BlobScheme}{container}/{path}";
    }

    /// <summary>
    /// Whether <paramref name="location"/> is <paramref name="folder"/> or lies under it (both in canonical form; a
    /// local path compared as the file system spells it, a blob location by container and prefix).
    /// </summary>
    public static bool IsSameOrInside(string location, string folder) => IsSameOrInside(location, folder, StringComparison.Ordinal);

    /// <summary><see cref="IsSameOrInside(string, string)"/>, comparing the names by <paramref name="comparison"/>.</summary>
    public static bool IsSameOrInside(string location, string folder, StringComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(folder);
        if (IsBlob(location) != IsBlob(folder))
        {
            return false;
        }

        char separator = IsBlob(location) ? '/' : Path.DirectorySeparatorChar;
        string a = IsBlob(location) ? location.TrimEnd('/') : Path.TrimEndingDirectorySeparator(location);
        string b = IsBlob(folder) ? folder.TrimEnd('/') : Path.TrimEndingDirectorySeparator(folder);
        return string.Equals(a, b, comparison) || a.StartsWith(b + separator, comparison);
    }

    /// <summary><paramref name="relative"/> ('/'-separated) under <paramref name="location"/>.</summary>
    public static string Combine(string location, string relative)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(relative);
        if (!IsBlob(location))
        {
            return Path.Combine(location, relative.Replace('/', Path.DirectorySeparatorChar));
        }

        return location.TrimEnd('/') + "/" + relative.TrimStart('/');
    }

    /// <summary>The last part of a location's path.</summary>
    public static string NameOf(string location) =>
        IsBlob(location) ? location.TrimEnd('/')[(location.TrimEnd('/').LastIndexOf('/') + 1)..] : Path.GetFileName(location);

    /// <summary>Whether a location is a file (blob), a folder (a prefix with blobs under it), or neither.</summary>
    public async Task<StoredKind> KindAsync(string location, CancellationToken cancellationToken)
    {
        if (!IsBlob(location))
        {
            return File.Exists(location) ? StoredKind.File : Directory.Exists(location) ? StoredKind.Folder : StoredKind.Missing;
        }

        var (container, path) = BlobPath(location);
        try
        {
            if (path.Length > 0 && await container.GetBlobClient(path).ExistsAsync(cancellationToken).ConfigureAwait(false))
            {
                return StoredKind.File;
            }

            string prefix = path.Length == 0 ? "" : path + "/";
            await foreach (var _ in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).ConfigureAwait(false))
            {
                return StoredKind.Folder;
            }

            return StoredKind.Missing;
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            return StoredKind.Missing;
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException)
        {
            throw Failure(location, "cannot be looked up", e);
        }
    }

    /// <summary>
    /// Every file under a folder or prefix, recursively, in ordinal order of their relative names. Symbolic links to
    /// folders are followed; one that leads back to a folder that holds it (a loop) is an error naming it.
    /// </summary>
    public async Task<IReadOnlyList<StoredFile>> ListAsync(string location, CancellationToken cancellationToken)
    {
        var files = new List<StoredFile>();
        if (!IsBlob(location))
        {
            return ListLocalFolder(location);
        }
        else
        {
            var (container, path) = BlobPath(location);
            string prefix = path.Length == 0 ? "" : path + "/";
            try
            {
                await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).ConfigureAwait(false))
                {
                    files.Add(new StoredFile($"{BlobScheme}{container.Name}/{item.Name}", item.Name[prefix.Length..], item.Properties.ContentLength ?? -1));
                }
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
            {
                // No container: nothing under the prefix.
            }
            catch (Exception e) when (e is RequestFailedException or AggregateException)
            {
                throw Failure(location, "cannot be listed", e);
            }
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return files;
    }

    /// <summary>Opens a file for reading; the stream seeks (a blob is fetched in ranges as it is read).</summary>
    public async Task<Stream> OpenReadAsync(string location, CancellationToken cancellationToken)
    {
        if (!IsBlob(location))
        {
            LocalFileType.ThrowIfNotRegular(location);
            return new FileStream(location, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        }

        var (container, path) = BlobPath(location);
        try
        {
            return await container.GetBlobClient(path).OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = 4 << 20 }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException)
        {
            throw Failure(location, "cannot be opened", e);
        }
    }

    /// <summary>A file's size in bytes.</summary>
    public async Task<long> SizeAsync(string location, CancellationToken cancellationToken)
    {
        if (!IsBlob(location))
        {
            return new FileInfo(location).Length;
        }

        await using var stream = await OpenReadAsync(location, cancellationToken).ConfigureAwait(false);
        return stream.Length;
    }

    /// <summary>Reads a whole file.</summary>
    public async Task<byte[]> ReadAllBytesAsync(string location, CancellationToken cancellationToken)
    {
        if (!IsBlob(location))
        {
            LocalFileType.ThrowIfNotRegular(location);
            return await File.ReadAllBytesAsync(location, cancellationToken).ConfigureAwait(false);
        }

        var (container, path) = BlobPath(location);
        try
        {
            var content = await container.GetBlobClient(path).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return content.Value.Content.ToArray();
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException)
        {
            throw Failure(location, "cannot be read", e);
        }
    }

    /// <summary>
    /// Writes a whole file: <paramref name="write"/> fills a stream that becomes the file only when it returns
    /// (written under a temporary local name and moved, or uploaded from a temporary file), replacing any file there.
    /// </summary>
    public async Task WriteAsync(string location, Func<Stream, Task> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (!IsBlob(location))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(location))!);
            string temporary = location + "." + Guid.NewGuid().ToString("N");
            try
            {
                await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                {
                    await write(stream).ConfigureAwait(false);
                }

                File.Move(temporary, location, overwrite: true);
            }
            finally
            {
                File.Delete(temporary);
            }

            return;
        }

        string local = Path.Combine(Path.GetTempPath(), "metaclip-upload-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var stream = new FileStream(local, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                await write(stream).ConfigureAwait(false);
            }

            await UploadFileAsync(local, location, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(local);
        }
    }

    /// <summary>Uploads (or copies) a local file to a location, replacing any file there.</summary>
    public async Task UploadFileAsync(string localFile, string location, CancellationToken cancellationToken)
    {
        if (!IsBlob(location))
        {
            CopyLocalWhole(localFile, location);
            return;
        }

        var (container, path) = BlobPath(location);
        try
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await container.GetBlobClient(path).UploadAsync(localFile, new BlobUploadOptions(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException)
        {
            throw Failure(location, "cannot be written", e);
        }
    }

    /// <summary>
    /// Moves a file to another location of the same kind (two local paths, or two blobs of this account), replacing any
    /// file there: a local file is renamed (on one file system, nothing is copied); a blob is copied by the storage
    /// service (its bytes do not pass through this process), then removed.
    /// </summary>
    public async Task MoveWithinAsync(string source, string destination, CancellationToken cancellationToken)
    {
        if (IsBlob(source) != IsBlob(destination))
        {
            throw new ArgumentException($"{source} and {destination} are not in the same store");
        }

        if (!IsBlob(source))
        {
            if (!File.Exists(source))
            {
                throw new CurationException($"{source} does not exist");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
            File.Move(source, destination, overwrite: true);
            return;
        }

        var (sourceContainer, sourcePath) = BlobPath(source);
        var (container, path) = BlobPath(destination);
        try
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var copy = await container.GetBlobClient(path).StartCopyFromUriAsync(sourceContainer.GetBlobClient(sourcePath).Uri, cancellationToken: cancellationToken).ConfigureAwait(false);
            await copy.WaitForCompletionAsync(cancellationToken).ConfigureAwait(false);
            await sourceContainer.DeleteBlobIfExistsAsync(sourcePath, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException)
        {
            throw Failure(destination, $"cannot be moved from {source}", e);
        }
    }

    /// <summary>A local copy that appears whole: written under a temporary name beside the target, then moved over it.</summary>
    private static void CopyLocalWhole(string source, string destination)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
        string temporary = destination + "." + Guid.NewGuid().ToString("N");
        try
        {
            File.Copy(source, temporary);
            File.Move(temporary, destination, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Creates a small file only if nothing is at <paramref name="location"/> yet (atomically: of two writers, one
    /// wins); false when something is there.
    /// </summary>
    public async Task<bool> TryCreateAsync(string location, byte[] content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (!IsBlob(location))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(location))!);
            try
            {
                await using var stream = new FileStream(location, FileMode.CreateNew, FileAccess.Write, FileShare.None);
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (IOException) when (File.Exists(location))
            {
                return false;
            }
        }

        var (container, path) = BlobPath(location);
        try
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var options = new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } };
            await container.GetBlobClient(path).UploadAsync(new BinaryData(content), options, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false;
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException)
        {
            throw Failure(location, "cannot be written", e);
        }
    }

    /// <summary>
    /// Copies a file, or every file under a folder or prefix (keeping their relative paths), to another location,
    /// local or blob, replacing files there; returns how many files were copied.
    /// </summary>
    public async Task<int> CopyAsync(string source, string destination, CancellationToken cancellationToken)
    {
        var kind = await KindAsync(source, cancellationToken).ConfigureAwait(false);
        if (kind == StoredKind.Missing)
        {
            throw new CurationException($"{source} does not exist");
        }

        var files = kind == StoredKind.File
            ? [new StoredFile(source, NameOf(source))]
            : await ListAsync(source, cancellationToken).ConfigureAwait(false);
        bool intoFolder = kind == StoredKind.Folder || destination.EndsWith('/') || await KindAsync(destination, cancellationToken).ConfigureAwait(false) == StoredKind.Folder;
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (file, token) =>
        {
            string target = intoFolder ? Combine(destination, file.Name) : destination;
            if (!IsBlob(file.Location))
            {
                await UploadFileAsync(file.Location, target, token).ConfigureAwait(false);
                return;
            }

            await using var stream = await OpenReadAsync(file.Location, token).ConfigureAwait(false);
            await WriteAsync(target, async output => await stream.CopyToAsync(output, token).ConfigureAwait(false), token).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return files.Count;
    }

    /// <summary>Removes a file, or a folder, prefix or whole container with everything under it; nothing there is fine.</summary>
    public async Task DeleteAsync(string location, CancellationToken cancellationToken)
    {
        if (!IsBlob(location))
        {
            if (Directory.Exists(location))
            {
                Directory.Delete(location, recursive: true);
            }
            else if (File.Exists(location))
            {
                File.Delete(location);
            }

            return;
        }

        var (container, path) = BlobPath(location);
        try
        {
            if (!await container.ExistsAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (path.Length == 0)
            {
                await container.DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                return;
            }

            await container.DeleteBlobIfExistsAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
            var names = new List<string>();
            await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = path + "/" }, cancellationToken).ConfigureAwait(false))
            {
                names.Add(item.Name);
            }

            await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
                async (name, token) => await container.DeleteBlobIfExistsAsync(name, cancellationToken: token).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException)
        {
            throw Failure(location, "cannot be deleted", e);
        }
    }

    private (BlobContainerClient Container, string Path) BlobPath(string location)
    {
        if (_blobs is null)
        {
            throw new CurationException($"{location}: a blob location needs a storage account: set {ConnectionStringVariable} (or MetaClip__StorageConnectionString on a silo) to its connection string");
        }

        var (container, path) = Split(location);
        return (_blobs.GetBlobContainerClient(container), path);
    }

    private static (string Container, string Path) Split(string location)
    {
        string rest = location[BlobScheme.Length..].Replace('\\', '/');
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        string container = slash < 0 ? rest : rest[..slash];
        string path = slash < 0 ? "" : string.Join('/', rest[(slash + 1)..].Split('/', StringSplitOptions.RemoveEmptyEntries));
        if (!IsContainerName(container))
        {
            throw new CurationException($"{location}: \"{container}\" is not a blob container name (3-63 lower-case letters, digits and single hyphens); write az://container/path");
        }

        // Blob names are not resolved like paths: a '..' would name a blob called '..', or (read by a tool that does
        // resolve it) another container. Neither is what a user means.
        if (path.Split('/').Any(segment => segment is "." or ".."))
        {
            throw new CurationException($"{location}: a blob location may not hold '.' or '..' segments; write the path without them");
        }

        return (container, path);
    }

    private static bool IsContainerName(string name) =>
        name.Length is >= 3 and <= 63 && name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-')
        && name[0] != '-' && name[^1] != '-' && !name.Contains("--", StringComparison.Ordinal);

    /// <summary>
    /// The first of a local path and the folders above it that is a file (<see cref="IsFile"/>), or null: a folder cannot
    /// be made there, which is said in these words rather than as the file system's "already exists".
    /// </summary>
    public static string? FileAlong(string path)
    {
        for (string? at = path; !string.IsNullOrEmpty(at); at = Path.GetDirectoryName(at))
        {
            if (IsFile(at))
            {
                return at;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether a local path is a file, or a link that leads to one (a link that leads nowhere is not: File.Exists says
    /// true for it, and what it points at may be made by the job).
    /// </summary>
    public static bool IsFile(string path)
    {
        var entry = new FileInfo(path);
        if (!entry.Exists)
        {
            return false;
        }

        if (entry.LinkTarget is null)
        {
            return true;
        }

        try
        {
            return entry.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true };
        }
        catch (IOException)
        {
            // A loop of links: not a file; writing through it fails naming it.
            return false;
        }
    }

    /// <summary>
    /// Every file under a local folder, recursively, in ordinal order of their relative names; a symbolic link that leads
    /// back to a folder that holds it is an error naming it (<see cref="ListAsync"/>).
    /// </summary>
    public static List<StoredFile> ListLocalFolder(string folder)
    {
        var files = new List<StoredFile>();
        ListLocal(folder, folder, [WithLinksResolved(folder)], files);
        files.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return files;
    }

    /// <summary>The files under <paramref name="folder"/>; <paramref name="chain"/> holds the real paths of the folders down to it.</summary>
    private static void ListLocal(string root, string folder, List<string> chain, List<StoredFile> files)
    {
        foreach (string file in Directory.EnumerateFiles(folder))
        {
            files.Add(new StoredFile(file, Path.GetRelativePath(root, file).Replace('\\', '/'), new FileInfo(file).Length));
        }

        foreach (string sub in Directory.EnumerateDirectories(folder))
        {
            string real = new DirectoryInfo(sub).LinkTarget is null ? Path.Combine(chain[^1], Path.GetFileName(sub)) : WithLinksResolved(sub);
            if (chain.Any(above => IsSameOrInside(above, real)))
            {
                throw new CurationException($"{sub}: a symbolic link to {real}, a folder that holds it: listing it would never end (remove the link)");
            }

            chain.Add(real);
            ListLocal(root, sub, chain, files);
            chain.RemoveAt(chain.Count - 1);
        }
    }

    /// <summary>
    /// A local path with every symbolic link along it resolved, as far as the path exists (what does not exist yet is
    /// kept as written). A link that cannot be followed (a loop, a link too deep) is kept as it is: reading it fails later,
    /// naming it.
    /// </summary>
    public static string WithLinksResolved(string path, int depth = 0)
    {
        string full = Path.GetFullPath(path);
        string root = Path.GetPathRoot(full) ?? "";
        string current = root;
        foreach (string part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(current, part);
            var entry = new FileInfo(next);
            if (depth < 32 && entry.LinkTarget is not null)
            {
                FileSystemInfo? target;
                try
                {
                    target = entry.ResolveLinkTarget(returnFinalTarget: true);
                }
                catch (IOException)
                {
                    // A loop or too many links: kept as written; the link is refused when the job reads or writes through it.
                    target = null;
                }

                if (target is not null)
                {
                    // The target's own folders may be links too.
                    next = WithLinksResolved(target.FullName, depth + 1);
                }
            }

            current = next;
        }

        return current;
    }

    private static CurationException Failure(string location, string what, Exception e) => e switch
    {
        RequestFailedException { Status: > 0 } failed => new($"{location}: {what}: {failed.Status} {failed.ErrorCode ?? FirstLine(failed.Message)}", e),
        _ => new($"{location}: {what}: the storage account cannot be reached: {FirstLine(e.InnerException?.Message ?? e.Message)}", e),
    };

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}

/// <summary>What a location holds.</summary>
public enum StoredKind
{
    Missing,
    File,
    Folder,
}
