using System.Text.Json;
using MetaClip.Engine.Lid;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;

namespace MetaClip.Engine.Tests.Lid;

/// <summary>
/// Curation without a language column: every text is identified by lid.176, and the result is exactly the
/// result of a snapshot whose language column holds those labels; the outputs carry each chosen text's label.
/// </summary>
public sealed class LidCurationTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public async Task Identified_languages_curate_exactly_like_a_language_column_holding_the_same_labels()
    {
        string shared = SharedFolder.Require();
        string modelPath = LidModelFile.Require();
        var model = FastTextModel.Load(await File.ReadAllBytesAsync(modelPath), modelPath);
        var identifier = new LanguageIdentifier(model);
        var predictor = model.CreatePredictor();

        // Real sentences of 75 languages (every 6th), two texts per image; two files.
        var texts = FastTextReferenceTests.ReadTsv(Path.Combine(shared, "lid", "lingua-sentences.tsv")).Where((_, i) => i % 6 == 0).Select(r => r[1]).ToList();
        var labels = texts.Select(t => identifier.Identify(t, predictor)).ToList();
        WriteSnapshot("plain", texts, null);
        WriteSnapshot("labelled", texts, labels);

        var identified = await RunAsync("plain", "identified", lang: null, modelPath);
        var labelled = await RunAsync("labelled", "labelled", lang: "lang", lidModel: null);
        Assert.Equal(labelled.Report.Totals, identified.Report.Totals);
        foreach (string file in new[] { "thresholds.json", "decisions.jsonl" }.Concat(Directory.GetFiles(_dir.Combine("out-labelled", "entry_counts")).Select(f => "entry_counts/" + Path.GetFileName(f))))
        {
            Assert.Equal(File.ReadAllText(_dir.Combine("out-labelled", file)), File.ReadAllText(_dir.Combine("out-identified", file)));
        }

        // The curated rows carry the LID label of their chosen text beside its metadata language.
        var rows = Directory.GetFiles(_dir.Combine("out-identified", "curated")).SelectMany(File.ReadLines).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.NotEmpty(rows);
        var labelOf = texts.Zip(labels).GroupBy(p => p.First).ToDictionary(g => g.Key, g => g.First().Second);
        foreach (var row in rows)
        {
            Assert.Equal(labelOf[row.GetProperty("text").GetString()!], row.GetProperty("lid").GetString());
        }

        Assert.Contains(rows, r => r.GetProperty("lid").GetString() == "ja" && r.GetProperty("lang").GetString() == "ja");

        // Texts identified as a language without a list (German, say: the sample metadata has none) are texts of
        // "other", through lid_map.json's N/A.
        int german = labels.Count(l => l == "de");
        Assert.True(german > 0);
        using var thresholds = JsonDocument.Parse(File.ReadAllText(_dir.Combine("out-identified", "thresholds.json")));
        Assert.True(thresholds.RootElement.GetProperty("languages").GetProperty("other").GetProperty("texts").GetInt64() >= german);
    }

    [SkippableFact]
    public async Task A_missing_model_fails_the_job_naming_it_and_writes_nothing()
    {
        WriteSnapshot("plain", ["a dog", "ein Hund"], null);
        string missing = _dir.Combine("models", "lid.176.ftz");
        var e = await Assert.ThrowsAsync<CurationException>(() => RunAsync("plain", "none", lang: null, missing));
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir.Combine("out-none")) && Directory.EnumerateFiles(_dir.Combine("out-none"), "*", SearchOption.AllDirectories).Any());
    }

    private void WriteSnapshot(string name, List<string> texts, List<string>? labels)
    {
        for (int file = 0; file < 2; file++)
        {
            var lines = new List<string>();
            for (int i = file; i < texts.Count; i += 2)
            {
                var row = new Dictionary<string, string> { ["uuid"] = $"img-{i / 4}", ["url"] = $"https://example.org/{i}.jpg", ["text"] = texts[i] };
                if (labels is not null)
                {
                    row["lang"] = labels[i];
                }

                lines.Add(JsonSerializer.Serialize(row));
            }

            File.WriteAllLines(_dir.Combine(name, $"part-{file}.jsonl").EnsureFolder(), lines);
        }
    }

    private Task<CurationResult> RunAsync(string snapshot, string output, string? lang, string? lidModel) =>
        new CurationPipeline(new CurationOptions
        {
            Snapshot = _dir.Combine(snapshot),
            Metadata = Repository.Path("samples", "metadata"),
            Output = _dir.Combine("out-" + output),
            TEn = 5,
            Format = CuratedFormat.Jsonl,
            Columns = new SnapshotColumns { Lang = lang },
            LidModel = lidModel,
            Threads = 2,
        }).RunAsync();
}

internal static class PathExtensions
{
    public static string EnsureFolder(this string file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        return file;
    }
}
