using MetaClip.GrainInterfaces;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace MetaClip.Training.Grains.Tests.Training;

/// <summary>The training job spec as the previous version sent it (before Device and Precision, fields 12 and 13).</summary>
[GenerateSerializer, Immutable, Alias("MetaClip.Training.Grains.Tests.PreviousTrainingJobSpec")]
public sealed record PreviousTrainingJobSpec(
    [property: Id(0)] string CurationOutput,
    [property: Id(1)] string Run,
    [property: Id(2)] bool Online,
    [property: Id(3)] string Preset,
    [property: Id(4)] int Steps,
    [property: Id(5)] int BatchSize,
    [property: Id(6)] int AccumulationSteps,
    [property: Id(7)] double LearningRate,
    [property: Id(8)] int WarmupSteps,
    [property: Id(9)] long Seed,
    [property: Id(10)] int CheckpointEvery,
    [property: Id(11)] string? Tokenizer = null);

/// <summary>
/// A rolling upgrade mixes silos and clients of two versions: the training job spec gained two fields, and each
/// version must read what the other writes (Orleans' version-tolerant field encoding, by field id).
/// </summary>
public sealed class TrainingJobSpecCompatibilityTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Fact]
    public void A_spec_from_the_previous_version_reads_without_the_new_fields_and_trains_with_their_defaults()
    {
        // Regression: the fields were non-nullable with constructor defaults ("auto"), which deserialisation does not
        // apply: an older client's spec arrived with null there and failed the job.
        var previous = new PreviousTrainingJobSpec("out/job", "out/run", true, "tiny", 300, 64, 2, 1e-3, 30, 7, 50, "spm.model");
        var read = Serializer.Deserialize<TrainingJobSpec>(Serializer.SerializeToArray(previous))!;
        Assert.Equal(new TrainingJobSpec("out/job", "out/run", true, "tiny", 300, 64, 2, 1e-3, 30, 7, 50, "spm.model"), read);

        var run = MetaClip.Training.Grains.TrainingJobSpecs.ToRunSpec(read);
        run.Validate();
        Assert.Equal("auto", run.Training.Device);
        Assert.Equal(MetaClip.Training.TrainingPrecision.Auto, run.Training.Precision);
        Assert.Equal(50, run.CheckpointEvery);
    }

    [Fact]
    public void A_spec_from_this_version_reads_in_the_previous_one_which_skips_the_fields_it_does_not_know()
    {
        var current = new TrainingJobSpec("out/job", "out/run", false, "small", 10, 32, 1, 5e-4, 1, 3, 5, null, "cuda:1", "Bf16");
        var read = Serializer.Deserialize<PreviousTrainingJobSpec>(Serializer.SerializeToArray(current));
        Assert.Equal(new PreviousTrainingJobSpec("out/job", "out/run", false, "small", 10, 32, 1, 5e-4, 1, 3, 5, null), read);
    }
}
