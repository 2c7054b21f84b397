using CsCheck;
using MetaClip.Engine.Snapshots.Pages;
using Parquet.Meta;
using Parquet.Schema;

namespace MetaClip.Engine.Tests.Snapshots.Pages;

/// <summary>
/// Parquet.Net writes one data page per column chunk, and so do the sample files; other writers (pyarrow, Spark) write
/// many of about 1 MB, of format v1 or v2. These chunks are laid out here page by page, as the format describes them —
/// a dictionary page or none, v1 and v2 data pages of random sizes, PLAIN, RLE_DICTIONARY, DELTA_LENGTH_BYTE_ARRAY and
/// DELTA_BYTE_ARRAY values (Spark's v2 pages), RLE and bit-packed runs, nulls, no compression, Snappy, gzip, Brotli, Zstd, LZ4 as a
/// raw block or in Hadoop's frames, and LZ4_RAW — and any row range must read back as the values written.
/// </summary>
public sealed class MultiPageChunkTests
{
    // A field's levels are known once it is in a schema.
    private static readonly DataField Nullable = new ParquetSchema(new DataField("s", typeof(string), isNullable: true)).DataFields[0];

    [Fact]
    public void Chunks_of_many_pages_read_any_row_range_as_written()
    {
        Gen.Select(Gen.Int[1, 2000], Gen.Int[1, 300], Gen.Bool, Gen.Int[0, Codecs.Length - 1], Gen.Int[0, 50], Gen.Int).Sample((rows, pageRows, dictionary, codec, nullPercent, seed) =>
        {
            var random = new Random(seed);
            string[] words = [.. Enumerable.Range(0, dictionary ? random.Next(1, 40) : 0).Select(i => $"w{i}-é中🐕")];
            var values = Enumerable.Range(0, rows).Select(i => random.Next(100) < nullPercent ? null
                : dictionary ? words[random.Next(words.Length)] : new string('x', random.Next(0, 30)) + i).ToArray();
            var (bytes, chunk) = Chunk(values, pageRows, dictionary ? words : null, Codecs[codec], random);
            using var stream = new MemoryStream(bytes);
            for (int i = 0; i < 5; i++)
            {
                int s = i == 0 ? 0 : random.Next(rows), e = i == 0 ? rows : random.Next(s + 1, rows + 1);
                var sink = new StringSink(new string?[e - s], ValueKind.String);
                ColumnPageReader.ReadAsync(stream, chunk, Nullable, s, e, sink, CancellationToken.None, streamAbove: random.Next(2) == 0 ? 0 : int.MaxValue).GetAwaiter().GetResult();
                Assert.Equal(values[s..e], sink.Values);
            }
        }, iter: 400);
    }

    /// <summary>
    /// Regression: an LZ4 page as parquet-mr wrote it through Hadoop's codec, larger than the codec's 256 KiB buffer,
    /// was refused as damaged. Hadoop writes such a page as one frame of several blocks of at most 261,103 bytes
    /// (256 KiB less its overhead) and then a frame of size 0 with no block; only a frame of one block was read.
    /// </summary>
    [Fact]
    public async Task An_lz4_page_that_parquet_mr_wrote_as_one_frame_of_several_blocks_reads_back_whole_and_streamed()
    {
        var random = new Random(17);
        var values = Enumerable.Range(0, 30_000).Select(i => $"caption {i} {new string((char)('a' + (i % 26)), random.Next(1, 60))} 中🐕").ToArray();
        var (bytes, chunk) = Chunk(values, values.Length, null, Codec.Lz4Hadoop, random, plainOnly: true, hadoopBuffer: (256 * 1024) - ((256 * 1024 / 255) + 16));
        Assert.True(values.Sum(v => System.Text.Encoding.UTF8.GetByteCount(v)) > 1 << 20); // one page of over 1 MiB: four blocks
        foreach (int streamAbove in new[] { 0, int.MaxValue })
        {
            var sink = new StringSink(new string?[values.Length - 100], ValueKind.String);
            await ColumnPageReader.ReadAsync(new MemoryStream(bytes), chunk, Nullable, 100, values.Length, sink, CancellationToken.None, streamAbove);
            Assert.Equal(values[100..], sink.Values);
        }
    }

    [Fact]
    public void Damaged_pages_of_any_encoding_and_codec_are_an_error_of_the_data_never_another_exception()
    {
        Gen.Select(Gen.Int[1, 600], Gen.Bool, Gen.Int[0, Codecs.Length - 1], Gen.Int[1, 6], Gen.Int).Sample((rows, dictionary, codec, edits, seed) =>
        {
            var random = new Random(seed);
            string[] words = [.. Enumerable.Range(0, dictionary ? random.Next(1, 40) : 0).Select(i => $"w{i}-é中")];
            var values = Enumerable.Range(0, rows).Select(i => random.Next(10) == 0 ? null : dictionary ? words[random.Next(words.Length)] : $"value {i % 7} {i}").ToArray();
            var (bytes, chunk) = Chunk(values, 100, dictionary ? words : null, Codecs[codec], random);
            for (int e = 0; e < edits; e++)
            {
                bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
            }

            int start = random.Next(rows), end = random.Next(start + 1, rows + 1);
            try
            {
                var sink = new StringSink(new string?[end - start], ValueKind.String);
                ColumnPageReader.ReadAsync(new MemoryStream(bytes), chunk, Nullable, start, end, sink, CancellationToken.None, streamAbove: random.Next(2) == 0 ? 0 : int.MaxValue)
                    .GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or UnsupportedPagesException or InvalidUtf8Exception)
            {
                // The data's fault, said as such: the snapshot reader names the file and row group.
            }
        }, iter: 3000);
    }

    [Fact]
    public async Task Pages_before_the_range_are_passed_over_unread()
    {
        var values = Enumerable.Range(0, 1000).Select(i => $"row {i}").ToArray();
        var (bytes, chunk) = Chunk(values, 100, null, Codec.None, new Random(1), plainOnly: true);

        // Damage every page that ends before row 920: a range after it reads, so those pages were never decoded.
        var pages = await ColumnPageReader.PagesAsync(new MemoryStream(bytes), chunk, CancellationToken.None);
        long at = 0, row = 0;
        foreach (var page in pages)
        {
            if (row + page.Values <= 920)
            {
                Array.Fill(bytes, (byte)0xFF, (int)at + page.Size, page.CompressedSize);
            }

            at += page.Size + page.CompressedSize;
            row += page.Values;
        }

        var sink = new StringSink(new string?[50], ValueKind.String);
        await ColumnPageReader.ReadAsync(new MemoryStream(bytes), chunk, Nullable, 920, 970, sink, CancellationToken.None);
        Assert.Equal(values[920..970], sink.Values);
        await Assert.ThrowsAnyAsync<Exception>(() => ColumnPageReader.ReadAsync(new MemoryStream(bytes), chunk, Nullable, 0, 10, new StringSink(new string?[10], ValueKind.String), CancellationToken.None));
    }

    /// <summary>The compressions of a chunk's pages: the format's codecs, and the two ways LZ4 was written.</summary>
    internal enum Codec
    {
        None,
        Snappy,
        Gzip,
        Brotli,
        Zstd,
        Lz4Block,
        Lz4Hadoop,
        Lz4Raw,
    }

    private static readonly Codec[] Codecs = Enum.GetValues<Codec>();

    [Fact]
    public void A_delta_byte_array_value_whose_prefix_is_longer_than_the_value_before_it_is_an_error_naming_the_column()
    {
        var data = new MemoryStream();
        data.Write(DeltaBinaryPacked([0, 5], 4, new Random(1)));
        data.Write(DeltaBinaryPacked([3, 1], 4, new Random(2)));
        data.Write("abcx"u8);
        byte[] page = data.ToArray();
        var error = Assert.Throws<InvalidDataException>(() => DeltaByteArrays.Read(page, 0, prefixed: true, 2, "s").Skip(2));
        Assert.Contains("column \"s\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("prefix of 5 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Delta_binary_packed_integers_read_back_as_written_at_both_widths_wrapping_around()
    {
        Gen.Select(Gen.Int[0, 700], Gen.Bool, Gen.Int[0, 3], Gen.Int).Sample((count, wide, spread, seed) =>
        {
            var random = new Random(seed);
            long Value() => spread switch
            {
                0 => random.Next(-3, 4),
                1 => random.Next(),
                2 => wide ? random.NextInt64(long.MinValue, long.MaxValue) : random.Next(int.MinValue, int.MaxValue),
                _ => random.Next(2) == 0 ? (wide ? long.MinValue : int.MinValue) : (wide ? long.MaxValue : int.MaxValue),
            };
            long[] values = [.. Enumerable.Range(0, count).Select(_ => Value())];
            int width = wide ? 8 : 4;
            var data = new MemoryStream();
            data.Write(DeltaBinaryPacked(values, width, random));
            int end = (int)data.Length;
            data.Write([1, 2, 3]); // what follows the run is not read as part of it
            int at = 0;
            Assert.Equal(values, DeltaEncodings.ReadBinaryPacked(data.ToArray(), ref at, count, width, "i"));
            Assert.Equal(end, at);

            // The first values only (a range that ends inside the page): the rest are passed over to the run's end.
            int keep = random.Next(count + 2);
            at = 0;
            Assert.Equal(values.Take(keep), DeltaEncodings.ReadBinaryPacked(data.ToArray(), ref at, count, width, "i", keep));
            Assert.Equal(end, at);
        }, iter: 500);
    }

    [Fact]
    public void A_delta_run_cut_short_or_of_impossible_widths_is_an_error_never_a_read_outside_the_page()
    {
        var random = new Random(3);
        long[] values = [.. Enumerable.Range(0, 300).Select(_ => (long)random.Next())];
        byte[] run = DeltaBinaryPacked(values, 4, random);
        for (int cut = 0; cut < run.Length; cut++)
        {
            int at = 0;
            Assert.Throws<InvalidDataException>(() => DeltaEncodings.ReadBinaryPacked(run.AsSpan(0, cut), ref at, 300, 4, "i"));
        }

        int start = 0;
        Assert.Throws<InvalidDataException>(() => DeltaEncodings.ReadBinaryPacked(run, ref start, 299, 4, "i")); // more values than the page holds
    }

    /// <summary>
    /// A column chunk of <paramref name="values"/> in pages of about <paramref name="pageRows"/> rows, v1 and v2 at random,
    /// and (without a dictionary) PLAIN, DELTA_LENGTH_BYTE_ARRAY or DELTA_BYTE_ARRAY at random unless <paramref name="plainOnly"/>.
    /// </summary>
    private static (byte[] Bytes, ColumnChunk Chunk) Chunk(string?[] values, int pageRows, string[]? dictionary, Codec codec, Random random, bool plainOnly = false, int hadoopBuffer = 0)
    {
        var output = new MemoryStream();
        if (dictionary is not null)
        {
            var plain = new MemoryStream();
            foreach (string word in dictionary)
            {
                WritePlain(plain, word);
            }

            WritePage(output, PageKind.Dictionary, plain.ToArray(), codec, random, hadoopBuffer, header => header.Struct(7, h => h.I32(1, dictionary.Length).I32(2, 0)));
        }

        for (int first = 0; first < values.Length;)
        {
            int count = Math.Min(values.Length - first, random.Next(1, 2 * pageRows));
            var page = values.AsSpan(first, count).ToArray();
            first += count;
            // Long bit-packed runs now and then: a range that starts deep in a page passes over them by counting bits.
            int maxGroups = random.Next(2) == 0 ? 3 : 40;
            var levels = Hybrid([.. page.Select(v => v is null ? 0 : 1)], 1, random, maxGroups);
            var data = new MemoryStream();
            int encoding = dictionary is not null ? 8 : plainOnly ? 0 : new[] { 0, 6, 7 }[random.Next(3)];
            byte[][] present = [.. page.Where(v => v is not null).Select(v => System.Text.Encoding.UTF8.GetBytes(v!))];
            if (encoding == 6)
            {
                data.Write(DeltaLengthByteArray(present, random));
            }
            else if (encoding == 7)
            {
                // Each value's prefix shared with the value before it: as long as can be, or shorter (the format allows any).
                var prefixes = new long[present.Length];
                for (int i = 1; i < present.Length; i++)
                {
                    int common = 0;
                    while (common < present[i].Length && common < present[i - 1].Length && present[i][common] == present[i - 1][common])
                    {
                        common++;
                    }

                    prefixes[i] = random.Next(3) == 0 ? random.Next(common + 1) : common;
                }

                data.Write(DeltaBinaryPacked(prefixes, 4, random));
                data.Write(DeltaLengthByteArray([.. present.Select((v, i) => v[(int)prefixes[i]..])], random));
            }
            else if (dictionary is null)
            {
                foreach (string? value in page.Where(v => v is not null))
                {
                    WritePlain(data, value!);
                }
            }
            else
            {
                int width = dictionary.Length <= 1 ? 0 : 32 - int.LeadingZeroCount(dictionary.Length - 1);
                data.WriteByte((byte)width);
                data.Write(Hybrid([.. page.Where(v => v is not null).Select(v => Array.IndexOf(dictionary, v))], width, random, maxGroups));
            }

            if (random.Next(2) == 0)
            {
                var body = new MemoryStream();
                body.Write(BitConverter.GetBytes(levels.Length));
                body.Write(levels);
                body.Write(data.ToArray());
                WritePage(output, PageKind.Data, body.ToArray(), codec, random, hadoopBuffer, header => header.Struct(5, h => h.I32(1, count).I32(2, encoding).I32(3, 3).I32(4, 3)));
            }
            else
            {
                // v2: levels stored uncompressed ahead of the (maybe compressed) values.
                byte[] stored = Compress(data.ToArray(), codec, random, hadoopBuffer);
                var header = new Thrift().I32(1, 3).I32(2, levels.Length + (int)data.Length).I32(3, levels.Length + stored.Length)
                    .Struct(8, h => h.I32(1, count).I32(2, page.Count(v => v is null)).I32(3, count).I32(4, encoding).I32(5, levels.Length).I32(6, 0).Bool(7, codec != Codec.None));
                output.Write(header.End());
                output.Write(levels);
                output.Write(stored);
            }
        }

        var meta = new ColumnMetaData
        {
            Type = Parquet.Meta.Type.BYTE_ARRAY,
            Codec = codec switch
            {
                Codec.None => CompressionCodec.UNCOMPRESSED,
                Codec.Snappy => CompressionCodec.SNAPPY,
                Codec.Gzip => CompressionCodec.GZIP,
                Codec.Brotli => CompressionCodec.BROTLI,
                Codec.Zstd => CompressionCodec.ZSTD,
                Codec.Lz4Raw => CompressionCodec.LZ4_RAW,
                _ => CompressionCodec.LZ4,
            },
            DataPageOffset = 0,
            TotalCompressedSize = output.Length,
            NumValues = values.Length,
            Encodings = [],
            PathInSchema = ["s"],
        };
        return (output.ToArray(), new ColumnChunk { MetaData = meta });
    }

    private static void WritePage(MemoryStream output, PageKind kind, byte[] body, Codec codec, Random random, int hadoopBuffer, Func<Thrift, Thrift> typed)
    {
        byte[] stored = Compress(body, codec, random, hadoopBuffer);
        output.Write(typed(new Thrift().I32(1, (int)kind).I32(2, body.Length).I32(3, stored.Length)).End());
        output.Write(stored);
    }

    /// <summary><paramref name="body"/> compressed with <paramref name="codec"/>; for <see cref="Codec.Lz4Hadoop"/>, <paramref name="hadoopBuffer"/> is the most a block holds (0: a random size under 3,000 from <paramref name="random"/>).</summary>
    private static byte[] Compress(byte[] body, Codec codec, Random random, int hadoopBuffer = 0)
    {
        switch (codec)
        {
            case Codec.None:
                return body;
            case Codec.Snappy:
                return Snappier.Snappy.CompressToArray(body);
            case Codec.Gzip:
                {
                    var output = new MemoryStream();
                    using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
                    {
                        gzip.Write(body);
                    }

                    return output.ToArray();
                }

            case Codec.Zstd:
                {
                    using var zstd = new ZstdSharp.Compressor();
                    return zstd.Wrap(body).ToArray();
                }

            case Codec.Brotli:
                {
                    var output = new MemoryStream();
                    using (var brotli = new System.IO.Compression.BrotliStream(output, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
                    {
                        brotli.Write(body);
                    }

                    return output.ToArray();
                }

            case Codec.Lz4Hadoop:
                {
                    // As Hadoop's BlockCompressorStream writes what it is given: pieces are gathered into a frame (its
                    // decompressed size, then one block after its compressed size) while they fit its buffer; a piece
                    // larger than the buffer is a frame of its own cut into several blocks, and leaves the stream to end
                    // with a frame of size 0 and no block.
                    var output = new MemoryStream();
                    int buffer = hadoopBuffer > 0 ? hadoopBuffer : random.Next(1, 3000);
                    void Size(int size)
                    {
                        var bytes = new byte[4];
                        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes, size);
                        output.Write(bytes);
                    }

                    void Block(ReadOnlySpan<byte> data)
                    {
                        byte[] block = Lz4(data);
                        Size(block.Length);
                        output.Write(block);
                    }

                    bool endsWithEmptyFrame = false;
                    for (int at = 0; at < body.Length;)
                    {
                        int piece = hadoopBuffer > 0 ? body.Length - at : Math.Min(body.Length - at, random.Next(1, 2 * buffer));
                        Size(piece);
                        for (int cut = 0; cut < piece; cut += buffer)
                        {
                            Block(body.AsSpan(at + cut, Math.Min(buffer, piece - cut)));
                        }

                        endsWithEmptyFrame = piece > buffer;
                        at += piece;
                    }

                    if (endsWithEmptyFrame)
                    {
                        Size(0);
                    }

                    return output.ToArray();
                }

            default:
                return Lz4(body);
        }
    }

    private static byte[] Lz4(ReadOnlySpan<byte> body)
    {
        var block = new byte[K4os.Compression.LZ4.LZ4Codec.MaximumOutputSize(body.Length)];
        return block[..K4os.Compression.LZ4.LZ4Codec.Encode(body, block)];
    }

    /// <summary>DELTA_LENGTH_BYTE_ARRAY: the lengths DELTA_BINARY_PACKED, then the values end to end.</summary>
    private static byte[] DeltaLengthByteArray(byte[][] values, Random random)
    {
        var output = new MemoryStream();
        output.Write(DeltaBinaryPacked([.. values.Select(v => (long)v.Length)], 4, random));
        foreach (byte[] value in values)
        {
            output.Write(value);
        }

        return output.ToArray();
    }

    /// <summary>
    /// DELTA_BINARY_PACKED of <paramref name="width"/>-byte integers, in blocks of 1–8 miniblocks of 32–128 values at
    /// random; the bit widths of the miniblocks a last block does not need are random bytes, as readers must allow.
    /// </summary>
    internal static byte[] DeltaBinaryPacked(long[] values, int width, Random random)
    {
        int miniblocks = 1 << random.Next(4), perMiniblock = 32 * random.Next(1, 5), block = miniblocks * perMiniblock;
        var output = new MemoryStream();
        Varint(output, (ulong)block);
        Varint(output, (ulong)miniblocks);
        Varint(output, (ulong)values.Length);
        Varint(output, ZigZag(values.Length == 0 ? 0 : values[0]));
        for (int start = 1; start < values.Length; start += block)
        {
            int n = Math.Min(block, values.Length - start);
            long[] deltas = [.. Enumerable.Range(start, n).Select(i => unchecked(width == 4 ? (int)values[i] - (int)values[i - 1] : values[i] - values[i - 1]))];
            long minimum = deltas.Min();
            ulong[] above = [.. deltas.Select(d => unchecked(width == 4 ? (uint)((int)d - (int)minimum) : (ulong)(d - minimum)))];
            Varint(output, ZigZag(minimum));
            int used = (n + perMiniblock - 1) / perMiniblock;
            var bits = new byte[miniblocks];
            random.NextBytes(bits);
            for (int m = 0; m < used; m++)
            {
                ulong max = above.Skip(m * perMiniblock).Take(perMiniblock).Max();
                bits[m] = (byte)(64 - ulong.LeadingZeroCount(max));
            }

            output.Write(bits);
            for (int m = 0; m < used; m++)
            {
                var packed = new byte[bits[m] * perMiniblock / 8];
                for (int j = 0; j < perMiniblock && (m * perMiniblock) + j < n; j++)
                {
                    ulong value = above[(m * perMiniblock) + j];
                    for (int bit = 0; bit < bits[m]; bit++)
                    {
                        if ((value >> bit & 1) != 0)
                        {
                            long position = ((long)j * bits[m]) + bit;
                            packed[position / 8] |= (byte)(1 << (int)(position % 8));
                        }
                    }
                }

                output.Write(packed);
            }
        }

        return output.ToArray();
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private static void WritePlain(MemoryStream output, string value)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(value);
        output.Write(BitConverter.GetBytes(bytes.Length));
        output.Write(bytes);
    }

    /// <summary>The RLE / bit-packing hybrid of <paramref name="values"/>: runs of each kind, at random (bit-packed ones of up to <paramref name="maxGroups"/> groups of eight).</summary>
    internal static byte[] Hybrid(int[] values, int width, Random random, int maxGroups = 3)
    {
        var output = new MemoryStream();
        int at = 0;
        while (at < values.Length)
        {
            int run = 1;
            while (at + run < values.Length && values[at + run] == values[at])
            {
                run++;
            }

            if (run >= 8 || random.Next(3) == 0)
            {
                Varint(output, (ulong)run << 1);
                for (int b = 0; b < (width + 7) / 8; b++)
                {
                    output.WriteByte((byte)(values[at] >> (8 * b)));
                }

                at += run;
                continue;
            }

            int groups = Math.Max(1, Math.Min((values.Length - at) / 8, random.Next(1, maxGroups + 1)));
            Varint(output, ((ulong)groups << 1) | 1);
            var packed = new byte[groups * width];
            for (int i = 0; i < groups * 8; i++)
            {
                int value = at + i < values.Length ? values[at + i] : 0;
                for (int bit = 0; bit < width; bit++)
                {
                    if ((value >> bit & 1) != 0)
                    {
                        int position = (i * width) + bit;
                        packed[position / 8] |= (byte)(1 << (position % 8));
                    }
                }
            }

            output.Write(packed);
            at += groups * 8;
        }

        return output.ToArray();
    }

    private static void Varint(Stream output, ulong value)
    {
        while (value >= 0x80)
        {
            output.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        output.WriteByte((byte)value);
    }

    /// <summary>A thrift compact protocol struct, field by field (ids rising by at most 15).</summary>
    private sealed class Thrift
    {
        private readonly List<byte> _bytes = [];
        private int _last;

        public Thrift I32(int id, int value)
        {
            Field(id, 5);
            ulong zigzag = (ulong)((value << 1) ^ (value >> 31)) & 0xFFFFFFFF;
            while (zigzag >= 0x80)
            {
                _bytes.Add((byte)(zigzag | 0x80));
                zigzag >>= 7;
            }

            _bytes.Add((byte)zigzag);
            return this;
        }

        public Thrift Bool(int id, bool value)
        {
            Field(id, value ? 1 : 2);
            return this;
        }

        public Thrift Struct(int id, Func<Thrift, Thrift> fields)
        {
            Field(id, 12);
            _bytes.AddRange(fields(new Thrift()).End());
            return this;
        }

        public byte[] End()
        {
            _bytes.Add(0);
            return [.. _bytes];
        }

        private void Field(int id, int type)
        {
            _bytes.Add((byte)(((id - _last) << 4) | type));
            _last = id;
        }
    }
}
