#:package Parquet.Net
#:property PublishAot=false
// Rebuilds samples/snapshot/ from the project's shared data folder (samples/metadata/: see samples/README.md).
//   dotnet run samples/build-sample.cs -- PATH/TO/shared
// Deterministic: the same inputs give byte-identical Parquet files. Only permissively licensed sources are used
// (see samples/LICENSE.md); research-only caption sets (Multi30k, xFlickr&CO, XTD10) are never included.
using System.Text.Json;
using Parquet;
using Parquet.Schema;

string shared = args.Length > 0 ? args[0] : Path.Combine("..", "shared");
string samples = Path.GetDirectoryName(Path.GetFullPath(AppContext.GetData("EntryPointFilePath") as string ?? "samples/build-sample.cs"))!;
if (!Directory.Exists(Path.Combine(shared, "data")))
{
    Console.Error.WriteLine($"build-sample: {shared} is not the shared data folder (it has no data/ folder)");
    return 2;
}

var rows = new List<Row>();

// WIT reference descriptions (IGLUE test files), CC BY-SA 3.0: up to 250 captions per language.
string wit = Path.Combine(shared, "data", "iglue-wit-xflickrco", "datasets", "wit", "annotations");
foreach (string language in new[] { "ar", "bg", "da", "el", "en", "et", "id", "ja", "ko", "tr", "vi" })
{
    foreach (string line in File.ReadLines(Path.Combine(wit, $"test_{language}.jsonl")).Take(250))
    {
        using var doc = JsonDocument.Parse(line);
        var o = doc.RootElement;
        rows.Add(new Row("wit:" + o.GetProperty("wit_ix").GetString(), o.GetProperty("image_url").GetString(),
            o.GetProperty("caption_reference_description").GetString(), o.GetProperty("language").GetString() ?? "", "wit-reference"));
    }
}

// COCO-CN iCap2020 extension, MIT: the first 400 Chinese sentences.
foreach (string line in File.ReadLines(Path.Combine(shared, "data", "coco-cn", "coco-cn_ext.icap2020.txt")).Take(400))
{
    var parts = line.Split('\t', 2);
    rows.Add(new Row("coco-cn:" + parts[0].Split('#')[0], null, parts[1], "zh", "coco-cn-icap2020"));
}

int firstParquetRow = rows.Count;

// Dutch image descriptions, Apache-2.0: the five descriptions of each of the first 100 validation images.
string dutch = Path.Combine(shared, "data", "dutch-descriptions", "Data");
var images = File.ReadLines(Path.Combine(dutch, "splits", "val_images.txt")).Take(100).ToList();
var descriptions = Enumerable.Range(0, 5).Select(k => File.ReadLines(Path.Combine(dutch, "Dutch", "Val", $"val.{k}")).Take(100).ToList()).ToList();
for (int i = 0; i < images.Count; i++)
{
    for (int k = 0; k < 5; k++)
    {
        rows.Add(new Row("dutch:" + images[i], null, descriptions[k][i], "nl", "dutch-descriptions"));
    }
}

// LAION-style alt-texts from img2dataset's test file, CC-BY 4.0: 1,000 rows, no language label, uuid from the URL.
await using (var laion = await ParquetReader.CreateAsync(Path.Combine(shared, "data", "img2dataset-laion-sample", "test_1000.parquet")))
{
    var fields = laion.Schema.GetDataFields();
    var url = fields.First(f => f.Name == "URL");
    var text = fields.First(f => f.Name == "TEXT");
    for (int g = 0; g < laion.RowGroupCount; g++)
    {
        using var group = laion.OpenRowGroupReader(g);
        var urls = new string?[group.RowCount];
        var texts = new string?[group.RowCount];
        await group.ReadAsync(url, urls.AsMemory());
        await group.ReadAsync(text, texts.AsMemory());
        for (int i = 0; i < urls.Length; i++)
        {
            rows.Add(new Row(null, urls[i], texts[i], "", "laion-alt"));
        }
    }
}

string snapshot = Path.Combine(samples, "snapshot");
Directory.CreateDirectory(snapshot);
foreach (string old in Directory.GetFiles(snapshot, "*.parquet"))
{
    File.Delete(old);
}

await WriteAsync(Path.Combine(snapshot, "part-00000.parquet"), rows[..firstParquetRow]);
await WriteAsync(Path.Combine(snapshot, "part-00001.parquet"), rows[firstParquetRow..]);

// The metadata is built by the project's own command (samples/README.md):
//   metaclip metadata build --wordnet SHARED/data --cldr --unigram-counts SHARED/data/frequencywords/top10k \
//     --languages ar,bg,da,el,en,et,id,ja,ko,nl,tr,vi,zh --out samples/metadata
Console.WriteLine($"wrote {rows.Count} rows to {snapshot}");
return 0;

// Row groups of about 1,000 rows, never splitting the texts of one image.
static async Task WriteAsync(string path, List<Row> rows)
{
    var uuid = new DataField<string>("uuid");
    var url = new DataField<string>("url");
    var text = new DataField<string>("text");
    var lang = new DataField<string>("lang");
    var key = new DataField<string>("key");
    await using var stream = File.Create(path);
    await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(uuid, url, text, lang, key), stream,
        new ParquetOptions { CompressionMethod = CompressionMethod.Snappy });
    int start = 0;
    while (start < rows.Count)
    {
        int end = Math.Min(rows.Count, start + 1000);
        while (end < rows.Count && rows[end].Uuid is not null && rows[end].Uuid == rows[end - 1].Uuid)
        {
            end++;
        }

        var part = rows[start..end];
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(uuid, part.Select(r => r.Uuid).ToArray());
        await group.WriteAsync(url, part.Select(r => r.Url).ToArray());
        await group.WriteAsync(text, part.Select(r => r.Text).ToArray());
        await group.WriteAsync(lang, part.Select(r => r.Lang).ToArray());
        await group.WriteAsync(key, part.Select(r => r.Key).ToArray());
        start = end;
    }
}

internal sealed record Row(string? Uuid, string? Url, string? Text, string Lang, string Key);
