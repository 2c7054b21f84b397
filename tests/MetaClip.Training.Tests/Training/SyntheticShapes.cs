using TorchSharp;

namespace MetaClip.Training.Tests.Training;

/// <summary>
/// Pairs made for the tests: a 32×32 image of one coloured square in one quadrant on a noisy background, and its
/// caption. Each pair is a pure function of its index (seeded from the run's seed), so batches are reproducible.
/// </summary>
internal sealed class SyntheticShapes(ClipTokenizer tokenizer, int context, int microBatchesPerStep, long seed) : IPairBatches
{
    public static readonly string[] Colours = ["red", "green", "blue", "yellow"];
    public static readonly string[] Places = ["top left", "top right", "bottom left", "bottom right"];

    private static readonly float[][] Rgb = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]];

    public static IEnumerable<string> Captions => Colours.SelectMany(c => Places.Select(p => Caption(c, p)));

    public PairBatch Batch(long stepIndex, int microBatch, int batchSize)
    {
        var pixels = new float[batchSize * 3 * 32 * 32];
        var tokens = new long[batchSize * context];
        for (int j = 0; j < batchSize; j++)
        {
            long index = (((stepIndex * microBatchesPerStep) + microBatch) * batchSize) + j;
            var random = new Random(unchecked((int)((seed * 1_000_003) + index)));
            int colour = random.Next(Colours.Length), place = random.Next(Places.Length);
            int top = place < 2 ? 2 : 18, left = place % 2 == 0 ? 2 : 18;
            for (int c = 0; c < 3; c++)
            {
                for (int y = 0; y < 32; y++)
                {
                    for (int x = 0; x < 32; x++)
                    {
                        bool inside = y >= top && y < top + 12 && x >= left && x < left + 12;
                        float value = inside ? Rgb[colour][c] : 0.5f;
                        pixels[(((j * 3) + c) * 1024) + (y * 32) + x] = value + ((float)random.NextDouble() - 0.5f) * 0.2f;
                    }
                }
            }

            tokenizer.Encode(Caption(Colours[colour], Places[place]), tokens.AsSpan(j * context, context));
        }

        return new PairBatch(torch.tensor(pixels, [batchSize, 3, 32, 32]), torch.tensor(tokens, [batchSize, context]));
    }

    private static string Caption(string colour, string place) => $"a {colour} square at the {place}";
}
