using MetaClip.Curation;
using TorchSharp;
using static TorchSharp.torch;

namespace MetaClip.Training;

/// <summary>
/// Batches of <see cref="CuratedPairs"/> for <see cref="ClipTrainer"/>: sample <c>n</c> of the run (counted over steps,
/// micro-batches and rows) is pair <c>permutation(epoch)[n mod count]</c>, with <c>epoch = n / count</c> and a
/// permutation drawn from (seed, epoch) alone — so a batch is a pure function of its position and a resumed run
/// reads exactly the batches the interrupted one would have.
/// </summary>
public sealed class PairDataset : IPairBatches
{
    private readonly CuratedPairs _pairs;
    private readonly long[][] _tokens;
    private readonly int _context;
    private readonly int _microBatches;
    private readonly ulong _seed;
    private (long Epoch, int[] Order) _permutation = (-1, []);

    public PairDataset(CuratedPairs pairs, ClipTokenizer tokenizer, int context, int microBatchesPerStep, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (pairs.Count == 0)
        {
            throw new ArgumentException("no pairs to train on (every row was skipped)", nameof(pairs));
        }

        _pairs = pairs;
        _context = context;
        _microBatches = microBatchesPerStep;
        _seed = seed;
        _tokens = [.. pairs.Texts.Select(text =>
        {
            var row = new long[context];
            tokenizer.Encode(text, row);
            return row;
        })];
    }

    public PairBatch Batch(long stepIndex, int microBatch, int batchSize)
    {
        int size = _pairs.ImageSize, length = 3 * size * size;
        var pixels = new float[batchSize * length];
        var tokens = new long[batchSize * _context];
        long first = ((stepIndex * _microBatches) + microBatch) * batchSize;
        for (int j = 0; j < batchSize; j++)
        {
            long n = first + j;
            int pair = Order(n / _pairs.Count)[(int)(n % _pairs.Count)];
            _pairs.CopyImage(pair, pixels.AsSpan(j * length, length));
            _tokens[pair].CopyTo(tokens.AsSpan(j * _context, _context));
        }

        return new PairBatch(torch.tensor(pixels, [batchSize, 3, size, size]), torch.tensor(tokens, [batchSize, _context]));
    }

    private int[] Order(long epoch)
    {
        var cached = _permutation;
        if (cached.Epoch == epoch)
        {
            return cached.Order;
        }

        // Fisher–Yates driven by SplitMix64 of (seed, epoch) (the curation draw's mixer): the same on every machine and process.
        var order = Enumerable.Range(0, _pairs.Count).ToArray();
        ulong state = _seed ^ (0x9E3779B97F4A7C15UL * (ulong)(epoch + 1));
        for (int i = order.Length - 1; i > 0; i--)
        {
            state += 0x9E3779B97F4A7C15UL;
            int k = (int)(CounterDraw.Mix64(state) % (ulong)(i + 1));
            (order[i], order[k]) = (order[k], order[i]);
        }

        _permutation = (epoch, order);
        return order;
    }
}
