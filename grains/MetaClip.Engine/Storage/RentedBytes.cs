namespace MetaClip.Engine.Storage;

/// <summary>
/// Bytes at the start of an array: the first <see cref="Length"/> of <see cref="Array"/>, which is rented from
/// <see cref="LargeBuffers"/> when <see cref="Rented"/> (a unit's bytes, an intermediate written or read back) and is then
/// given back, once, by <see cref="Release"/>. A shard's bytes are a megabyte or more: fresh, each would be a large-object
/// allocation, and every few dozen of those cost a full collection of the heap.
/// </summary>
public readonly record struct RentedBytes(byte[] Array, int Length, bool Rented)
{
    public ReadOnlyMemory<byte> Memory => Array.AsMemory(0, Length);

    public ReadOnlySpan<byte> Span => Array.AsSpan(0, Length);

    /// <summary>A whole array of the caller's, not rented: <see cref="Release"/> leaves it alone.</summary>
    public static RentedBytes Whole(byte[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        return new(array, array.Length, Rented: false);
    }

    /// <summary>A rented array of at least <paramref name="length"/> bytes, to be filled by the caller.</summary>
    public static RentedBytes Rent(int length) => new(LargeBuffers.Rent(length), length, Rented: true);

    /// <summary>A copy of <paramref name="bytes"/> in a rented array (the source, a reused buffer, may change afterwards).</summary>
    public static RentedBytes CopyOf(ReadOnlySpan<byte> bytes)
    {
        var copy = Rent(bytes.Length);
        bytes.CopyTo(copy.Array);
        return copy;
    }

    /// <summary>
    /// <paramref name="length"/> bytes of <paramref name="stream"/> in a rented array, and how many it held: fewer than asked
    /// if the stream ended first (the caller names the file in its error, and releases the bytes).
    /// </summary>
    public static async Task<(RentedBytes Bytes, int Read)> ReadAsync(Stream stream, int length, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var bytes = Rent(length);
        try
        {
            int read = await stream.ReadAtLeastAsync(bytes.Array.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            return (bytes, read);
        }
        catch (Exception)
        {
            bytes.Release();
            throw;
        }
    }

    /// <summary>A whole local file in a rented array.</summary>
    /// <exception cref="IOException">The file is larger than an array holds, or ends before its length (it changed while read).</exception>
    public static async Task<RentedBytes> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        LocalFileType.ThrowIfNotRegular(path);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        long size = RandomAccess.GetLength(handle);
        if (size > System.Array.MaxLength)
        {
            throw new IOException($"{path}: {size:N0} bytes, more than one array holds");
        }

        var bytes = Rent((int)size);
        try
        {
            int read = 0;
            while (read < size)
            {
                int n = await RandomAccess.ReadAsync(handle, bytes.Array.AsMemory(read, (int)size - read), read, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new IOException($"{path}: ends at byte {read} of {size}");
                }

                read += n;
            }

            return bytes;
        }
        catch (Exception)
        {
            bytes.Release();
            throw;
        }
    }

    /// <summary>The bytes as a read-only stream over the array (no copy), which shows its array to a reader (<see cref="MemoryStream.TryGetBuffer"/>).</summary>
    public MemoryStream AsStream() => new(Array, 0, Length, writable: false, publiclyVisible: true);

    /// <summary>Gives a rented array back; nothing may read it afterwards. A <see cref="Whole"/> array, or none, is left alone.</summary>
    public void Release()
    {
        if (Rented)
        {
            LargeBuffers.Return(Array);
        }
    }
}
