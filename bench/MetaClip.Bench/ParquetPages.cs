using System.Globalization;
using MetaClip.Engine.Snapshots.Pages;
using Parquet;

namespace MetaClip.Bench;

/// <summary>
/// Prints how a Parquet file lays out its column chunks: per row group and column, the codec, the dictionary page and the
/// data pages (count, values and sizes). How a file was written decides what a split row group costs to read
/// (bench/RESULTS.md, "Parquet as other writers write it").
/// </summary>
internal static class ParquetPages
{
    public static async Task<int> RunAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(stream);
        var fields = reader.Schema.GetDataFields();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"row group {g}: {group.RowCount:N0} rows"));
            foreach (var field in fields)
            {
                var chunk = group.GetMetadata(field) ?? throw new InvalidDataException($"{path}: no chunk for column {field.Name}");
                var pages = await ColumnPageReader.PagesAsync(stream, chunk, CancellationToken.None);
                var dictionary = pages.Where(p => p.Kind == PageKind.Dictionary).ToList();
                var data = pages.Where(p => p.Kind is PageKind.Data or PageKind.DataV2).ToList();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {field.Name}: {chunk.MetaData!.Codec}, dictionary {(dictionary.Count == 0 ? "none" : $"{dictionary[0].Values:N0} values, {dictionary[0].UncompressedSize:N0} bytes")}, " +
                    $"{data.Count:N0} data pages ({string.Join("/", data.Select(p => p.Kind).Distinct())}, encodings {string.Join("/", data.Select(p => p.Encoding).Distinct())}), " +
                    $"values per page {(data.Count == 0 ? 0 : data.Min(p => p.Values)):N0}–{(data.Count == 0 ? 0 : data.Max(p => p.Values)):N0}, " +
                    $"uncompressed bytes per page up to {(data.Count == 0 ? 0 : data.Max(p => p.UncompressedSize)):N0}"));
            }
        }

        return 0;
    }
}
