using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MetaClip.Engine.Matching;

/// <summary>
/// Writes the sections of a compiled matcher: 32-bit little-endian integers and length-prefixed arrays of
/// unmanaged values, in the machine's layout, followed by an XXH3 checksum of everything written.
/// </summary>
internal sealed class CompiledWriter(Stream stream)
{
    private readonly XxHash3 _checksum = new();

    public void WriteInt(int value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        WriteRaw(bytes);
    }

    public void WriteArray<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        WriteInt(values.Length);
        WriteRaw(MemoryMarshal.AsBytes(values));
    }

    /// <summary>
    /// Starts an array of <paramref name="length"/> values that follow in pieces (<see cref="WriteValues"/>): the
    /// same bytes as <see cref="WriteArray"/> of the whole array.
    /// </summary>
    public void WriteLength(int length) => WriteInt(length);

    /// <summary>A piece of the array started by <see cref="WriteLength"/>.</summary>
    public void WriteValues<T>(ReadOnlySpan<T> values)
        where T : unmanaged => WriteRaw(MemoryMarshal.AsBytes(values));

    /// <summary>Ends the sections with their checksum.</summary>
    public void Finish()
    {
        Span<byte> hash = stackalloc byte[sizeof(ulong)];
        _checksum.GetCurrentHash(hash);
        stream.Write(hash);
    }

    private void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        _checksum.Append(bytes);
        stream.Write(bytes);
    }
}

/// <summary>
/// Reads what <see cref="CompiledWriter"/> wrote. Array lengths are checked against what is left of the
/// stream before anything is allocated; every problem is an <see cref="InvalidDataException"/> naming
/// <c>source</c>.
/// </summary>
internal sealed class CompiledReader(Stream stream, string source)
{
    private readonly XxHash3 _checksum = new();

    public string Source => source;

    public int ReadInt()
    {
        Span<byte> bytes = stackalloc byte[sizeof(int)];
        ReadRaw(bytes);
        return BinaryPrimitives.ReadInt32LittleEndian(bytes);
    }

    public T[] ReadArray<T>(string what)
        where T : unmanaged
    {
        int length = ReadInt();
        int size = Unsafe.SizeOf<T>();
        if (length < 0 || (long)length * size > stream.Length - stream.Position)
        {
            throw Invalid(length < 0 ? $"{what}: negative length {length}" : $"truncated: {what} needs {(long)length * size} bytes, {stream.Length - stream.Position} are left");
        }

        var values = GC.AllocateUninitializedArray<T>(length);
        ReadRaw(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    /// <summary>Reads the checksum and compares it with that of everything read; also requires the end of the file.</summary>
    public void VerifyChecksum()
    {
        Span<byte> expected = stackalloc byte[sizeof(ulong)];
        Span<byte> stored = stackalloc byte[sizeof(ulong)];
        _checksum.GetCurrentHash(expected);
        try
        {
            stream.ReadExactly(stored);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{source}: truncated (no checksum)", e);
        }

        if (!expected.SequenceEqual(stored))
        {
            throw Invalid("checksum mismatch (the file is damaged)");
        }

        if (stream.Position != stream.Length)
        {
            throw Invalid($"{stream.Length - stream.Position} bytes after the checksum");
        }
    }

    public InvalidDataException Invalid(string what) => new($"{source}: {what}");

    private void ReadRaw(Span<byte> bytes)
    {
        try
        {
            stream.ReadExactly(bytes);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{source}: truncated", e);
        }

        _checksum.Append(bytes);
    }
}
