using System.IO.Compression;
using System.Text;
using CsCheck;
using MetaClip.Engine.Lid;
using MetaClip.Engine.Metadata;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;
using MetaClip.Engine.Tests.Lid;
using Parquet;
using Parquet.Schema;

namespace MetaClip.Engine.Tests.Fuzz;

/// <summary>
/// Random and mutated inputs for every reader of user files (JSONL, gzip JSONL and Parquet snapshots, metadata lists,
/// lid_map.json, fastText models): whatever the bytes, the only exception that escapes is
/// <see cref="CurationException"/>, and its message names the file. Seeded by CsCheck (a failure prints the seed that
/// repeats it); thousands of cases in a few seconds.
/// </summary>
public sealed class InputFuzzTests : IDisposable
{
    private static readonly SnapshotColumns Columns = new() { Text = "text", Url = "url", Uuid = "uuid", Lang = "lang" };

    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Mutations of a seed: a few edits of bytes, ranges, lengths and 32-bit fields, or bytes at random.</summary>
    private static Gen<byte[]> Mutated(params byte[][] seeds) =>
        Gen.Frequency(
            (1, Gen.Byte.Array[0, 256]),
            (9, Gen.Select(Gen.Int[0, seeds.Length - 1], Edit.Array[1, 8]).Select((seed, edits) => Apply(seeds[seed], edits))));

    /// <summary>32-bit values that break sizes and counts: zero, negative, the extremes, large powers of two.</summary>
    private static readonly int[] Fields = [0, -1, 1, int.MaxValue, int.MinValue, 1 << 30, 255, 65536];

    private static readonly Gen<(int Kind, double At, double Length, byte Value, int Field)> Edit =
        Gen.Select(Gen.Int[0, 6], Gen.Double[0, 1], Gen.Double[0, 1], Gen.Byte, Gen.Int[0, 7].Select(i => Fields[i]));

    private static byte[] Apply(byte[] seed, (int Kind, double At, double Length, byte Value, int Field)[] edits)
    {
        var bytes = new List<byte>(seed);
        foreach (var (kind, at, length, value, field) in edits)
        {
            int position = (int)(at * bytes.Count);
            int count = Math.Min(bytes.Count - position, 1 + (int)(length * 16));
            switch (kind)
            {
                case 0 when position < bytes.Count:
                    bytes[position] = value;
                    break;
                case 1:
                    bytes.InsertRange(position, Enumerable.Repeat(value, 1 + (int)(length * 8)));
                    break;
                case 2 when count > 0:
                    bytes.RemoveRange(position, count);
                    break;
                case 3:
                    bytes.RemoveRange(position, bytes.Count - position);
                    break;
                case 4 when count > 0:
                    bytes.InsertRange(position, bytes.GetRange(position, count));
                    break;
                case 5 when position + 4 <= bytes.Count:
                    byte[] little = BitConverter.GetBytes(field);
                    for (int i = 0; i < 4; i++)
                    {
                        bytes[position + i] = little[i];
                    }

                    break;
                case 6 when position < bytes.Count:
                    bytes[position] ^= (byte)(1 << (value & 7));
                    break;
                default:
                    break;
            }
        }

        return [.. bytes];
    }

    private static void AssertOnlyInputErrors(Action read, string name)
    {
        try
        {
            read();
        }
        catch (CurationException e)
        {
            Assert.True(e.Message.Contains(name, StringComparison.Ordinal), $"the error does not name {name}: {e.Message}");
        }
    }

    [Fact]
    public void Jsonl_lines_of_any_bytes_are_read_or_an_input_error_naming_the_file()
    {
        byte[][] seeds =
        [
            Encoding.UTF8.GetBytes("{\"uuid\": \"a\", \"url\": \"http://x/1.jpg\", \"lang\": \"en\", \"text\": \"a red car\"}\n{\"uuid\": 12, \"lang\": \"de\", \"text\": \"ein Auto \\u00e9\"}\n"),
            Encoding.UTF8.GetBytes("\uFEFF{\"url\": \"http://x/2.jpg\", \"text\": null, \"lang\": \"zh\"}\r\n\n{\"text\": \"\\ud83d\\ude00 x\", \"uuid\": \"b\", \"extra\": [1, {\"k\": true}]}"),
        ];
        var file = new SnapshotFile("fuzz/a.jsonl", "a.jsonl", SnapshotFormat.Jsonl);
        Mutated(seeds).Sample(bytes => AssertOnlyInputErrors(() => JsonlUnitReader.Parse(file, bytes, Columns), "a.jsonl"), iter: 4000);
    }

    [Fact]
    public async Task Gzip_jsonl_files_of_any_bytes_are_read_or_an_input_error_naming_the_file()
    {
        byte[] plain = Encoding.UTF8.GetBytes("{\"uuid\": \"a\", \"lang\": \"en\", \"text\": \"a red car\"}\n{\"uuid\": \"b\", \"lang\": \"de\", \"text\": \"Auto\"}\n");
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(plain);
        }

        string path = _dir.Combine("b.jsonl.gz");
        var file = new SnapshotFile(path, "b.jsonl.gz", SnapshotFormat.JsonlGzip);
        await Mutated(compressed.ToArray()).SampleAsync(async bytes =>
        {
            await File.WriteAllBytesAsync(path, bytes);
            try
            {
                await JsonlUnitReader.ReadAsync(DataStore.Local, file, Columns, CancellationToken.None);
            }
            catch (CurationException e)
            {
                Assert.True(e.Message.Contains("b.jsonl.gz", StringComparison.Ordinal), e.Message);
            }
        }, iter: 600, threads: 1);
    }

    [Fact]
    public async Task Parquet_files_of_any_bytes_are_read_or_an_input_error_naming_the_file()
    {
        // Seeds: Parquet.Net's defaults; LZ4 with DELTA_BINARY_PACKED integer uuids; Brotli (each read by the page reader).
        var seeds = new List<byte[]>();
        foreach (var (codec, integerUuids) in new[] { (CompressionMethod.Snappy, false), (CompressionMethod.LZ4, true), (CompressionMethod.Brotli, false) })
        {
            string seedPath = _dir.Combine($"seed-{codec}.parquet");
            var schema = new ParquetSchema(integerUuids ? new DataField<long?>("uuid") : new DataField<string>("uuid"), new DataField<string>("url"), new DataField<string>("lang"),
                new DataField<string>("text"), new DataField<long>("n"));
            var options = new ParquetOptions { CompressionMethod = codec };
            if (integerUuids)
            {
                options.ColumnEncodingHints["uuid"] = EncodingHint.DeltaBinaryPacked;
            }

            await using (var stream = File.Create(seedPath))
            await using (var writer = await ParquetWriter.CreateAsync(schema, stream, options))
            {
                for (int g = 0; g < 2; g++)
                {
                    using var group = writer.CreateRowGroup();
                    if (integerUuids)
                    {
                        await group.WriteAsync<long>(schema.DataFields[0], new long?[] { 10 + g, -7_000_000_000L * (g + 1), null }.AsMemory());
                    }
                    else
                    {
                        await group.WriteAsync(schema.DataFields[0], new[] { "a" + g, "b" + g, null });
                    }

                    await group.WriteAsync(schema.DataFields[1], new[] { "http://x/1.jpg", null, "http://x/3.jpg" });
                    await group.WriteAsync(schema.DataFields[2], new[] { "en", "de", "zh" });
                    await group.WriteAsync(schema.DataFields[3], new[] { "a red car", "ein Auto", "\u732b" });
                    await group.WriteAsync<long>(schema.DataFields[4], new long[] { 1, 2, 3 }.AsMemory());
                }
            }

            seeds.Add(await File.ReadAllBytesAsync(seedPath));
        }

        string path = _dir.Combine("c.parquet");
        var file = new SnapshotFile(path, "c.parquet", SnapshotFormat.Parquet);
        await Mutated([.. seeds]).SampleAsync(async bytes =>
        {
            await File.WriteAllBytesAsync(path, bytes);
            try
            {
                await using var reader = await ParquetUnitReader.OpenAsync(DataStore.Local, file, Columns, CancellationToken.None);
                for (int g = 0; g < Math.Min(reader.RowGroupCount, 4); g++)
                {
                    await reader.ReadUnitAsync(g, CancellationToken.None);
                }
            }
            catch (CurationException e)
            {
                Assert.True(e.Message.Contains("c.parquet", StringComparison.Ordinal), e.Message);
            }
        }, iter: 2500, threads: 1);
    }

    [Fact]
    public void Metadata_lists_of_any_bytes_are_read_or_an_input_error_naming_the_file()
    {
        byte[][] seeds =
        [
            Encoding.UTF8.GetBytes("[\"dog\", \"red car\", \"\\u00e9t\\u00e9\", \"\\ud83d\\ude00\", \"0\"]"),
            Encoding.UTF8.GetBytes("\uFEFF[\n  \"Hund\",\n  \"Katze\"\n]\n"),
        ];
        Mutated(seeds).Sample(bytes => AssertOnlyInputErrors(() => MetadataList.Parse("en", bytes, "en.json"), "en.json"), iter: 4000);
    }

    [Fact]
    public void Lid_maps_of_any_bytes_are_read_or_an_input_error_naming_the_file()
    {
        byte[][] seeds = [Encoding.UTF8.GetBytes("{\"en\": \"en\", \"yue\": \"zh\", \"xx\": \"N/A\", \"\\u00e9\": \"fr\"}")];
        Mutated(seeds).Sample(bytes => AssertOnlyInputErrors(() => LidMap.Parse(bytes, "lid_map.json"), "lid_map.json"), iter: 3000);
    }

    [Fact]
    public void Fasttext_models_of_any_bytes_are_loaded_or_an_input_error_naming_the_file()
    {
        byte[][] seeds =
        [
            TinyModels.Bytes(),
            TinyModels.Bytes(FastTextLoss.HierarchicalSoftmax, quantized: true),
            TinyModels.Bytes(FastTextLoss.OneVsAll, quantized: true, quantizedNorms: true, prune: [(3, 0), (7, 1)]),
            TinyModels.Bytes(FastTextLoss.NegativeSampling, version: 11),
        ];
        Mutated(seeds).Sample(bytes => AssertOnlyInputErrors(() => FastTextModel.Load(bytes, "model.ftz"), "model.ftz"), iter: 4000);
    }
}
