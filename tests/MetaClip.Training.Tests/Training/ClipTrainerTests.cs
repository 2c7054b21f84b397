using TorchSharp;

namespace MetaClip.Training.Tests.Training;

/// <summary>The training loop on the tiny preset, on this machine's CPU (libtorch).</summary>
public sealed class ClipTrainerTests
{
    private static readonly ClipConfig Tiny = ClipConfig.Preset("tiny");

    [Theory]
    [InlineData(TrainingPrecision.Fp32)]
    [InlineData(TrainingPrecision.Bf16)]
    public void The_loss_falls_on_a_tiny_run(TrainingPrecision precision)
    {
        var options = new TrainingOptions { Steps = 80, BatchSize = 16, LearningRate = 2e-3, WarmupSteps = 5, Seed = 11, Precision = precision, Device = "cpu" };
        var (trainer, data) = Create(options);
        using (trainer)
        {
            var losses = Enumerable.Range(0, options.Steps).Select(_ => trainer.TrainStep(data)).ToList();
            double first = losses.Take(5).Average(), last = losses.TakeLast(10).Average();
            Assert.True(last < first * 0.6, $"loss {first:0.000} over the first 5 steps, {last:0.000} over the last 10: it did not learn");
            Assert.Equal(options.Steps, trainer.Step);
            Assert.Equal(precision == TrainingPrecision.Bf16, trainer.BFloat16);

            // The weights the optimiser keeps (and a checkpoint holds) stay float32 either way.
            Assert.All(trainer.Model.parameters(), p => Assert.Equal(torch.ScalarType.Float32, p.dtype));
        }
    }

    [Theory]
    [InlineData(TrainingPrecision.Fp32)]
    [InlineData(TrainingPrecision.Bf16)]
    public void Resuming_from_a_checkpoint_continues_bit_identically(TrainingPrecision precision)
    {
        var options = new TrainingOptions { Steps = 8, BatchSize = 8, AccumulationSteps = 2, LearningRate = 1e-3, WarmupSteps = 2, Seed = 5, Precision = precision };

        var (straight, data) = Create(options);
        var straightLosses = Enumerable.Range(0, 8).Select(_ => straight.TrainStep(data)).ToList();

        var (first, data2) = Create(options);
        var checkpoint = new MemoryStream();
        for (int i = 0; i < 4; i++)
        {
            first.TrainStep(data2);
        }

        first.SaveCheckpoint(checkpoint);
        first.Dispose();

        // A fresh process would start from other weights and another generator state: the checkpoint replaces both.
        var (resumed, data3) = Create(options, initialWeightsSeed: 99);
        checkpoint.Position = 0;
        resumed.LoadCheckpoint(checkpoint, "memory");
        Assert.Equal(4, resumed.Step);
        var resumedLosses = Enumerable.Range(0, 4).Select(_ => resumed.TrainStep(data3)).ToList();

        Assert.Equal(straightLosses.Skip(4), resumedLosses);
        var expected = straight.Model.state_dict();
        foreach (var (name, tensor) in resumed.Model.state_dict())
        {
            var want = System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(expected[name].data<float>().ToArray());
            var got = System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(tensor.data<float>().ToArray());
            Assert.True(want.SequenceEqual(got), $"{name} differs (bitwise) after the resumed run");
        }

        straight.Dispose();
        resumed.Dispose();
    }

    [Fact]
    public void A_truncated_checkpoint_is_an_error_naming_it()
    {
        var (trainer, data) = Create(new TrainingOptions { Steps = 2, BatchSize = 4, WarmupSteps = 1 });
        using (trainer)
        {
            trainer.TrainStep(data);
            var checkpoint = new MemoryStream();
            trainer.SaveCheckpoint(checkpoint);
            var truncated = new MemoryStream(checkpoint.ToArray()[..(int)(checkpoint.Length / 2)]);
            var e = Assert.Throws<InvalidDataException>(() => trainer.LoadCheckpoint(truncated, "ckpt-1.bin"));
            Assert.Contains("checkpoint ckpt-1.bin", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_schedule_warms_up_linearly_then_decays_by_cosine_to_zero()
    {
        var options = new TrainingOptions { Steps = 110, WarmupSteps = 10, LearningRate = 1e-3 };
        Assert.Equal(1e-4, options.LearningRateAt(0), 12);
        Assert.Equal(1e-3, options.LearningRateAt(9), 12);
        Assert.Equal(1e-3, options.LearningRateAt(10), 12);
        Assert.Equal(5e-4, options.LearningRateAt(60), 12);
        Assert.Equal(0, options.LearningRateAt(110), 12);
    }

    [Fact]
    public void Gains_biases_and_the_logit_scale_get_no_weight_decay()
    {
        using var model = ClipModel.Create(Tiny, 100, seed: 0);
        var (decay, noDecay) = model.WeightDecayGroups();
        var names = model.named_parameters().ToDictionary(p => p.parameter.Handle, p => p.name);
        var exempt = noDecay.Select(p => names[p.Handle]).ToList();
        Assert.Contains("logit_scale", exempt);
        Assert.Contains(exempt, n => n.EndsWith(".bias", StringComparison.Ordinal));
        Assert.Contains(exempt, n => n.Contains("ln_", StringComparison.Ordinal));
        Assert.All(decay, p => Assert.True(p.dim() >= 2));
        Assert.Contains(decay.Select(p => names[p.Handle]), n => n == "visual.conv1.weight");
    }

    private static (ClipTrainer Trainer, SyntheticShapes Data) Create(TrainingOptions options, long? initialWeightsSeed = null)
    {
        var tokenizer = ClipTokenizer.O200k(SyntheticShapes.Captions);
        var model = ClipModel.Create(Tiny, tokenizer.VocabularySize, initialWeightsSeed ?? options.Seed);
        return (new ClipTrainer(model, options), new SyntheticShapes(tokenizer, Tiny.ContextLength, options.AccumulationSteps, options.Seed));
    }
}
