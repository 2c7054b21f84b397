using TorchSharp;
using static TorchSharp.torch;

namespace MetaClip.Training;

/// <summary>The number format of the forward and backward passes (the weights and the optimiser stay float32).</summary>
public enum TrainingPrecision
{
    /// <summary>bf16 on a CUDA device, float32 on a CPU.</summary>
    Auto,

    /// <summary>float32 throughout.</summary>
    Fp32,

    /// <summary>bf16 forward and backward, float32 weights and optimiser.</summary>
    Bf16,
}

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

    /// <summary>
    /// Where to train: <c>auto</c> (CUDA when libtorch sees a GPU, else the CPU), <c>cpu</c> or <c>cuda</c>
    /// (<c>cuda:N</c> for device N).
    /// </summary>
    public string Device { get; init; } = "auto";

    /// <summary>
    /// Forward and backward in bf16 by hand (TorchSharp has no autocast): a bf16 copy of the model computes the
    /// gradients, the float32 weights (the checkpoint's) take the optimiser step and are copied back.
    /// </summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Auto;

    /// <summary>The device <see cref="Device"/> names (a clear error when CUDA is asked for and absent).</summary>
    public Device ResolveDevice()
    {
        if (Device == "auto")
        {
            return cuda.is_available() ? CUDA : CPU;
        }

        if (Device.StartsWith("cuda", StringComparison.Ordinal) && !cuda.is_available())
        {
            throw new ArgumentException($"training options: device {Device} was asked for, but libtorch sees no CUDA device (a CPU build of libtorch, or no GPU): build with -p:TorchBackend=cuda on a GPU machine, or use --device cpu");
        }

        return torch.device(Device);
    }

    /// <summary>Whether the passes run in bf16 on <paramref name="device"/>.</summary>
    public bool UsesBFloat16(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return Precision == TrainingPrecision.Bf16 || (Precision == TrainingPrecision.Auto && device.type == DeviceType.CUDA);
    }

    public void Validate()
    {
        if (Steps < 1 || BatchSize < 2 || AccumulationSteps < 1 || WarmupSteps < 0 || !(LearningRate > 0))
        {
            throw new ArgumentException($"training options: steps ({Steps}) ≥ 1, batch size ({BatchSize}) ≥ 2, accumulation ({AccumulationSteps}) ≥ 1, warm-up ({WarmupSteps}) ≥ 0 and learning rate ({LearningRate}) > 0 are required");
        }

        if (!System.Text.RegularExpressions.Regex.IsMatch(Device, "^(auto|cpu|cuda(:[0-9]+)?)$"))
        {
            throw new ArgumentException($"training options: device '{Device}' is none of auto, cpu, cuda, cuda:N");
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
