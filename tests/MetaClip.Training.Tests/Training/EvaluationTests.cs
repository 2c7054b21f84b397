namespace MetaClip.Training.Tests.Training;

/// <summary>Zero-shot evaluation: class names and templates in the shapes users bring, and languages that name a subset.</summary>
public sealed class EvaluationTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public void Class_names_and_templates_load_from_babel_imagenet_and_clip_benchmark_with_the_projects_language_codes()
    {
        string shared = SharedFolder.Require();
        string babel = Path.Combine(shared, "data", "babel-imagenet");
        var names = ClassNames.Load(Path.Combine(babel, "babel_imagenet.json"));
        Assert.Equal(1000, names.ByLanguage["de"].Length);
        Assert.Equal("Schleie", names.ByLanguage["de"][0]);
        Assert.Equal(134, names.ByLanguage["ne"].Count(n => n is not null));
        Assert.Contains("ne", names.Usable);
        Assert.DoesNotContain("ne", names.Complete);
        Assert.Contains("{}", PromptTemplates.Load(Path.Combine(babel, "nllb_dist13b_prompts.json")).For("ja")![0], StringComparison.Ordinal);

        string benchmark = Path.Combine(shared, "data", "clip-benchmark-classnames");
        var imagenet = ClassNames.Load(benchmark, "imagenet1k");
        Assert.Equal(1000, imagenet.ByLanguage["zh"].Length);
        Assert.Equal(1000, imagenet.ByLanguage["ja"].Length);
        var templates = PromptTemplates.Load(benchmark, "imagenet1k");
        Assert.Equal("{}の悪い写真", templates.For("ja")![0]);
        Assert.All(templates.For("en")!, t => Assert.Contains("{}", t, StringComparison.Ordinal));

        var e = Assert.Throws<InvalidDataException>(() => ClassNames.Load(benchmark, "no-such-set"));
        Assert.Contains("has no dataset 'no-such-set'", e.Message, StringComparison.Ordinal);
        Assert.Contains("_classnames.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_language_that_names_a_subset_of_the_classes_is_scored_over_those_classes_and_their_images()
    {
        string job = _dir.Combine("job");
        await FashionSample.CurateAsync(job);
        string run = _dir.Combine("run");
        var trained = await new TrainingRun(new TrainingRunSpec
        {
            Job = job,
            Online = true,
            CheckpointEvery = 100,
            Training = new TrainingOptions { Steps = 100, BatchSize = 32, LearningRate = 2e-3, WarmupSteps = 10, Seed = 2 },
        }, run).RunAsync();
        var tokenizer = await TrainingRun.ReadTokenizerAsync(MetaClip.Engine.Storage.DataStore.Local, run, CancellationToken.None);
        await using var file = File.OpenRead(trained.Checkpoint);
        var (model, _) = ClipTrainer.ReadModel(file, trained.Checkpoint);
        using (model)
        {
            var heldOut = await LabeledImages.LoadAsync(FashionSample.HeldOut, model.Config.ImageSize);
            string?[] english = ClassNames.Load(FashionSample.Classes).ByLanguage["en"];
            string?[] firstFour = [.. english.Select((n, k) => k < 4 ? n : null)];

            var all = Evaluation.ZeroShot(model, tokenizer, "en", heldOut.Pixels, heldOut.Labels, english, ["a photo of a {}.", "{}"]);
            var subset = Evaluation.ZeroShot(model, tokenizer, "en", heldOut.Pixels, heldOut.Labels, firstFour);
            Assert.Equal(800, all.Images);
            Assert.Equal(heldOut.Labels.Count(l => l < 4), subset.Images);
            Assert.All(subset.ClassAccuracy.Skip(4), a => Assert.True(double.IsNaN(a)));
            Assert.True(subset.Accuracy > 0.4, $"4 classes (chance 25 %): {subset.Accuracy:P1}");
            Assert.True(all.Accuracy > 0.3, $"8 classes (chance 12.5 %): {all.Accuracy:P1}");
        }
    }
}
