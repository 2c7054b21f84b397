using System.Text.Json;
using Parquet;
using Parquet.Schema;

namespace MetaClip.Bench;

/// <summary>
/// Writes the first <c>rows</c> rows of a JSON Lines snapshot (uuid, lang, text) as a Parquet file with one row group:
/// the input of the bounded-memory measurement of a big row group (bench/RESULTS.md, "Bounded memory"), compressed with
/// Parquet.Net's default (Snappy) or the codec named (e.g. <c>LZ4</c>, <c>Brotli</c>).
/// </summary>
internal static class OneRowGroupParquet
{
    public static async Task<int> RunAsync(string jsonl, string parquet, int rows, string? codec = null)
    {
        var uuids = new List<string>(rows);
        var langs = new List<string>(rows);
        var texts = new List<string>(rows);
        foreach (string line in File.ReadLines(jsonl).Take(rows))
        {
            using var row = JsonDocument.Parse(line);
            uuids.Add(row.RootElement.GetProperty("uuid").GetString()!);
            langs.Add(row.RootElement.GetProperty("lang").GetString()!);
            texts.Add(row.RootElement.GetProperty("text").GetString()!);
        }

        var schema = new ParquetSchema(new DataField<string>("uuid"), new DataField<string>("lang"), new DataField<string>("text"));
        await using var stream = File.Create(parquet);
        var options = new ParquetOptions();
        if (codec is not null)
        {
            options.CompressionMethod = Enum.Parse<CompressionMethod>(codec, ignoreCase: true);
        }

        await using var writer = await ParquetWriter.CreateAsync(schema, stream, options);
        using (var group = writer.CreateRowGroup())
        {
            await group.WriteAsync(schema.DataFields[0], uuids);
            await group.WriteAsync(schema.DataFields[1], langs);
            await group.WriteAsync(schema.DataFields[2], texts);
            group.CompleteValidate();
        }

        Console.WriteLine($"{parquet}: {uuids.Count:N0} rows in one row group, {options.CompressionMethod}");
        return 0;
    }
}
