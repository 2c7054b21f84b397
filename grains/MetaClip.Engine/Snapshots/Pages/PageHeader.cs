using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Snapshots.Pages;

/// <summary>The kinds of page of the Parquet format (its thrift <c>PageType</c>).</summary>
internal enum PageKind
{
    Data = 0,
    Index = 1,
    Dictionary = 2,
    DataV2 = 3,
}

/// <summary>
/// What <see cref="ColumnPageReader"/> needs of a Parquet page header (the format's thrift <c>PageHeader</c> with its
/// <c>DataPageHeader</c>, <c>DictionaryPageHeader</c> and <c>DataPageHeaderV2</c>); statistics and checksums are passed
/// over. <see cref="Size"/> is the header's own length in bytes.
/// </summary>
internal sealed record PageHeader(PageKind Kind, int UncompressedSize, int CompressedSize, int Values, int Encoding, int DefinitionEncoding,
    int Nulls, int DefinitionBytes, int RepetitionBytes, bool Compressed, int Size)
{
    /// <summary>
    /// Reads a header from the start of <paramref name="data"/>; null when <paramref name="data"/> ends inside it (read
    /// more and try again).
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not a page header.</exception>
    public static PageHeader? Read(ReadOnlySpan<byte> data)
    {
        var reader = new Reader(data);
        try
        {
            return reader.ReadHeader();
        }
        catch (EndOfStreamException)
        {
            return null;
        }
    }

    /// <summary>A thrift compact protocol reader over a span; running off its end throws <see cref="EndOfStreamException"/>.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _at;
        private int _depth;

        public PageHeader ReadHeader()
        {
            int type = -1, uncompressed = -1, compressed = -1, values = -1, encoding = -1, definitionEncoding = 3, nulls = 0, definitionBytes = 0, repetitionBytes = 0;
            bool isCompressed = true;
            short id = 0;
            while (NextField(ref id, out int fieldType))
            {
                switch (id)
                {
                    case 1 when fieldType == ThriftType.I32: type = ReadInt(); break;
                    case 2 when fieldType == ThriftType.I32: uncompressed = ReadInt(); break;
                    case 3 when fieldType == ThriftType.I32: compressed = ReadInt(); break;
                    case 5 when fieldType == ThriftType.Struct: ReadDataPageHeader(ref values, ref encoding, ref definitionEncoding); break;
                    case 7 when fieldType == ThriftType.Struct: ReadDictionaryPageHeader(ref values, ref encoding); break;
                    case 8 when fieldType == ThriftType.Struct: ReadDataPageHeaderV2(ref values, ref nulls, ref encoding, ref definitionBytes, ref repetitionBytes, ref isCompressed); break;
                    default: Skip(fieldType); break;
                }
            }

            if (type is < 0 or > 3 || uncompressed < 0 || compressed < 0)
            {
                throw new InvalidDataException($"not a page header (type {type}, sizes {uncompressed}/{compressed})");
            }

            return new PageHeader((PageKind)type, uncompressed, compressed, values, encoding, definitionEncoding, nulls, definitionBytes, repetitionBytes, isCompressed, _at);
        }

        private void ReadDataPageHeader(ref int values, ref int encoding, ref int definitionEncoding)
        {
            short id = 0;
            while (NextField(ref id, out int fieldType))
            {
                switch (id)
                {
                    case 1 when fieldType == ThriftType.I32: values = ReadInt(); break;
                    case 2 when fieldType == ThriftType.I32: encoding = ReadInt(); break;
                    case 3 when fieldType == ThriftType.I32: definitionEncoding = ReadInt(); break;
                    default: Skip(fieldType); break;
                }
            }
        }

        private void ReadDictionaryPageHeader(ref int values, ref int encoding)
        {
            short id = 0;
            while (NextField(ref id, out int fieldType))
            {
                switch (id)
                {
                    case 1 when fieldType == ThriftType.I32: values = ReadInt(); break;
                    case 2 when fieldType == ThriftType.I32: encoding = ReadInt(); break;
                    default: Skip(fieldType); break;
                }
            }
        }

        private void ReadDataPageHeaderV2(ref int values, ref int nulls, ref int encoding, ref int definitionBytes, ref int repetitionBytes, ref bool compressed)
        {
            short id = 0;
            while (NextField(ref id, out int fieldType))
            {
                switch (id)
                {
                    case 1 when fieldType == ThriftType.I32: values = ReadInt(); break;
                    case 2 when fieldType == ThriftType.I32: nulls = ReadInt(); break;
                    case 4 when fieldType == ThriftType.I32: encoding = ReadInt(); break;
                    case 5 when fieldType == ThriftType.I32: definitionBytes = ReadInt(); break;
                    case 6 when fieldType == ThriftType.I32: repetitionBytes = ReadInt(); break;
                    case 7 when fieldType is ThriftType.True or ThriftType.False: compressed = fieldType == ThriftType.True; break;
                    default: Skip(fieldType); break;
                }
            }
        }

        /// <summary>The next field's id and type; false at the struct's end.</summary>
        private bool NextField(ref short id, out int fieldType)
        {
            byte header = Next();
            fieldType = header & 0x0F;
            if (fieldType == 0)
            {
                return false;
            }

            int delta = header >> 4;
            id = delta != 0 ? (short)(id + delta) : (short)Zigzag(ReadVarint());
            return true;
        }

        private byte Next() => _at < _data.Length ? _data[_at++] : throw new EndOfStreamException();

        private int ReadInt() => (int)Zigzag(ReadVarint());

        private ulong ReadVarint()
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                byte b = Next();
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw new InvalidDataException("a varint longer than 10 bytes");
        }

        private static long Zigzag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

        /// <summary>How deep structs, lists and maps may nest in a header (the format's go four deep, with statistics).</summary>
        private const int MaxDepth = 32;

        private void Skip(int fieldType)
        {
            // Nested no deeper than a header of the format's ever is: damage or a hostile file must not recurse until
            // the stack overflows (which no handler catches).
            bool container = fieldType is ThriftType.Struct or ThriftType.List or ThriftType.Set or ThriftType.Map;
            if (container && ++_depth > MaxDepth)
            {
                throw new InvalidDataException($"not a page header (values nested more than {MaxDepth} deep)");
            }

            SkipValue(fieldType);
            if (container)
            {
                _depth--;
            }
        }

        private void SkipValue(int fieldType)
        {
            switch (fieldType)
            {
                case ThriftType.True or ThriftType.False:
                    break;
                case ThriftType.Byte:
                    Next();
                    break;
                case ThriftType.I16 or ThriftType.I32 or ThriftType.I64:
                    ReadVarint();
                    break;
                case ThriftType.Double:
                    _at += 8;
                    if (_at > _data.Length)
                    {
                        throw new EndOfStreamException();
                    }

                    break;
                case ThriftType.Binary:
                    ulong length = ReadVarint();
                    if (length > (ulong)(_data.Length - _at))
                    {
                        throw new EndOfStreamException(); // read more, or the page runs off the chunk
                    }

                    _at += (int)length;
                    break;
                case ThriftType.List or ThriftType.Set:
                    byte sizeAndType = Next();
                    long count = sizeAndType >> 4 == 15 ? (long)ReadVarint() : sizeAndType >> 4;
                    SkipElements(sizeAndType & 0x0F, count);
                    break;
                case ThriftType.Map:
                    long entries = (long)ReadVarint();
                    if (entries > 0)
                    {
                        byte types = Next();
                        for (long i = 0; i < entries; i++)
                        {
                            SkipElement(types >> 4);
                            SkipElement(types & 0x0F);
                        }
                    }

                    break;
                case ThriftType.Struct:
                    short id = 0;
                    while (NextField(ref id, out int inner))
                    {
                        Skip(inner);
                    }

                    break;
                default:
                    throw new InvalidDataException($"unknown thrift field type {fieldType}");
            }
        }

        private void SkipElements(int elementType, long count)
        {
            for (long i = 0; i < count; i++)
            {
                SkipElement(elementType);
            }
        }

        // In a collection a boolean takes a byte of its own.
        private void SkipElement(int elementType)
        {
            if (elementType is ThriftType.True or ThriftType.False)
            {
                Next();
            }
            else
            {
                Skip(elementType);
            }
        }
    }
}
