using System.Text.Json;
using Parquet;
using Parquet.Schema;

namespace MetaClip.TestSupport;

/// <summary>
/// The rows of an <see cref="ImageRowsFile"/> (uuid or url, lang, text; images with rows far apart among them) as a
/// Parquet file, in row groups of <c>rowGroupRows</c> rows, for the split tests of Parquet row groups. With
/// <c>integerUuids</c> the uuids are 64-bit integers (one per image, written with that encoding).
/// </summary>
internal static class ImageRowsParquet
{
    public static async Task<string> WriteAsync(string path, int images, int seed, int scattered = 3, int distance = 200, int rowGroupRows = int.MaxValue,
        CompressionMethod codec = CompressionMethod.Snappy, EncodingHint? integerUuids = null)
    {
        string jsonl = ImageRowsFile.Write(path + ".jsonl", images, seed, scattered, distance);
        var uuids = new List<string?>();
        var urls = new List<string?>();
        var langs = new List<string?>();
        var texts = new List<string?>();
        foreach (string line in File.ReadLines(jsonl).Where(l => l.Length > 0))
        {
            using var row = JsonDocument.Parse(line);
            uuids.Add(row.RootElement.TryGetProperty("uuid", out var uuid) ? uuid.GetString() : null);
            urls.Add(row.RootElement.TryGetProperty("url", out var url) ? url.GetString() : null);
            langs.Add(row.RootElement.GetProperty("lang").GetString());
            texts.Add(row.RootElement.GetProperty("text").GetString());
        }

        File.Delete(jsonl);
        var schema = new ParquetSchema(
            new DataField("uuid", integerUuids is null ? typeof(string) : typeof(long), isNullable: true), new DataField("url", typeof(string), isNullable: true),
            new DataField("lang", typeof(string), isNullable: true), new DataField("text", typeof(string), isNullable: true));
        await using var stream = File.Create(path);
        var options = new ParquetOptions { CompressionMethod = codec };
        if (integerUuids is { } hint)
        {
            options.ColumnEncodingHints["uuid"] = hint;
        }

        var numbers = new Dictionary<string, long>(StringComparer.Ordinal);
        long?[] integers = [.. uuids.Select(u => u is null ? (long?)null : numbers.TryGetValue(u, out long n) ? n : numbers[u] = 1_000_000_007L * (numbers.Count + 1))];
        await using var writer = await ParquetWriter.CreateAsync(schema, stream, options);
        for (int start = 0; start < texts.Count; start += rowGroupRows)
        {
            int count = Math.Min(rowGroupRows, texts.Count - start);
            using var group = writer.CreateRowGroup();
            if (integerUuids is null)
            {
                await group.WriteAsync(schema.DataFields[0], uuids.GetRange(start, count));
            }
            else
            {
                await group.WriteAsync<long>(schema.DataFields[0], integers.AsMemory(start, count));
            }

            await group.WriteAsync(schema.DataFields[1], urls.GetRange(start, count));
            await group.WriteAsync(schema.DataFields[2], langs.GetRange(start, count));
            await group.WriteAsync(schema.DataFields[3], texts.GetRange(start, count));
        }

        return path;
    }
}
