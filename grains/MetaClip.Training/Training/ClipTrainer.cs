using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MetaClip.Training;

/// <summary>A micro-batch: normalised images <c>(batch, 3, size, size)</c> and token rows <c>(batch, context)</c>.</summary>
public sealed record PairBatch(Tensor Images, Tensor Tokens) : IDisposable
{
    public void Dispose()
    {
        Images.Dispose();
        Tokens.Dispose();
    }
}

/// <summary>
/// Where batches come from. A batch is a pure function of its position (step, micro-batch), so that a resumed
/// run reads exactly the batches the interrupted one would have read.
/// </summary>
public interface IPairBatches
{
    PairBatch Batch(long stepIndex, int microBatch, int batchSize);
}

/// <summary>
/// The training loop of one CLIP model: AdamW (β2 0.95, decay only on matrices), linear warm-up then cosine,
/// gradient clipping, gradient accumulation, and checkpoints (model, optimiser state, step, RNG) from which a run
/// resumes bit for bit on the same device and thread count.
/// </summary>
public sealed class ClipTrainer : IDisposable
{
    private static ReadOnlySpan<byte> Magic => "MCLIPCK\n"u8;

    private const int FormatVersion = 1;

    private readonly OptimizerHelper _optimizer;

    public ClipTrainer(ClipModel model, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Model = model;
        Options = options;
        var (decay, noDecay) = model.WeightDecayGroups();
        _optimizer = torch.optim.AdamW(
            [
                new AdamW.ParamGroup(decay, options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay, false, false),
                new AdamW.ParamGroup(noDecay, options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, 0, false, false),
            ],
            options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay, false, false);
    }

    public ClipModel Model { get; }

    public TrainingOptions Options { get; }

    /// <summary>Optimiser steps done (the next step's index).</summary>
    public long Step { get; private set; }

    /// <summary>One optimiser step over <see cref="TrainingOptions.AccumulationSteps"/> micro-batches; returns their mean loss.</summary>
    public double TrainStep(IPairBatches data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Model.train();
        _optimizer.zero_grad();
        double total = 0;
        for (int micro = 0; micro < Options.AccumulationSteps; micro++)
        {
            using var scope = NewDisposeScope();
            using var batch = data.Batch(Step, micro, Options.BatchSize);
            var (images, texts, scale) = Model.forward(batch.Images, batch.Tokens);
            var loss = ClipModel.ContrastiveLoss(images, texts, scale);
            total += loss.item<float>();
            (loss / Options.AccumulationSteps).backward();
        }

        if (Options.GradientClip > 0)
        {
            torch.nn.utils.clip_grad_norm_(Model.parameters(), Options.GradientClip);
        }

        double lr = Options.LearningRateAt(Step);
        foreach (var group in _optimizer.ParamGroups)
        {
            group.LearningRate = lr;
        }

        _optimizer.step()?.Dispose();

        Step++;
        return total / Options.AccumulationSteps;
    }

    /// <summary>Writes the model, the optimiser's state, the step and the default generator's state.</summary>
    public void SaveCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(Model.Config.Name);
        writer.Write(Model.VocabularySize);
        writer.Write(Step);
        using (var state = torch.random.get_rng_state())
        {
            byte[] rng = state.data<byte>().ToArray();
            writer.Write(rng.Length);
            writer.Write(rng);
        }

        Model.save(writer);
        _optimizer.save_state_dict(writer);
    }

    /// <summary>
    /// Restores a checkpoint written by <see cref="SaveCheckpoint"/> into this trainer, whose model must have the
    /// checkpoint's shape; <paramref name="source"/> names it in errors.
    /// </summary>
    public void LoadCheckpoint(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
            {
                throw new InvalidDataException($"checkpoint {source}: not a MetaClip training checkpoint");
            }

            int version = reader.ReadInt32();
            if (version != FormatVersion)
            {
                throw new InvalidDataException($"checkpoint {source}: format version {version}, expected {FormatVersion}");
            }

            string preset = reader.ReadString();
            int vocabulary = reader.ReadInt32();
            if (preset != Model.Config.Name || vocabulary != Model.VocabularySize)
            {
                throw new InvalidDataException($"checkpoint {source}: a {preset} model with {vocabulary} tokens, not the {Model.Config.Name} model with {Model.VocabularySize} tokens being trained");
            }

            long step = reader.ReadInt64();
            byte[] rng = reader.ReadBytes(reader.ReadInt32());
            Model.load(reader);
            _optimizer.load_state_dict(reader);
            using (var state = torch.tensor(rng, dtype: ScalarType.Byte))
            {
                torch.random.set_rng_state(state);
            }

            Step = step;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"checkpoint {source}: truncated", e);
        }
    }

    public void Dispose() => _optimizer.Dispose();
}
