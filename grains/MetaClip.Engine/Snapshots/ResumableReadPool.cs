namespace MetaClip.Engine.Snapshots;

/// <summary>
/// A read through a file that can stop part way (after one shard's rows or bytes) and be gone on with by the reader of
/// the next shard, with that reader's stream over the same file.
/// </summary>
internal interface IResumableRead : IDisposable
{
    /// <summary>Where the read is: the next row of a page, or the next byte of a decompressed file.</summary>
    long Place { get; }

    /// <summary>Whether nothing is left to read.</summary>
    bool Finished { get; }

    /// <summary>Goes on reading from <paramref name="stream"/>, if the file still holds the bytes this read read last.</summary>
    bool ResumeOn(Stream stream);
}

/// <summary>
/// The reads of this process that stopped part way, for the next shard of the same file to go on from instead of
/// reading (and decompressing) from the start again: a file split into n shards, each read from its start, costs about
/// n/2 reads of the file a pass. At most <c>capacity</c> are kept, each for at most <c>maxIdleMilliseconds</c> unused;
/// a read is taken only under the same key, at or before the place asked for, and only if the file still holds the
/// bytes it read last.
/// </summary>
internal sealed class ResumableReadPool<TKey, TRead>(int capacity, long maxIdleMilliseconds)
    where TKey : IEquatable<TKey>
    where TRead : class, IResumableRead
{
    private readonly List<(TKey Key, TRead Read, long ReturnedAt)> _idle = [];
    private long _resumed;

    /// <summary>How many reads went on from a kept one (for tests and benchmarks).</summary>
    public long Resumed => Interlocked.Read(ref _resumed);

    /// <summary>The kept read of <paramref name="key"/> nearest before <paramref name="place"/>, now reading from <paramref name="stream"/>; null if none.</summary>
    public TRead? Take(TKey key, long place, Stream stream)
    {
        TRead? read = null;
        lock (_idle)
        {
            DropIdle();
            int best = -1;
            for (int i = 0; i < _idle.Count; i++)
            {
                var (candidateKey, candidate, _) = _idle[i];
                if (candidateKey.Equals(key) && candidate.Place <= place && (best < 0 || candidate.Place > _idle[best].Read.Place))
                {
                    best = i;
                }
            }

            if (best >= 0)
            {
                read = _idle[best].Read;
                _idle.RemoveAt(best);
            }
        }

        if (read is null)
        {
            return null;
        }

        bool resumed = false;
        try
        {
            resumed = read.ResumeOn(stream);
        }
        finally
        {
            if (!resumed)
            {
                read.Dispose();
            }
        }

        if (!resumed)
        {
            return null;
        }

        Interlocked.Increment(ref _resumed);
        return read;
    }

    /// <summary>Keeps a read that stopped part way (the oldest kept one makes room); a finished one is disposed.</summary>
    public void Return(TKey key, TRead read)
    {
        ArgumentNullException.ThrowIfNull(read);
        if (read.Finished)
        {
            read.Dispose();
            return;
        }

        lock (_idle)
        {
            DropIdle();
            if (_idle.Count >= capacity)
            {
                _idle[0].Read.Dispose();
                _idle.RemoveAt(0);
            }

            _idle.Add((key, read, Environment.TickCount64));
        }
    }

    private void DropIdle()
    {
        long now = Environment.TickCount64;
        for (int i = _idle.Count - 1; i >= 0; i--)
        {
            if (now - _idle[i].ReturnedAt > maxIdleMilliseconds)
            {
                _idle[i].Read.Dispose();
                _idle.RemoveAt(i);
            }
        }
    }
}
