using System.Collections.Concurrent;
using System.Diagnostics;

namespace MetaClip.Training;

/// <summary>
/// Builds the next batches of a <see cref="PairDataset"/> on background threads while the model trains on the
/// current one. Positions are read in order from <c>(firstStep, 0)</c>; a batch asked for out of that order is built
/// on the spot. <see cref="WaitSeconds"/> is the time the training loop spent waiting for data.
/// </summary>
public sealed class PrefetchingBatches : IPairBatches, IDisposable
{
    private readonly PairDataset _dataset;
    private readonly int _microBatches;
    private readonly int _batchSize;
    private readonly BlockingCollection<RawBatch> _ready;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private readonly ConcurrentDictionary<long, RawBatch> _built = new();

    // Arrays of batches already made into tensors, filled again: no large allocation per batch, so the loop's native
    // calls rarely share the process with a collection (see Scalars).
    private readonly ConcurrentBag<RawBatch> _spare = [];
    private long _next;
    private long _wantedNext;
    private long _waitTicks;
    private Exception? _failure;

    public PrefetchingBatches(PairDataset dataset, long firstStep, int microBatchesPerStep, int batchSize, int depth = 4, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        _dataset = dataset;
        _microBatches = microBatchesPerStep;
        _batchSize = batchSize;
        _next = firstStep * microBatchesPerStep;
        _wantedNext = _next;
        _ready = new BlockingCollection<RawBatch>(depth);
        _workers = [.. Enumerable.Range(0, Math.Max(1, threads)).Select(_ => Task.Factory.StartNew(Produce, TaskCreationOptions.LongRunning))];
    }

    /// <summary>Seconds the loop waited in <see cref="Batch"/> for a batch not built yet.</summary>
    public double WaitSeconds => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _waitTicks)).TotalSeconds;

    public PairBatch Batch(long stepIndex, int microBatch, int batchSize)
    {
        long position = (stepIndex * _microBatches) + microBatch;
        if (batchSize != _batchSize || position != _wantedNext)
        {
            return _dataset.Batch(stepIndex, microBatch, batchSize);
        }

        long started = Stopwatch.GetTimestamp();
        RawBatch? batch;
        while (!_built.TryRemove(position, out batch))
        {
            if (_failure is not null)
            {
                throw new InvalidOperationException("building a training batch failed: " + _failure.Message, _failure);
            }

            // Take the next finished batch (they may finish out of order with several threads) and park it.
            if (_ready.TryTake(out var finished, 100))
            {
                _built[(finished.Step * _microBatches) + finished.MicroBatch] = finished;
            }
        }

        Interlocked.Add(ref _waitTicks, Stopwatch.GetTimestamp() - started);
        _wantedNext = position + 1;
        var tensors = batch.ToTensors();
        _spare.Add(batch);
        return tensors;
    }

    private void Produce()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                long position = Interlocked.Increment(ref _next) - 1;
                _spare.TryTake(out var reuse);
                var batch = _dataset.Fill(position / _microBatches, (int)(position % _microBatches), _batchSize, reuse);
                _ready.Add(batch, _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed: the loop is done.
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            _failure = e;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            Task.WaitAll(_workers);
        }
        catch (AggregateException e) when (e.InnerExceptions.All(x => x is OperationCanceledException))
        {
            // The workers stop by cancellation.
        }

        _ready.Dispose();
        _stop.Dispose();
    }
}
