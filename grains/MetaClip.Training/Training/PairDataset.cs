using MetaClip.Engine.Curation;
using TorchSharp;

namespace MetaClip.Training;

/// <summary>A batch as arrays: <c>(batch, 3, size, size)</c> pixels and <c>(batch, context)</c> token ids.</summary>
public sealed record RawBatch(long Step, int MicroBatch, int BatchSize, int ImageSize, int Context, float[] Pixels, long[] Tokens)
{
    public PairBatch ToTensors() =>
        new(torch.tensor(Pixels, [BatchSize, 3, ImageSize, ImageSize]), torch.tensor(Tokens, [BatchSize, Context]));
}

/// <summary>
/// Batches of an <see cref="IPairPool"/> for <see cref="ClipTrainer"/>. Sample <c>n</c> of the run (counted over
/// steps, micro-batches and rows) falls in the epoch <c>e</c> whose draws cover it (epoch sizes added up in order)
/// and is pair <c>shuffle(e)[n − start(e)]</c> of that epoch's draw, the shuffle drawn from (seed, epoch) alone — so
/// a batch is a pure function of its position, and a resumed run reads exactly the batches the interrupted one would
/// have: the checkpoint's step is the data position.
/// </summary>
public sealed class PairDataset : IPairBatches
{
    private readonly IPairPool _pool;
    private readonly long[][] _tokens;
    private readonly int _context;
    private readonly int _microBatches;
    private readonly ulong _seed;
    private readonly List<long> _epochStarts = [0];
    private readonly Lock _lock = new();
    private (long Epoch, int[] Order) _permutation = (-1, []);

    public PairDataset(IPairPool pool, ClipTokenizer tokenizer, int context, int microBatchesPerStep, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (pool.Texts.Count == 0)
        {
            throw new ArgumentException("no pairs to train on (every row was skipped)", nameof(pool));
        }

        _pool = pool;
        _context = context;
        _microBatches = microBatchesPerStep;
        _seed = seed;
        _tokens = [.. pool.Texts.Select(text =>
        {
            var row = new long[context];
            tokenizer.Encode(text, row);
            return row;
        })];
    }

    /// <summary>The epoch sample <paramref name="sample"/> of the run falls in.</summary>
    public long EpochOf(long sample)
    {
        lock (_lock)
        {
            return Locate(sample).Epoch;
        }
    }

    public PairBatch Batch(long stepIndex, int microBatch, int batchSize) => Fill(stepIndex, microBatch, batchSize).ToTensors();

    /// <summary>
    /// The batch at a position as plain arrays (no tensors: safe to build on a background thread), in the arrays of
    /// <paramref name="reuse"/> when given (a batch of the same size whose tensors were made).
    /// </summary>
    public RawBatch Fill(long stepIndex, int microBatch, int batchSize, RawBatch? reuse = null)
    {
        int size = _pool.ImageSize, length = 3 * size * size;
        bool fits = reuse is not null && reuse.Pixels.Length == batchSize * length && reuse.Tokens.Length == batchSize * _context;
        var pixels = fits ? reuse!.Pixels : new float[batchSize * length];
        var tokens = fits ? reuse!.Tokens : new long[batchSize * _context];
        long first = ((stepIndex * _microBatches) + microBatch) * batchSize;
        lock (_lock)
        {
            for (int j = 0; j < batchSize; j++)
            {
                var (epoch, offset) = Locate(first + j);
                int pair = Order(epoch)[offset];
                _pool.CopyImage(pair, pixels.AsSpan(j * length, length));
                _tokens[pair].CopyTo(tokens.AsSpan(j * _context, _context));
            }
        }

        return new RawBatch(stepIndex, microBatch, batchSize, size, _context, pixels, tokens);
    }

    private (long Epoch, int Offset) Locate(long sample)
    {
        while (_epochStarts[^1] <= sample)
        {
            long epoch = _epochStarts.Count - 1;
            int drawn = _pool.EpochPairs(epoch).Count;
            if (drawn == 0)
            {
                throw new InvalidOperationException($"epoch {epoch} draws no pair to train on");
            }

            _epochStarts.Add(_epochStarts[^1] + drawn);
        }

        int e = _epochStarts.BinarySearch(sample);
        e = e >= 0 ? e : ~e - 1;
        return (e, (int)(sample - _epochStarts[e]));
    }

    private int[] Order(long epoch)
    {
        var cached = _permutation;
        if (cached.Epoch == epoch)
        {
            return cached.Order;
        }

        // Fisher–Yates driven by SplitMix64 of (seed, epoch) (the curation draw's mixer): the same on every machine and process.
        int[] order = [.. _pool.EpochPairs(epoch)];
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
