using CsCheck;
using MetaClip.Engine.Snapshots.Pages;
using Parquet.Meta;
using Parquet.Schema;

namespace MetaClip.Engine.Tests.Snapshots.Pages;

/// <summary>
/// Parquet.Net writes one data page per column chunk, and so do the sample files; other writers (pyarrow, Spark) write
/// many of about 1 MB, of format v1 or v2. These chunks are laid out here page by page, as the format describes them —
/// a dictionary page or none, v1 and v2 data pages of random sizes, PLAIN and RLE_DICTIONARY values, RLE and
/// bit-packed runs, nulls, Snappy or no compression — and any row range must read back as the values written.
/// </summary>
public sealed class MultiPageChunkTests
{
    // A field's levels are known once it is in a schema.
    private static readonly DataField Nullable = new ParquetSchema(new DataField("s", typeof(string), isNullable: true)).DataFields[0];

    [Fact]
    public void Chunks_of_many_pages_read_any_row_range_as_written()
    {
        Gen.Select(Gen.Int[1, 2000], Gen.Int[1, 300], Gen.Bool, Gen.Bool, Gen.Int[0, 50], Gen.Int).Sample((rows, pageRows, dictionary, snappy, nullPercent, seed) =>
        {
            var random = new Random(seed);
            string[] words = [.. Enumerable.Range(0, dictionary ? random.Next(1, 40) : 0).Select(i => $"w{i}-é中🐕")];
            var values = Enumerable.Range(0, rows).Select(i => random.Next(100) < nullPercent ? null
                : dictionary ? words[random.Next(words.Length)] : new string('x', random.Next(0, 30)) + i).ToArray();
            var (bytes, chunk) = Chunk(values, pageRows, dictionary ? words : null, snappy, random);
            using var stream = new MemoryStream(bytes);
            for (int i = 0; i < 5; i++)
            {
                int s = i == 0 ? 0 : random.Next(rows), e = i == 0 ? rows : random.Next(s + 1, rows + 1);
                var sink = new StringSink(new string?[e - s], ValueKind.String);
                ColumnPageReader.ReadAsync(stream, chunk, Nullable, s, e, sink, CancellationToken.None, streamAbove: random.Next(2) == 0 ? 0 : int.MaxValue).GetAwaiter().GetResult();
                Assert.Equal(values[s..e], sink.Values);
            }
        }, iter: 300);
    }

    [Fact]
    public async Task Pages_before_the_range_are_passed_over_unread()
    {
        var values = Enumerable.Range(0, 1000).Select(i => $"row {i}").ToArray();
        var (bytes, chunk) = Chunk(values, 100, null, snappy: false, new Random(1));

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

    /// <summary>A column chunk of <paramref name="values"/> in pages of about <paramref name="pageRows"/> rows, v1 and v2 at random.</summary>
    private static (byte[] Bytes, ColumnChunk Chunk) Chunk(string?[] values, int pageRows, string[]? dictionary, bool snappy, Random random)
    {
        var output = new MemoryStream();
        if (dictionary is not null)
        {
            var plain = new MemoryStream();
            foreach (string word in dictionary)
            {
                WritePlain(plain, word);
            }

            WritePage(output, PageKind.Dictionary, plain.ToArray(), snappy, header => header.Struct(7, h => h.I32(1, dictionary.Length).I32(2, 0)));
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
            if (dictionary is null)
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

            int encoding = dictionary is null ? 0 : 8;
            if (random.Next(2) == 0)
            {
                var body = new MemoryStream();
                body.Write(BitConverter.GetBytes(levels.Length));
                body.Write(levels);
                body.Write(data.ToArray());
                WritePage(output, PageKind.Data, body.ToArray(), snappy, header => header.Struct(5, h => h.I32(1, count).I32(2, encoding).I32(3, 3).I32(4, 3)));
            }
            else
            {
                // v2: levels stored uncompressed ahead of the (maybe compressed) values.
                byte[] stored = snappy ? Snappier.Snappy.CompressToArray(data.ToArray()) : data.ToArray();
                var header = new Thrift().I32(1, 3).I32(2, levels.Length + (int)data.Length).I32(3, levels.Length + stored.Length)
                    .Struct(8, h => h.I32(1, count).I32(2, page.Count(v => v is null)).I32(3, count).I32(4, encoding).I32(5, levels.Length).I32(6, 0).Bool(7, snappy));
                output.Write(header.End());
                output.Write(levels);
                output.Write(stored);
            }
        }

        var meta = new ColumnMetaData
        {
            Type = Parquet.Meta.Type.BYTE_ARRAY,
            Codec = snappy ? CompressionCodec.SNAPPY : CompressionCodec.UNCOMPRESSED,
            DataPageOffset = 0,
            TotalCompressedSize = output.Length,
            NumValues = values.Length,
            Encodings = [],
            PathInSchema = ["s"],
        };
        return (output.ToArray(), new ColumnChunk { MetaData = meta });
    }

    private static void WritePage(MemoryStream output, PageKind kind, byte[] body, bool snappy, Func<Thrift, Thrift> typed)
    {
        byte[] stored = snappy ? Snappier.Snappy.CompressToArray(body) : body;
        output.Write(typed(new Thrift().I32(1, (int)kind).I32(2, body.Length).I32(3, stored.Length)).End());
        output.Write(stored);
    }

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
