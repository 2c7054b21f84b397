using MetaClip.Engine.Storage;

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

    /// <summary>Keeps a copy of <paramref name="bytes"/>, in memory or in a file (the caller may reuse its buffer).</summary>
    public Handle Put(ReadOnlySpan<byte> bytes)
    {
        if (Interlocked.Add(ref _inMemory, bytes.Length) <= memoryBytes)
        {
            return new Handle(bytes.ToArray(), null);
        }

        Interlocked.Add(ref _inMemory, -bytes.Length);
        string file = Path.Combine(_folder.Value, $"{Interlocked.Increment(ref _files):D6}.matches");
        using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            stream.Write(bytes);
        }

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

        /// <summary>
        /// <paramref name="decode"/> of the kept bytes, as a stream. A file's bytes are read into a rented buffer, given
        /// back when it returns: an intermediate is a large-object allocation if fresh.
        /// </summary>
        public async Task<T> ReadAsync<T>(Func<Stream, T> decode, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(decode);
            var kept = bytes is not null
                ? RentedBytes.Whole(bytes)
                : await RentedBytes.ReadFileAsync(file!, cancellationToken).ConfigureAwait(false);
            try
            {
                return decode(kept.AsStream());
            }
            finally
            {
                kept.Release();
            }
        }
    }
}
