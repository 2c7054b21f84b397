namespace MetaClip.Training;

/// <summary>How a CLIP model is trained: schedule, optimiser and batches (MetaCLIP 2's choices by default).</summary>
public sealed record TrainingOptions
{
    /// <summary>Optimiser steps in all.</summary>
    public int Steps { get; init; } = 1_000;

    /// <summary>Pairs per micro-batch (the contrastive loss's negatives are the other pairs of the micro-batch).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Micro-batches whose gradients are summed before each optimiser step (effective batch = BatchSize × this).</summary>
    public int AccumulationSteps { get; init; } = 1;

    /// <summary>The peak learning rate, reached after the warm-up.</summary>
    public double LearningRate { get; init; } = 5e-4;

    /// <summary>Steps of linear warm-up from 0; then a cosine decay to 0 at <see cref="Steps"/>.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>AdamW's decoupled weight decay, on matrices and embeddings only (not gains, biases, logit scale).</summary>
    public double WeightDecay { get; init; } = 0.1;

    public double Beta1 { get; init; } = 0.9;

    public double Beta2 { get; init; } = 0.95;

    public double Epsilon { get; init; } = 1e-6;

    /// <summary>The gradients' global L2 norm is clipped to this (0: no clipping).</summary>
    public double GradientClip { get; init; } = 1.0;

    /// <summary>Seeds the model's initial weights and the data order.</summary>
    public long Seed { get; init; }

    public void Validate()
    {
        if (Steps < 1 || BatchSize < 2 || AccumulationSteps < 1 || WarmupSteps < 0 || !(LearningRate > 0))
        {
            throw new ArgumentException($"training options: steps ({Steps}) ≥ 1, batch size ({BatchSize}) ≥ 2, accumulation ({AccumulationSteps}) ≥ 1, warm-up ({WarmupSteps}) ≥ 0 and learning rate ({LearningRate}) > 0 are required");
        }
    }

    /// <summary>The learning rate of step <paramref name="step"/> (0-based): linear warm-up, then cosine to 0.</summary>
    public double LearningRateAt(long step)
    {
        if (step < WarmupSteps)
        {
            return LearningRate * (step + 1) / WarmupSteps;
        }

        double progress = Steps <= WarmupSteps ? 1 : (double)(step - WarmupSteps) / (Steps - WarmupSteps);
        return LearningRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progress)));
    }
}
