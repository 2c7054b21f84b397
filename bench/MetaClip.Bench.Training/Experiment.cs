using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MetaClip.Engine.Pipeline;
using MetaClip.Training;

namespace MetaClip.Bench.Training;

/// <summary>One trained model's zero-shot accuracy: overall (mean over languages), on the tail classes, per language.</summary>
internal sealed record ArmResult(string Arm, long Seed, int Pairs, double Overall, double Tail, double Head, Dictionary<string, double> PerLanguage, double Seconds, double ImagesPerSecond, double FinalLoss);

/// <summary>
/// The small-scale experiment of issue 6: from a long-tailed, language-skewed Fashion-MNIST pool, train the same tiny
/// CLIP for the same number of seen pairs on (a) the raw pool, (b) the balanced curation (online: a fresh draw every
/// epoch), (c) the English rows of the pool only; evaluate zero-shot in every language on held-out images.
/// </summary>
internal static class Experiment
{
    public static async Task<int> RunAsync(string shared, string output, int seeds, int steps, int poolSize, ulong tEn)
    {
        var inv = CultureInfo.InvariantCulture;
        var data = FashionMnist.LoadTest(Path.Combine(shared, "data", "fashion-mnist-debian"));
        var names = FashionPool.Names(Path.Combine(shared, "data", "derived-class-labels", "fashion_mnist_cldr_labels.json"));
        var rows = FashionPool.Build(data, names, poolSize, seed: 1);
        string pool = Path.Combine(output, "pool");
        await FashionPool.WriteSnapshotAsync(data, rows, Path.Combine(pool, "snapshot", "part-00000.parquet"));
        FashionPool.WriteMetadata(names, Path.Combine(pool, "metadata"));

        // (b): curate the pool with this project (the engine; the embedded cluster gives identical outputs).
        string job = Path.Combine(output, "curated-job");
        var curation = await new CurationPipeline(new CurationOptions
        {
            Snapshot = Path.Combine(pool, "snapshot"),
            Metadata = Path.Combine(pool, "metadata"),
            Output = job,
            TEn = tEn,
            Columns = new MetaClip.Engine.Snapshots.SnapshotColumns { Lang = "lang" },
        }).RunAsync();
        Console.WriteLine(string.Create(inv, $"pool: {rows.Count:N0} rows; curated {curation.Report.Totals.ImagesKept:N0} (t_en = {tEn}, p = {curation.Report.P:0.####})"));

        // (a) and (c): the raw pool and its English rows, as curated-format pairs.
        await ExperimentFiles.WritePairsAsync(Path.Combine(output, "raw", "curated", "part-00000.parquet"),
            [.. rows.Select(r => (r.Text, r.Lang, FashionPool.Png(data, r.Image)))]);
        await ExperimentFiles.WritePairsAsync(Path.Combine(output, "english", "curated", "part-00000.parquet"),
            [.. rows.Where(r => r.Lang == "en").Select(r => (r.Text, r.Lang, FashionPool.Png(data, r.Image)))]);

        var (heldOutPng, heldOutLabels) = FashionPool.HeldOut(data);
        string heldOut = Path.Combine(output, "heldout.parquet");
        await ExperimentFiles.WriteAsync(heldOut, heldOutPng, heldOutLabels);
        var test = await LabeledImages.LoadAsync(heldOut, ClipConfig.Preset("tiny").ImageSize);

        var counts = FashionPool.Classes.Select((_, k) => rows.Count(r => r.Class == k)).ToArray();
        int[] tail = [.. Enumerable.Range(0, counts.Length).OrderBy(k => counts[k]).Take(4)];
        var results = new List<ArmResult>();
        var arms = new (string Name, string Job, bool Online)[] { ("raw", Path.Combine(output, "raw"), false), ("balanced", job, true), ("english-only", Path.Combine(output, "english"), false) };
        for (long seed = 1; seed <= seeds; seed++)
        {
            foreach (var (arm, armJob, online) in arms)
            {
                string run = Path.Combine(output, "runs", $"{arm}-seed{seed}");
                if (Directory.Exists(run))
                {
                    Directory.Delete(run, recursive: true);
                }

                var spec = new TrainingRunSpec
                {
                    Job = armJob,
                    Online = online,
                    Preset = "tiny",
                    CheckpointEvery = steps,
                    Training = new TrainingOptions { Steps = steps, BatchSize = 64, LearningRate = 1e-3, WarmupSteps = steps / 10, Seed = seed },
                };
                var clock = Stopwatch.StartNew();
                var trained = await new TrainingRun(spec, run).RunAsync();
                double seconds = clock.Elapsed.TotalSeconds;
                var tokenizer = await TrainingRun.ReadTokenizerAsync(MetaClip.Engine.Storage.DataStore.Local, run, CancellationToken.None);
                await using var checkpoint = File.OpenRead(trained.Checkpoint);
                var (model, _) = ClipTrainer.ReadModel(checkpoint, trained.Checkpoint);
                using (model)
                {
                    var perLanguage = new Dictionary<string, double>(StringComparer.Ordinal);
                    double tailSum = 0, headSum = 0;
                    foreach (string language in FashionPool.Languages)
                    {
                        var z = Evaluation.ZeroShot(model, tokenizer, language, test.Pixels, test.Labels, names[language]);
                        perLanguage[language] = z.Accuracy;
                        tailSum += tail.Average(k => z.ClassAccuracy[k]);
                        headSum += Enumerable.Range(0, counts.Length).Except(tail).Average(k => z.ClassAccuracy[k]);
                    }

                    var result = new ArmResult(arm, seed, trained.Pairs, perLanguage.Values.Average(), tailSum / perLanguage.Count, headSum / perLanguage.Count, perLanguage, seconds, trained.ImagesPerSecond, trained.FinalLoss);
                    results.Add(result);
                    Console.WriteLine(string.Create(inv, $"{arm,-13} seed {seed}: overall {result.Overall:P1}, tail {result.Tail:P1}, head {result.Head:P1}, loss {result.FinalLoss:0.000}, {seconds:0.0} s ({trained.ImagesPerSecond:0} img/s, data wait {trained.DataWaitShare:P1})"));
                }
            }
        }

        await File.WriteAllTextAsync(Path.Combine(output, "results.json"), JsonSerializer.Serialize(new { pool = rows.Count, t_en = tEn, p = curation.Report.P, steps, batch = 64, class_counts = counts, tail_classes = tail, languages = FashionPool.Languages, results }, FashionPool.Json));
        string table = Table(results, arms.Select(a => a.Name).ToArray());
        await File.WriteAllTextAsync(Path.Combine(output, "results.md"), table);
        Console.WriteLine(table);
        Plots.Write(output, results, [.. arms.Select(a => a.Name)], FashionPool.Languages);
        return 0;
    }

    private static string Table(List<ArmResult> results, string[] arms)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append("| arm | overall (mean ± sd) | tail classes | head classes | ").AppendJoin(" | ", FashionPool.Languages).Append(" |\n");
        text.Append("|---|---|---|---|").Append(string.Concat(Enumerable.Repeat("---|", FashionPool.Languages.Length))).Append('\n');
        foreach (string arm in arms)
        {
            var runs = results.Where(r => r.Arm == arm).ToList();
            text.Append(inv, $"| {arm} | {Stat(runs.Select(r => r.Overall))} | {Stat(runs.Select(r => r.Tail))} | {Stat(runs.Select(r => r.Head))} | ");
            text.AppendJoin(" | ", FashionPool.Languages.Select(l => (100 * runs.Average(r => r.PerLanguage[l])).ToString("0.0", inv))).Append(" |\n");
        }

        return text.ToString();
    }

    private static string Stat(IEnumerable<double> values)
    {
        var v = values.ToArray();
        double mean = v.Average();
        double sd = v.Length < 2 ? 0 : Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
        return string.Create(CultureInfo.InvariantCulture, $"{100 * mean:0.0} ± {100 * sd:0.0}");
    }
}
