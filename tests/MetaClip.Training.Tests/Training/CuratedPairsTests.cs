using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using Parquet;
using Parquet.Schema;

namespace MetaClip.Training.Tests.Training;

/// <summary>Curated Parquet shards with image bytes, as training reads them.</summary>
public sealed class CuratedPairsTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_corrupt_or_missing_image_row_is_reported_and_skipped_with_a_count()
    {
        string file = await WriteAsync("part-00000.parquet",
            ("a red square", Png(8, 8, (255, 0, 0))),
            ("broken", "\x89PNG not really"u8.ToArray()),
            ("a blue square", Png(16, 12, (0, 0, 255))),
            ("no image", null),
            ("a grey square", Png(5, 9, (128, 128, 128))));
        var pairs = await CuratedPairs.LoadAsync(_dir.Path, imageSize: 4);

        Assert.Equal(["a red square", "a blue square", "a grey square"], pairs.Texts);
        Assert.Equal(2, pairs.Skipped.Count);
        Assert.Contains("curated file part-00000.parquet row group 0 row 1: the image cannot be decoded", pairs.Skipped[0], StringComparison.Ordinal);
        Assert.Equal("curated file part-00000.parquet row group 0 row 3: no image bytes", pairs.Skipped[1]);
        Assert.True(File.Exists(file));

        // Pixels are CLIP-normalised, channels first: a pure red image is (1 - mean) / std in red, -mean / std elsewhere.
        var red = new float[3 * 4 * 4];
        pairs.CopyImage(0, red);
        Assert.Equal((1 - 0.48145466f) / 0.26862954f, red[0], 4);
        Assert.Equal(-0.4578275f / 0.26130258f, red[16], 4);
        Assert.Equal(-0.40821073f / 0.27577711f, red[47], 4);
    }

    [Fact]
    public async Task A_file_without_image_bytes_is_an_error_that_says_why()
    {
        string path = _dir.Combine("part-00000.parquet");
        var schema = new ParquetSchema(new DataField<string>("text"));
        await using (var stream = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(schema, stream))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(schema.DataFields[0], new[] { "a dog" });
        }

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => CuratedPairs.LoadAsync(path, 4));
        Assert.Contains("curated file part-00000.parquet: has no image column", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batches_are_a_pure_function_of_their_position_and_each_epoch_is_a_permutation()
    {
        await WriteAsync("part-00000.parquet", [.. Enumerable.Range(0, 10).Select(i => ($"square {i}", (byte[]?)Png(4, 4, ((byte)(i * 20), 0, 0))))]);
        var pairs = await CuratedPairs.LoadAsync(_dir.Path, 4);
        var tokenizer = ClipTokenizer.O200k(pairs.Texts);
        var first = new PairDataset(pairs, tokenizer, 8, 1, seed: 3);
        var second = new PairDataset(pairs, tokenizer, 8, 1, seed: 3);
        using var a = first.Batch(7, 0, 5);
        using var b = second.Batch(7, 0, 5);
        Assert.Equal(a.Tokens.data<long>().ToArray(), b.Tokens.data<long>().ToArray());

        // Steps 0 and 1 (batch 5) are epoch 0: the ten pairs, each once.
        var seen = new HashSet<string>();
        for (int step = 0; step < 2; step++)
        {
            using var batch = first.Batch(step, 0, 5);
            var rows = batch.Tokens.data<long>().ToArray();
            for (int j = 0; j < 5; j++)
            {
                seen.Add(tokenizer.Decode(rows.Skip(j * 8).Take(8).Select(t => (int)t)));
            }
        }

        Assert.Equal(pairs.Texts.ToHashSet(), seen);
    }

    private async Task<string> WriteAsync(string name, params (string Text, byte[]? Image)[] rows)
    {
        string path = _dir.Combine(name);
        var schema = new ParquetSchema(new DataField<string>("text"), new DataField<byte[]>("image", nullable: true));
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(schema.DataFields[0], rows.Select(r => r.Text).ToArray());
        await group.WriteAsync(schema.DataFields[1], rows.Select(r => r.Image).ToArray()!);
        return path;
    }

    /// <summary>A one-colour RGB PNG (unfiltered scanlines, zlib), written here so the test needs no image library.</summary>
    private static byte[] Png(int width, int height, (byte R, byte G, byte B) colour)
    {
        var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0);
            for (int x = 0; x < width; x++)
            {
                raw.Write([colour.R, colour.G, colour.B]);
            }
        }

        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            raw.WriteTo(zlib);
        }

        var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // RGB
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(MemoryStream png, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        byte[] typeAndData = [.. Encoding.ASCII.GetBytes(type), .. data];
        png.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.HashToUInt32(typeAndData));
        png.Write(word);
    }
}
