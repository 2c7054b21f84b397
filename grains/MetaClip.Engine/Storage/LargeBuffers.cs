using System.Buffers;

namespace MetaClip.Engine.Storage;

/// <summary>
/// The pool of the large byte buffers a unit passes through: its bytes as read, its intermediates as written and read
/// back. Fresh, each would be a large-object allocation, and every few dozen of those cost a full collection of the heap
/// (the metadata included). Unlike <see cref="ArrayPool{T}.Shared"/>, which keeps buffers per thread and per core, this
/// pool keeps at most <see cref="BuffersPerSize"/> buffers of each power-of-two size, so what it holds follows how many
/// are in use at once, not how many threads ever used one; buffers larger than <see cref="MaxPooledLength"/> are not
/// kept at all.
/// </summary>
public static class LargeBuffers
{
    /// <summary>Buffers above this length (32 MiB) are allocated and dropped as before.</summary>
    public const int MaxPooledLength = 32 << 20;

    /// <summary>Buffers kept per size.</summary>
    public const int BuffersPerSize = 4;

    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(MaxPooledLength, BuffersPerSize);

    /// <summary>A buffer of at least <paramref name="length"/> bytes, not cleared; give it back with <see cref="Return"/>.</summary>
    public static byte[] Rent(int length) => Pool.Rent(length);

    /// <summary>Gives back a buffer of <see cref="Rent"/>; nothing may use it afterwards.</summary>
    public static void Return(byte[] buffer) => Pool.Return(buffer);
}
