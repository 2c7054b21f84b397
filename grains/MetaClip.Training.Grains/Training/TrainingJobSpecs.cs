using MetaClip.GrainInterfaces;

namespace MetaClip.Training.Grains;

/// <summary>The wire form of a training job and the run it describes.</summary>
public static class TrainingJobSpecs
{
    /// <summary>The <see cref="TrainingRun"/> settings of a submitted job.</summary>
    public static TrainingRunSpec ToRunSpec(TrainingJobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new()
        {
            Job = spec.CurationOutput,
            Online = spec.Online,
            Preset = spec.Preset,
            Tokenizer = spec.Tokenizer,
            CheckpointEvery = spec.CheckpointEvery,
            Training = new TrainingOptions
            {
                Steps = spec.Steps,
                BatchSize = spec.BatchSize,
                AccumulationSteps = spec.AccumulationSteps,
                LearningRate = spec.LearningRate,
                WarmupSteps = spec.WarmupSteps,
                Seed = spec.Seed,
                Device = spec.Device ?? "auto",
                Precision = spec.Precision is null ? TrainingPrecision.Auto
                    : Enum.TryParse<TrainingPrecision>(spec.Precision, ignoreCase: true, out var precision) ? precision
                    : throw new ArgumentException($"training job: precision '{spec.Precision}' is none of auto, fp32, bf16"),
            },
        };
    }
}
