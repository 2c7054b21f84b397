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
/// The training loop of one CLIP model: AdamW (<see cref="AdamWOptimizer"/>; β2 0.95, decay only on matrices), linear warm-up then cosine,
/// gradient clipping, gradient accumulation, bf16 passes by hand (<see cref="TrainingOptions.Precision"/>), and
/// checkpoints (model, optimiser state, step, RNG) from which a run resumes bit for bit on the same device and thread count.
/// </summary>
public sealed class ClipTrainer : IDisposable
{
    private static ReadOnlySpan<byte> Magic => "MCLIPCK\n"u8;

    private const int FormatVersion = 2;

    private readonly AdamWOptimizer _optimizer;
    private readonly Scalar _microBatchShare;
    private readonly Generator _random;
    private readonly Device _device;

    // bf16 by hand: the bf16 copy that runs forward and backward (null in float32), and its parameters paired with
    // the float32 ones in the same (construction) order.
    private readonly ClipModel? _working;
    private readonly (Parameter Master, Parameter Working)[] _pairs = [];

    public ClipTrainer(ClipModel model, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Model = model;
        Options = options;
        _device = options.ResolveDevice();
        model.to(_device);
        if (options.UsesBFloat16(_device))
        {
            _working = ClipModel.Create(model.Config, model.VocabularySize, seed: 0);
            _working.to(ScalarType.BFloat16).to(_device);
            _pairs = [.. model.parameters().Zip(_working.parameters())];
            CopyWeightsToWorking();
        }

        var (decay, noDecay) = model.WeightDecayGroups();
        _optimizer = new AdamWOptimizer([(decay, options.WeightDecay), (noDecay, 0)], options.Beta1, options.Beta2, options.Epsilon);
        _microBatchShare = 1.0 / options.AccumulationSteps;
        _random = new Generator(unchecked((ulong)options.Seed), torch.CPU);
    }

    /// <summary>The model: float32 weights, the ones the optimiser updates and the checkpoint holds.</summary>
    public ClipModel Model { get; }

    /// <summary>Whether forward and backward run in bf16.</summary>
    public bool BFloat16 => _working is not null;

    /// <summary>The device the model trains on.</summary>
    public Device Device => _device;

    public TrainingOptions Options { get; }

    /// <summary>Optimiser steps done (the next step's index).</summary>
    public long Step { get; private set; }

    /// <summary>One optimiser step over <see cref="TrainingOptions.AccumulationSteps"/> micro-batches; returns their mean loss.</summary>
    public double TrainStep(IPairBatches data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var net = _working ?? Model;
        net.train();
        net.zero_grad();
        double total = 0;
        for (int micro = 0; micro < Options.AccumulationSteps; micro++)
        {
            using var scope = NewDisposeScope();
            using var batch = data.Batch(Step, micro, Options.BatchSize);
            var pixels = batch.Images.to(_device);
            if (_working is not null)
            {
                pixels = pixels.to(ScalarType.BFloat16);
            }

            var (images, texts, scale) = net.forward(pixels, batch.Tokens.to(_device));

            // The loss (a softmax over the batch) in float32 whatever the passes ran in.
            var loss = ClipModel.ContrastiveLoss(images.to(ScalarType.Float32), texts.to(ScalarType.Float32), scale.to(ScalarType.Float32));
            total += loss.item<float>();
            loss.mul(_microBatchShare).backward();
        }

        if (_working is not null)
        {
            CopyGradientsToMaster();
        }

        if (Options.GradientClip > 0)
        {
            _optimizer.ClipGradients(Options.GradientClip);
        }

        _optimizer.Step(Options.LearningRateAt(Step));
        if (_working is not null)
        {
            CopyWeightsToWorking();
        }

        Step++;
        return total / Options.AccumulationSteps;
    }

    /// <summary>
    /// The run's own random generator (seeded with <see cref="TrainingOptions.Seed"/>), for stochastic steps such as
    /// augmentation or dropout. The loop has none today, so nothing draws from it yet; it is checkpointed so that one
    /// added later resumes exactly. (libtorch's process-wide generator is not the run's: other runs share it.)
    /// </summary>
    public Generator Random => _random;

    /// <summary>Writes the model, the optimiser's state, the step and the run's generator state.</summary>
    public void SaveCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(Model.Config.Name);
        writer.Write(Model.VocabularySize);
        writer.Write(Step);
        using (var state = _random.get_state())
        {
            byte[] rng = state.data<byte>().ToArray();
            writer.Write(rng.Length);
            writer.Write(rng);
        }

        Model.save(writer);
        _optimizer.Save(writer);
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
            var (preset, vocabulary, step, rng) = ReadHeader(reader, source);
            if (preset != Model.Config.Name || vocabulary != Model.VocabularySize)
            {
                throw new InvalidDataException($"checkpoint {source}: a {preset} model with {vocabulary} tokens, not the {Model.Config.Name} model with {Model.VocabularySize} tokens being trained");
            }

            Model.load(reader);
            Model.to(_device);
            _optimizer.Load(reader, source);
            if (_working is not null)
            {
                CopyWeightsToWorking();
            }

            using (var state = torch.tensor(rng, dtype: ScalarType.Byte))
            {
                _random.set_state(state);
            }

            Step = step;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"checkpoint {source}: truncated", e);
        }
    }

    /// <summary>The model of a checkpoint (for evaluation: the optimiser's state is not read) and its step.</summary>
    public static (ClipModel Model, long Step) ReadModel(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            var (preset, vocabulary, step, _) = ReadHeader(reader, source);
            var model = ClipModel.Create(ClipConfig.Preset(preset), vocabulary, seed: 0);
            model.load(reader);
            model.eval();
            return (model, step);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"checkpoint {source}: truncated", e);
        }
    }

    private static (string Preset, int Vocabulary, long Step, byte[] Random) ReadHeader(BinaryReader reader, string source)
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
        long step = reader.ReadInt64();
        byte[] random = reader.ReadBytes(reader.ReadInt32());
        return (preset, vocabulary, step, random);
    }

    private void CopyWeightsToWorking()
    {
        using var noGrad = no_grad();
        foreach (var (master, working) in _pairs)
        {
            working.copy_(master, false);
        }
    }

    private void CopyGradientsToMaster()
    {
        using var scope = NewDisposeScope();
        foreach (var (master, working) in _pairs)
        {
            if (working.grad is Tensor g)
            {
                master.grad = g.to(ScalarType.Float32);
            }
        }
    }

    public void Dispose()
    {
        _working?.Dispose();
        _optimizer.Dispose();
        _microBatchShare.Dispose();
        _random.Dispose();
    }
}
