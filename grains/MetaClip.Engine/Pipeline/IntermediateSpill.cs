namespace MetaClip.Engine.Pipeline;

/// <summary>
/// The units' compact intermediates of a single-process job between its passes: in memory up to a budget, beyond it in
/// files of a temporary folder of this process (removed when disposed), so memory does not grow with the snapshot.
/// </summary>
public sealed class IntermediateSpill(long memoryBytes) : IDisposable
{
    /// <summary>The default budget: 64 MiB.</summary>
    public const long DefaultMemoryBytes = 64L << 20;

    private readonly Lazy<string> _folder = new(() => Directory.CreateTempSubdirectory("metaclip-intermediates-").FullName);
    private long _inMemory;
    private int _files;

    /// <summary>Intermediates written to files so far.</summary>
    public int Files => _files;

    /// <summary>Keeps <paramref name="bytes"/>, in memory or in a file.</summary>
    public Handle Put(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (Interlocked.Add(ref _inMemory, bytes.Length) <= memoryBytes)
        {
            return new Handle(bytes, null);
        }

        Interlocked.Add(ref _inMemory, -bytes.Length);
        string file = Path.Combine(_folder.Value, $"{Interlocked.Increment(ref _files):D6}.matches");
        File.WriteAllBytes(file, bytes);
        return new Handle(null, file);
    }

    public void Dispose()
    {
        if (_folder.IsValueCreated && Directory.Exists(_folder.Value))
        {
            Directory.Delete(_folder.Value, recursive: true);
        }
    }

    /// <summary>One kept intermediate.</summary>
    public sealed class Handle(byte[]? bytes, string? file)
    {
        public bool InMemory => bytes is not null;

        public byte[] Read() => bytes ?? File.ReadAllBytes(file!);
    }
}
