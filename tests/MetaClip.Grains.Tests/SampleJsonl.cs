using System.Text.Json;
using Parquet;

namespace MetaClip.Grains.Tests;

/// <summary>The bundled sample snapshot rewritten as many small JSON Lines files: many shards from real rows.</summary>
internal static class SampleJsonl
{
    public static async Task<string> WriteAsync(string folder, int rowsPerFile)
    {
        Directory.CreateDirectory(folder);
        var rows = new List<(string? Uuid, string? Url, string? Text, string? Lang)>();
        foreach (string path in Directory.GetFiles(Repository.Path("samples", "snapshot"), "*.parquet").Order(StringComparer.Ordinal))
        {
            await using var reader = await ParquetReader.CreateAsync(path);
            var fields = reader.Schema.GetDataFields().ToDictionary(f => f.Name);
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                int n = (int)group.RowCount;
                string?[] uuid = new string?[n], url = new string?[n], text = new string?[n], lang = new string?[n];
                await group.ReadAsync(fields["uuid"], uuid.AsMemory());
                await group.ReadAsync(fields["url"], url.AsMemory());
                await group.ReadAsync(fields["text"], text.AsMemory());
                await group.ReadAsync(fields["lang"], lang.AsMemory());
                for (int i = 0; i < n; i++)
                {
                    rows.Add((uuid[i], url[i], text[i], lang[i]));
                }
            }
        }

        for (int file = 0; file * rowsPerFile < rows.Count; file++)
        {
            await using var stream = File.Create(Path.Combine(folder, $"part-{file:D4}.jsonl"));
            foreach (var row in rows.Skip(file * rowsPerFile).Take(rowsPerFile))
            {
                await using (var writer = new Utf8JsonWriter(stream))
                {
                    writer.WriteStartObject();
                    writer.WriteString("uuid", row.Uuid);
                    writer.WriteString("url", row.Url);
                    writer.WriteString("text", row.Text);
                    writer.WriteString("lang", row.Lang);
                    writer.WriteEndObject();
                }

                stream.WriteByte((byte)'\n');
            }
        }

        return folder;
    }
}
