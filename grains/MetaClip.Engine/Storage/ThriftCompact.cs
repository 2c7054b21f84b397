namespace MetaClip.Engine.Storage;

/// <summary>
/// The value types of the Thrift compact protocol, as they appear in a field header or a list header (Parquet's
/// footer and page headers are written in it).
/// </summary>
internal static class ThriftType
{
    public const byte Stop = 0;
    public const byte True = 1;
    public const byte False = 2;
    public const byte Byte = 3;
    public const byte I16 = 4;
    public const byte I32 = 5;
    public const byte I64 = 6;
    public const byte Double = 7;
    public const byte Binary = 8;
    public const byte List = 9;
    public const byte Set = 10;
    public const byte Map = 11;
    public const byte Struct = 12;
}

/// <summary>
/// Reads the Thrift compact protocol from a stream, one value at a time, counting the bytes it consumed. Binary
/// values can be skipped or copied without being held in memory (a Parquet statistic can be as long as a text).
/// </summary>
internal sealed class ThriftCompactReader(Stream stream, string source)
{
    private readonly byte[] _copyBuffer = new byte[81920];

    /// <summary>Bytes read since the reader was made.</summary>
    public long Consumed { get; private set; }

    public byte ReadByte()
    {
        int b = stream.ReadByte();
        if (b < 0)
        {
            throw Corrupt("ends inside a Thrift value");
        }

        Consumed++;
        return (byte)b;
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = ReadByte();
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw Corrupt("has a Thrift varint longer than 10 bytes");
    }

    public long ReadI64()
    {
        ulong raw = ReadVarint();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    /// <summary>Reads a field header; <c>Type == <see cref="ThriftType.Stop"/></c> ends the struct.</summary>
    public (short Id, byte Type) ReadFieldHeader(short lastId)
    {
        byte header = ReadByte();
        byte type = (byte)(header & 0x0F);
        if (type == ThriftType.Stop)
        {
            return (0, ThriftType.Stop);
        }

        int delta = header >> 4;
        long id = delta != 0 ? lastId + delta : ReadI64();
        if (id is < short.MinValue or > short.MaxValue || type > ThriftType.Struct)
        {
            throw Corrupt($"has a Thrift field header that is not valid (id {id}, type {type})");
        }

        return ((short)id, type);
    }

    /// <summary>Reads a list or set header.</summary>
    public (long Count, byte ElementType) ReadListHeader()
    {
        byte header = ReadByte();
        long count = header >> 4;
        if (count == 15)
        {
            count = CheckedLength(ReadVarint());
        }

        return (count, (byte)(header & 0x0F));
    }

    public long ReadBinaryLength() => CheckedLength(ReadVarint());

    public byte[] ReadBytes(long length)
    {
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        Consumed += length;
        return bytes;
    }

    /// <summary>Copies <paramref name="length"/> bytes to <paramref name="destination"/> (null: skips them).</summary>
    public void CopyBytes(long length, Stream? destination)
    {
        while (length > 0)
        {
            int n = (int)Math.Min(length, _copyBuffer.Length);
            try
            {
                stream.ReadExactly(_copyBuffer, 0, n);
            }
            catch (EndOfStreamException)
            {
                throw Corrupt("ends inside a value");
            }

            destination?.Write(_copyBuffer, 0, n);
            Consumed += n;
            length -= n;
        }
    }

    public InvalidDataException Corrupt(string what) => new($"{source} {what} (at byte {Consumed} of its Thrift data).");

    private long CheckedLength(ulong length) =>
        length <= int.MaxValue ? (long)length : throw Corrupt($"has a Thrift length of {length}, more than a value can hold");
}

/// <summary>Writes the Thrift compact protocol to a stream.</summary>
internal sealed class ThriftCompactWriter(Stream stream)
{
    public Stream Stream => stream;

    public void WriteByte(byte value) => stream.WriteByte(value);

    public void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        stream.WriteByte((byte)value);
    }

    public void WriteI64(long value) => WriteVarint((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>Writes a field header after a field numbered <paramref name="lastId"/> (0 at a struct's start).</summary>
    public void WriteFieldHeader(short lastId, short id, byte type)
    {
        int delta = id - lastId;
        if (delta is > 0 and <= 15)
        {
            stream.WriteByte((byte)((delta << 4) | type));
        }
        else
        {
            stream.WriteByte(type);
            WriteI64(id);
        }
    }

    public void WriteStop() => stream.WriteByte(ThriftType.Stop);

    public void WriteListHeader(long count, byte elementType)
    {
        if (count < 15)
        {
            stream.WriteByte((byte)((count << 4) | elementType));
        }
        else
        {
            stream.WriteByte((byte)(0xF0 | elementType));
            WriteVarint((ulong)count);
        }
    }
}

/// <summary>Copies Thrift compact values from a reader to a writer unchanged.</summary>
internal static class ThriftCompactCopy
{
    private const int MaxDepth = 64;

    /// <summary>
    /// Copies the value of a field of type <paramref name="type"/> (its header already read and written). A boolean
    /// field's value is in its header; a boolean element of a list is one byte.
    /// </summary>
    public static void Value(ThriftCompactReader reader, ThriftCompactWriter writer, byte type, bool element = false, int depth = 0)
    {
        if (depth > MaxDepth)
        {
            throw reader.Corrupt($"nests Thrift values deeper than {MaxDepth}");
        }

        switch (type)
        {
            case ThriftType.True or ThriftType.False:
                if (element)
                {
                    writer.WriteByte(reader.ReadByte());
                }

                break;
            case ThriftType.Byte:
                writer.WriteByte(reader.ReadByte());
                break;
            case ThriftType.I16 or ThriftType.I32 or ThriftType.I64:
                writer.WriteVarint(reader.ReadVarint());
                break;
            case ThriftType.Double:
                for (int i = 0; i < 8; i++)
                {
                    writer.WriteByte(reader.ReadByte());
                }

                break;
            case ThriftType.Binary:
                long length = reader.ReadBinaryLength();
                writer.WriteVarint((ulong)length);
                reader.CopyBytes(length, writer.Stream);
                break;
            case ThriftType.List or ThriftType.Set:
                var (count, elementType) = reader.ReadListHeader();
                writer.WriteListHeader(count, elementType);
                for (long i = 0; i < count; i++)
                {
                    Value(reader, writer, elementType, element: true, depth + 1);
                }

                break;
            case ThriftType.Map:
                ulong size = reader.ReadVarint();
                writer.WriteVarint(size);
                if (size > 0)
                {
                    byte types = reader.ReadByte();
                    writer.WriteByte(types);
                    for (ulong i = 0; i < size; i++)
                    {
                        Value(reader, writer, (byte)(types >> 4), element: true, depth + 1);
                        Value(reader, writer, (byte)(types & 0x0F), element: true, depth + 1);
                    }
                }

                break;
            case ThriftType.Struct:
                Struct(reader, writer, depth + 1);
                break;
            default:
                throw reader.Corrupt($"has a Thrift value of unknown type {type}");
        }
    }

    /// <summary>Copies a whole struct (its fields and its stop byte).</summary>
    public static void Struct(ThriftCompactReader reader, ThriftCompactWriter writer, int depth = 0) =>
        Struct(reader, writer, (_, _, _) => false, depth);

    /// <summary>
    /// Reads a struct field by field: <paramref name="handle"/> writes (or drops) a field itself and returns true, or
    /// returns false and the field is copied unchanged.
    /// </summary>
    public static void Struct(ThriftCompactReader reader, ThriftCompactWriter writer, Func<short, byte, ThriftStructOutput, bool> handle, int depth = 0)
    {
        var output = new ThriftStructOutput(writer);
        short last = 0;
        while (true)
        {
            var (id, type) = reader.ReadFieldHeader(last);
            if (type == ThriftType.Stop)
            {
                writer.WriteStop();
                return;
            }

            last = id;
            if (!handle(id, type, output))
            {
                output.Field(id, type);
                Value(reader, writer, type, element: false, depth);
            }
        }
    }
}

/// <summary>The fields of a struct being written, with their ids in order; a field not written leaves no trace.</summary>
internal sealed class ThriftStructOutput(ThriftCompactWriter writer)
{
    private short _last;

    public ThriftCompactWriter Writer => writer;

    public void Field(short id, byte type)
    {
        writer.WriteFieldHeader(_last, id, type);
        _last = id;
    }

    public void I64(short id, byte type, long value)
    {
        Field(id, type);
        writer.WriteI64(value);
    }
}
