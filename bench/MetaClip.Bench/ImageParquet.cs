using System.Text.Json;
using Parquet;
using Parquet.Schema;

namespace MetaClip.Bench;

/// <summary>
/// Writes the first <c>rows</c> rows of a JSON Lines snapshot (uuid, lang, text) as a Parquet snapshot with an
/// <c>image</c> column of <c>imageBytes</c> pseudo-random bytes per row (incompressible, like JPEG), in row groups of
/// 5,000 rows: an image snapshot, where the image bytes are most of the file (bench/RESULTS.md, "Image bytes").
/// </summary>
internal static class ImageParquet
{
    private const int RowGroupRows = 5_000;

    public static async Task<int> RunAsync(string jsonl, string parquet, int rows, int imageBytes)
    {
        var schema = new ParquetSchema(new DataField<string>("uuid"), new DataField<string>("lang"), new DataField<string>("text"), new DataField<byte[]>("image"));
        int written = 0;
        await using (var stream = File.Create(parquet))
        {
            written = await WriteAsync(stream, schema, jsonl, rows, imageBytes);
        }

        Console.WriteLine($"{parquet}: {written:N0} rows with {imageBytes:N0}-byte images, {new FileInfo(parquet).Length:N0} bytes");
        return 0;
    }

    private static async Task<int> WriteAsync(Stream stream, ParquetSchema schema, string jsonl, int rows, int imageBytes)
    {
        var random = new Random(17);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        int written = 0;
        foreach (var chunk in File.ReadLines(jsonl).Take(rows).Chunk(RowGroupRows))
        {
            var uuids = new string[chunk.Length];
            var langs = new string[chunk.Length];
            var texts = new string[chunk.Length];
            var images = new byte[chunk.Length][];
            for (int i = 0; i < chunk.Length; i++)
            {
                using var row = JsonDocument.Parse(chunk[i]);
                uuids[i] = row.RootElement.GetProperty("uuid").GetString()!;
                langs[i] = row.RootElement.GetProperty("lang").GetString()!;
                texts[i] = row.RootElement.GetProperty("text").GetString()!;
                images[i] = new byte[imageBytes];
                random.NextBytes(images[i]);
            }

            using var group = writer.CreateRowGroup();
            await group.WriteAsync(schema.DataFields[0], uuids);
            await group.WriteAsync(schema.DataFields[1], langs);
            await group.WriteAsync(schema.DataFields[2], texts);
            await group.WriteAsync(schema.DataFields[3], images);
            group.CompleteValidate();
            written += chunk.Length;
        }

        return written;
    }
}
