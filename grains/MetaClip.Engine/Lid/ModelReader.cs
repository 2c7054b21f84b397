using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace MetaClip.Engine.Lid;

/// <summary>
/// Little-endian reads over a whole model file held in memory (fastText writes its fields raw, in the byte
/// order of x86). Every failure names the file, the byte offset and what was being read.
/// </summary>
internal ref struct ModelReader
{
    private readonly ReadOnlySpan<byte> _bytes;
    private readonly string _name;

    public ModelReader(ReadOnlySpan<byte> bytes, string name)
    {
        _bytes = bytes;
        _name = name;
    }

    public int Position { get; private set; }

    public readonly int Remaining => _bytes.Length - Position;

    public readonly CurationException Error(string what) => new($"LID model {_name}: {what} (at byte {Position})");

    /// <summary>Names item <see cref="Item"/> in <c>what</c> texts that hold <c>{0}</c> (built only for a message).</summary>
    public int Item { get; set; }

    private readonly string Describe(string what) => what.Contains("{0}", StringComparison.Ordinal) ? what.Replace("{0}", Item.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal) : what;

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (count < 0 || count > Remaining)
        {
            throw Error($"the file ends inside {Describe(what)}: it is truncated or not a fastText model");
        }

        var span = _bytes.Slice(Position, count);
        Position += count;
        return span;
    }

    public int ReadInt32(string what) => BinaryPrimitives.ReadInt32LittleEndian(Take(4, what));

    public long ReadInt64(string what) => BinaryPrimitives.ReadInt64LittleEndian(Take(8, what));

    public double ReadDouble(string what) => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, what));

    public byte ReadByte(string what) => Take(1, what)[0];

    public bool ReadBool(string what)
    {
        byte value = ReadByte(what);
        return value switch
        {
            0 => false,
            1 => true,
            _ => throw Error($"{what} is {value}, not a bool: the file is not a fastText model"),
        };
    }

    public ReadOnlySpan<byte> ReadBytes(long count, string what)
    {
        if (count > int.MaxValue)
        {
            throw Error($"{what} of {count} bytes is too large");
        }

        return Take((int)count, what);
    }

    public float[] ReadFloats(long count, string what)
    {
        if (count < 0 || count > Remaining / 4)
        {
            throw Error($"the file ends inside {what} ({count} floats): it is truncated or not a fastText model");
        }

        var floats = MemoryMarshal.Cast<byte, float>(Take((int)count * 4, what)).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            throw Error("big-endian machines are not supported");
        }

        return floats;
    }

    /// <summary>A NUL-terminated word of the dictionary, as its UTF-8 bytes.</summary>
    public ReadOnlySpan<byte> ReadCString(string what)
    {
        int end = _bytes[Position..].IndexOf((byte)0);
        if (end < 0)
        {
            throw Error($"the file ends inside {Describe(what)}: it is truncated or not a fastText model");
        }

        var word = _bytes.Slice(Position, end);
        Position += end + 1;
        return word;
    }
}
