using System.Diagnostics;
using System.Globalization;
using MetaClip.Training;
using TorchSharp;

namespace MetaClip.Bench.Training;

/// <summary>
/// Training images/s of the tiny preset on fixed random batches (no data loading), the C# side of the comparison
/// with PyTorch (<c>bench/pytorch/tiny_clip_throughput.py</c> builds the same model, batch and optimiser).
/// </summary>
internal static class Throughput
{
    private const int Vocabulary = 1000;

    public static int Run(int steps, int batch, int threads, TrainingPrecision precision = TrainingPrecision.Fp32)
    {
        torch.set_num_threads(threads);
        var config = ClipConfig.Preset("tiny");
        using var model = ClipModel.Create(config, Vocabulary, seed: 0);
        using var trainer = new ClipTrainer(model, new TrainingOptions { Steps = steps + 5, BatchSize = batch, WarmupSteps = 5, LearningRate = 5e-4, Precision = precision, Device = "cpu" });
        var data = new FixedBatch(config, batch);
        for (int i = 0; i < 5; i++)
        {
            trainer.TrainStep(data);
        }

        var clock = Stopwatch.StartNew();
        double loss = 0;
        for (int i = 0; i < steps; i++)
        {
            loss = trainer.TrainStep(data);
        }

        double seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"torchsharp tiny ({(trainer.BFloat16 ? "bf16" : "fp32")}): {steps} steps x {batch} in {seconds:0.000} s = {steps * batch / seconds:0.0} images/s ({threads} threads, last loss {loss:0.0000})"));
        return 0;
    }

    private sealed class FixedBatch : IPairBatches
    {
        private readonly float[] _pixels;
        private readonly long[] _tokens;
        private readonly ClipConfig _config;

        public FixedBatch(ClipConfig config, int batch)
        {
            _config = config;
            var random = new Random(0);
            _pixels = [.. Enumerable.Range(0, batch * 3 * config.ImageSize * config.ImageSize).Select(_ => (float)((random.NextDouble() * 2) - 1))];
            _tokens = new long[batch * config.ContextLength];
            for (int b = 0; b < batch; b++)
            {
                // start, 12 tokens, end, padding: the shape of a short caption.
                _tokens[b * config.ContextLength] = ClipTokenizer.Start;
                for (int t = 1; t <= 12; t++)
                {
                    _tokens[(b * config.ContextLength) + t] = random.Next(ClipTokenizer.Reserved, Vocabulary);
                }

                _tokens[(b * config.ContextLength) + 13] = ClipTokenizer.End;
            }
        }

        public PairBatch Batch(long stepIndex, int microBatch, int batchSize) =>
            new(torch.tensor(_pixels, [batchSize, 3, _config.ImageSize, _config.ImageSize]), torch.tensor(_tokens, [batchSize, _config.ContextLength]));
    }
}
