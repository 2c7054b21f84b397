using MetaClip.Engine.Storage;

namespace MetaClip.TestSupport;

/// <summary>
/// A blob container of its own for one test in Azurite (removed when disposed), and copies of local folders
/// into it and back out.
/// </summary>
internal sealed class BlobFolders : IAsyncDisposable
{
    private BlobFolders(string connection)
    {
        Store = new DataStore(connection);
        Root = DataStore.BlobScheme + "test-" + Guid.NewGuid().ToString("N")[..20];
    }

    public DataStore Store { get; }

    /// <summary><c>az://container</c> of this test.</summary>
    public string Root { get; }

    /// <summary>A fresh container in the Azurite that <c>./test.sh</c> runs (skips where it is not running, outside CI).</summary>
    public static BlobFolders Create() => new(AzuriteStorage.Require());

    public string Location(string relative) => DataStore.Combine(Root, relative);

    /// <summary>Copies every file under a local folder to <paramref name="relative"/> in the container; returns its location.</summary>
    public async Task<string> UploadAsync(string localFolder, string relative)
    {
        string location = Location(relative);
        foreach (string file in Directory.EnumerateFiles(localFolder, "*", SearchOption.AllDirectories))
        {
            await Store.UploadFileAsync(file, DataStore.Combine(location, Path.GetRelativePath(localFolder, file).Replace('\\', '/')), CancellationToken.None);
        }

        return location;
    }

    /// <summary>Copies every blob under a location into a local folder.</summary>
    public async Task DownloadAsync(string location, string localFolder)
    {
        foreach (var file in await Store.ListAsync(location, CancellationToken.None))
        {
            string target = Path.Combine(localFolder, file.Name);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await File.WriteAllBytesAsync(target, await Store.ReadAllBytesAsync(file.Location, CancellationToken.None));
        }
    }

    public async Task WriteTextAsync(string relative, string text) =>
        await Store.WriteAsync(Location(relative), async stream => await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text)), CancellationToken.None);

    public async Task<IReadOnlyList<string>> NamesAsync(string relative) =>
        [.. (await Store.ListAsync(Location(relative), CancellationToken.None)).Select(f => f.Name)];

    public async ValueTask DisposeAsync() => await Store.DeleteAsync(Root, CancellationToken.None);
}
