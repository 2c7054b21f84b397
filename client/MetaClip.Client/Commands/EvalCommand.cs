using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MetaClip.Engine.Storage;
using MetaClip.Training;

namespace MetaClip.Client.Commands;

/// <summary>
/// <c>metaclip eval --checkpoint RUN --task zeroshot|retrieval …</c>: multilingual zero-shot classification (class names
/// per language) or image↔text retrieval recall@1/5/10 per language, of a trained model.
/// </summary>
internal static class EvalCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create(TextWriter output)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A run folder (its model.ckpt, else its newest checkpoint) or a checkpoint file inside one.", Required = true, HelpName = "RUN" };
        var task = new Option<string>("--task") { Description = "zeroshot: classify --images against --classes in every language; retrieval: recall@k over the --pairs, per language.", Required = true };
        task.AcceptOnlyFromAmong("zeroshot", "retrieval");
        var images = new Option<string?>("--images") { Description = "zeroshot: a Parquet file with the image bytes (image/jpg/png) and an int32 label column.", HelpName = "FILE" };
        var classes = new Option<string?>("--classes") { Description = "zeroshot: class names per language: JSON {\"en\": [...], ...}, derived-class-labels' or Babel-ImageNet's file, or a CLIP_benchmark folder of {lang}_classnames.json (with --dataset).", HelpName = "PATH" };
        var templates = new Option<string?>("--templates") { Description = "zeroshot: prompt templates with {} or {c} for the name: a JSON list (all languages), {lang: [...]} (Babel-ImageNet's NLLB prompts), or a CLIP_benchmark file or folder (with --dataset); default: the bare name.", HelpName = "PATH" };
        var dataset = new Option<string?>("--dataset") { Description = "zeroshot: which dataset's list to take from CLIP_benchmark files that hold several (e.g. imagenet1k, cifar10, mnist).", HelpName = "NAME" };
        var languages = new Option<string?>("--languages") { Description = "zeroshot: a comma-separated subset of the languages (default: every language that names at least two classes).", HelpName = "LIST" };
        var pairs = new Option<string?>("--pairs") { Description = "retrieval: curated Parquet (text, lang and image columns), a file or a folder.", HelpName = "PATH" };
        var outFile = new Option<string?>("--out") { Description = "Also write the results as JSON to this file.", HelpName = "FILE" };
        var command = new Command("eval",
            "Evaluate a trained model: multilingual zero-shot classification or image-text retrieval.\n\n" +
            "Example:\n  metaclip eval --checkpoint out/fashion-run --task zeroshot --images samples/fashion/heldout.parquet --classes samples/fashion/classes.json")
        {
            checkpoint, task, images, classes, templates, dataset, languages, pairs, outFile,
        };
        command.Validators.Add(r =>
        {
            string? t = r.GetValue(task);
            if (t == "zeroshot" && (r.GetValue(images) is null || r.GetValue(classes) is null))
            {
                r.AddError("--task zeroshot needs --images and --classes");
            }

            if (t == "retrieval" && r.GetValue(pairs) is null)
            {
                r.AddError("--task retrieval needs --pairs");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var store = DataStore.FromEnvironment();
            try
            {
                var (model, step, run) = await LoadModelAsync(store, DataStore.Normalize(parse.GetRequiredValue(checkpoint)), cancellationToken).ConfigureAwait(false);
                using (model)
                {
                    var tokenizer = await TrainingRun.ReadTokenizerAsync(store, run, cancellationToken).ConfigureAwait(false);
                    object results = parse.GetRequiredValue(task) == "zeroshot"
                        ? await ZeroShotAsync(output, model, tokenizer, parse.GetValue(images)!, parse.GetValue(classes)!, parse.GetValue(templates), parse.GetValue(dataset), parse.GetValue(languages), cancellationToken).ConfigureAwait(false)
                        : await RetrievalAsync(output, model, tokenizer, parse.GetValue(pairs)!, cancellationToken).ConfigureAwait(false);
                    await output.WriteLineAsync($"(model {model.Config.Name} at step {step:N0})").ConfigureAwait(false);
                    if (parse.GetValue(outFile) is string file)
                    {
                        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(results, Json), cancellationToken).ConfigureAwait(false);
                        await output.WriteLineAsync($"Results: {file}").ConfigureAwait(false);
                    }
                }

                return MetaClipCommandLine.Success;
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException)
            {
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                throw new IOException(e.Message, e);
            }
        });
        return command;
    }

    private static async Task<(ClipModel Model, long Step, string Run)> LoadModelAsync(DataStore store, string location, CancellationToken cancellationToken)
    {
        string file = location, run = location;
        var kind = await store.KindAsync(location, cancellationToken).ConfigureAwait(false);
        if (kind == StoredKind.Missing)
        {
            throw new FileNotFoundException($"{location}: no such run folder or checkpoint");
        }

        if (kind == StoredKind.Folder)
        {
            file = DataStore.Combine(location, TrainingRun.ModelFile);
            string folder = DataStore.Combine(location, TrainingRun.CheckpointsFolder);
            if (await store.KindAsync(file, cancellationToken).ConfigureAwait(false) != StoredKind.File)
            {
                if (await store.KindAsync(folder, cancellationToken).ConfigureAwait(false) != StoredKind.Folder)
                {
                    throw new FileNotFoundException($"{location}: a folder without model.ckpt or checkpoints/: not a training run (metaclip train --out)");
                }

                var checkpoints = (await store.ListAsync(folder, cancellationToken).ConfigureAwait(false))
                    .Where(f => f.Name.EndsWith(".ckpt", StringComparison.Ordinal)).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
                file = checkpoints.Count > 0 ? checkpoints[^1].Location : throw new FileNotFoundException($"{location}: a training run without model.ckpt or any checkpoint yet");
            }
        }
        else
        {
            // A checkpoint file: in the run folder, or in its checkpoints/ folder.
            string parent = location[..Math.Max(0, location.Replace('\\', '/').LastIndexOf('/'))];
            run = DataStore.NameOf(parent) == TrainingRun.CheckpointsFolder ? parent[..Math.Max(0, parent.LastIndexOf('/'))] : parent;
        }

        await using var stream = await store.OpenReadAsync(file, cancellationToken).ConfigureAwait(false);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
        copy.Position = 0;
        var (model, step) = ClipTrainer.ReadModel(copy, file);
        return (model, step, run.Length == 0 ? "." : run);
    }

    private static async Task<List<ZeroShotResult>> ZeroShotAsync(TextWriter output, ClipModel model, ClipTokenizer tokenizer, string imagesFile, string classesLocation,
        string? templatesLocation, string? dataset, string? languages, CancellationToken cancellationToken)
    {
        var inv = CultureInfo.InvariantCulture;
        var names = ClassNames.Load(classesLocation, dataset);
        var data = await LabeledImages.LoadAsync(imagesFile, model.Config.ImageSize, cancellationToken).ConfigureAwait(false);
        if (data.Skipped.Count > 0)
        {
            await output.WriteLineAsync($"skipped {data.Skipped.Count} images (first: {data.Skipped[0]})").ConfigureAwait(false);
        }

        int classes = names.ByLanguage.Values.First().Length;
        if (data.Labels.FirstOrDefault(l => l < 0 || l >= classes, -1) is int bad && bad != -1)
        {
            throw new InvalidDataException($"evaluation images {Path.GetFileName(imagesFile)}: label {bad} is outside the {classes} classes of {Path.GetFileName(classesLocation)}");
        }

        var prompts = templatesLocation is null ? null : PromptTemplates.Load(templatesLocation, dataset);
        var chosen = languages is null ? names.Usable.ToList() : [.. languages.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ClassNames.LanguageCode)];
        var results = new List<ZeroShotResult>();
        await output.WriteLineAsync($"zero-shot top-1 on {data.Count:N0} images, {classes} classes").ConfigureAwait(false);
        foreach (string language in chosen)
        {
            if (!names.ByLanguage.TryGetValue(language, out var list) || list.Count(n => !string.IsNullOrWhiteSpace(n)) < 2)
            {
                throw new InvalidDataException($"class names {Path.GetFileName(classesLocation)}: language '{language}' names fewer than two classes");
            }

            var templatesFor = prompts?.For(language);
            int prompted = templatesFor?.Count ?? 1;
            var result = Evaluation.ZeroShot(model, tokenizer, language, data.Pixels, data.Labels, list, templatesFor);
            results.Add(result);
            await output.WriteLineAsync(string.Create(inv,
                $"  {language,-8} {result.Accuracy,7:P1}  ({result.Images:N0} images, {list.Count(n => !string.IsNullOrWhiteSpace(n))} classes, {prompted} prompt{(prompted == 1 ? "" : "s")})")).ConfigureAwait(false);
        }

        await output.WriteLineAsync(string.Create(inv, $"  {"mean",-8} {results.Average(r => r.Accuracy),7:P1}")).ConfigureAwait(false);
        return results;
    }

    private static async Task<List<RetrievalResult>> RetrievalAsync(TextWriter output, ClipModel model, ClipTokenizer tokenizer, string pairsLocation, CancellationToken cancellationToken)
    {
        var inv = CultureInfo.InvariantCulture;
        var pairs = await CuratedPairs.LoadAsync(pairsLocation, model.Config.ImageSize, cancellationToken).ConfigureAwait(false);
        int length = 3 * model.Config.ImageSize * model.Config.ImageSize;
        var results = new List<RetrievalResult>();
        await output.WriteLineAsync($"retrieval recall@1/5/10 on {pairs.Count:N0} pairs (image→text | text→image)").ConfigureAwait(false);
        foreach (var group in Enumerable.Range(0, pairs.Count).GroupBy(i => pairs.Languages[i]).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var members = group.ToList();
            var pixels = new float[members.Count * length];
            for (int j = 0; j < members.Count; j++)
            {
                pairs.CopyImage(members[j], pixels.AsSpan(j * length, length));
            }

            var r = Evaluation.Retrieval(model, tokenizer, group.Key, pixels, [.. members.Select(i => pairs.Texts[i])]);
            results.Add(r);
            await output.WriteLineAsync(string.Create(inv,
                $"  {(group.Key.Length == 0 ? "-" : group.Key),-8} {r.Pairs,6:N0}  {r.ImageToText1:P1} {r.ImageToText5:P1} {r.ImageToText10:P1} | {r.TextToImage1:P1} {r.TextToImage5:P1} {r.TextToImage10:P1}")).ConfigureAwait(false);
        }

        return results;
    }
}
