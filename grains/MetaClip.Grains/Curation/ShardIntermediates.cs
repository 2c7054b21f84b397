using System.Collections.Concurrent;
using MetaClip.Engine;
using MetaClip.Engine.Curation;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Storage;
using Microsoft.Extensions.Options;

namespace MetaClip.Grains.Curation;

/// <summary>
/// What one pass of a shard leaves for the next step: the pass-1 matches (read by pass 2), and the pass-2
/// decision lines and kept rows (read by the publisher). Written whole to the job's work folder or prefix, so
/// any silo can pick them up and a resumed job finds them; or, on a cluster whose state lives in memory
/// anyway (the embedded single silo of <c>metaclip curate</c>, where nothing survives the process), kept in
/// this silo's memory as encoded bytes up to <see cref="CurationSiloOptions.IntermediateMemoryBytes"/>, and beyond
/// that in files of this process's own temporary folder (removed with the job and when the process ends), so a big
/// job's memory stays bounded.
/// </summary>
public sealed class ShardIntermediates(DataStore store, ThresholdTableCache thresholdTables, IOptions<CurationSiloOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<string, byte[]> _memory = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _spilled = new(StringComparer.Ordinal);
    private readonly bool _inMemory = options?.Value.IntermediatesInMemory == true;
    private readonly long _memoryBudget = options?.Value.IntermediateMemoryBytes ?? CurationSiloOptions.DefaultIntermediateMemoryBytes;
    private readonly Lazy<string> _spillFolder = new(() => Directory.CreateTempSubdirectory("metaclip-intermediates-").FullName);
    private long _memoryBytes;

    /// <summary>Bytes of intermediates held in memory now.</summary>
    public long MemoryBytes => Interlocked.Read(ref _memoryBytes);

    /// <summary>Intermediates in this process's temporary folder now (the memory budget was used up when they came).</summary>
    public int SpilledCount => _spilled.Count;

    /// <summary>Intermediates written to this process's temporary folder since it started.</summary>
    public long SpilledTotal => Interlocked.Read(ref _spilledTotal);

    private long _spilledTotal;

    /// <summary>
    /// The job's threshold table, computed by its coordinator: written for the other silos (which read it once
    /// each, through their <see cref="ThresholdTableCache"/>), and given to this silo's cache as it is.
    /// </summary>
    public async Task PutThresholdTableAsync(string location, ThresholdTable table, CancellationToken cancellationToken)
    {
        if (!_inMemory)
        {
            await store.WriteAsync(location, stream =>
            {
                ThresholdTableCodec.Write(stream, table);
                return Task.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
        }

        thresholdTables.Add(location, table);
    }

    /// <summary>
    /// A shard's pass-1 matches, encoded compactly (<see cref="UnitMatchesCodec"/>: a few bytes per matched text, no
    /// texts), so that memory between the passes does not grow with the texts.
    /// </summary>
    public Task PutMatchesAsync(string location, UnitMatches matches, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(matches);
        var buffer = EncodeBuffer();
        UnitMatchesCodec.Write(buffer, matches);
        return PutBytesAsync(location, EncodedCopy(buffer), cancellationToken);
    }

    /// <summary>
    /// This thread's buffer for encoding an intermediate, emptied (each encoding ends before any await). A fresh one grows
    /// by doubling, and its copies of a shard's intermediate are large-object garbage at every shard.
    /// </summary>
    private static MemoryStream EncodeBuffer()
    {
        var buffer = _encodeBuffer ??= new MemoryStream();
        if (buffer.Capacity > MaxKeptEncodeBuffer)
        {
            _encodeBuffer = buffer = new MemoryStream();
        }

        buffer.SetLength(0);
        return buffer;
    }

    /// <summary>What was encoded into this thread's <see cref="EncodeBuffer"/>, copied into a rented array (the buffer is reused).</summary>
    private static RentedBytes EncodedCopy(MemoryStream buffer) => RentedBytes.CopyOf(buffer.GetBuffer().AsSpan(0, checked((int)buffer.Length)));

    /// <summary>An encoding buffer that grew beyond this (a very large shard) is not kept.</summary>
    private const int MaxKeptEncodeBuffer = 64 << 20;

    [ThreadStatic]
    private static MemoryStream? _encodeBuffer;

    /// <summary>A shard's pass-1 matches, without their texts (pass 2 reads them from the snapshot again).</summary>
    public async Task<UnitMatches> GetMatchesAsync(string location, CancellationToken cancellationToken)
    {
        var bytes = await GetBytesAsync(location, cancellationToken).ConfigureAwait(false);
        try
        {
            return UnitMatchesCodec.Read(bytes.AsStream(), location);
        }
        finally
        {
            bytes.Release();
        }
    }

    /// <summary>
    /// A shard's decision lines, formatted here (by the shard's worker, in parallel with other shards) as UTF-8 bytes:
    /// one array per shard of exactly their length, kept in memory or written whole.
    /// </summary>
    public async Task PutDecisionsAsync(string location, SampledUnit sampled, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sampled);
        await PutBytesAsync(location, sampled.RentedDecisionLines(Environment.ProcessorCount, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends the decision lines of shards (in the order given) to <paramref name="output"/>; returns how many lines they hold.</summary>
    public async Task<long> CopyDecisionsAsync(IReadOnlyList<string> locations, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(locations);
        ArgumentNullException.ThrowIfNull(output);
        long lines = 0;
        foreach (string location in locations)
        {
            var part = await GetBytesAsync(location, cancellationToken).ConfigureAwait(false);
            try
            {
                lines += part.Memory.Span.Count((byte)'\n');
                await output.WriteAsync(part.Memory, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                part.Release();
            }
        }

        return lines;
    }

    public Task PutKeptRowsAsync(string location, IReadOnlyList<CuratedRow> rows, CancellationToken cancellationToken)
    {
        var buffer = EncodeBuffer();
        CuratedRowsCodec.Write(buffer, rows);
        return PutBytesAsync(location, EncodedCopy(buffer), cancellationToken);
    }

    /// <summary>
    /// A shard's kept rows as finished curated JSON Lines (<see cref="CuratedWriter.AppendJsonLine"/>, formatted here by the
    /// shard's worker), behind a mark of their own: publishing them is a copy.
    /// </summary>
    public Task PutKeptLinesAsync(string location, IReadOnlyList<CuratedRow> rows, bool withKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var bytes = ParallelLines.ToRented(KeptLinesMark, rows.Count, (text, i) => CuratedWriter.AppendJsonLine(text, rows[i], withKey), Environment.ProcessorCount, cancellationToken);
        return PutBytesAsync(location, bytes, cancellationToken);
    }

    /// <summary>
    /// A shard's own parts (a job with one part per shard): its decisions and curated parts, stored whole under
    /// <paramref name="partsFolder"/>, always in the store (they are outputs, not intermediates: even a silo that keeps
    /// intermediates in memory stores them beside the output). A local folder gets them written once, in a folder of
    /// their own beside it (<c>parts.writing/</c>, on the same file system) and then renamed into place; a blob prefix
    /// gets them uploaded from a local temporary folder. Either way a part appears whole or not at all.
    /// </summary>
    /// <param name="partsFolder">The job's parts folder or prefix.</param>
    /// <param name="shardMatches">
    /// The shard's pass-1 intermediate, which a job with one part per shard keeps until it ends: when it is gone, the job
    /// has ended (a late attempt of a shard that ran again elsewhere), and nothing is written into its removed work folder.
    /// </param>
    /// <param name="index">The shard's place in the plan (the parts' number).</param>
    /// <param name="sampled">The shard's pass-2 result.</param>
    /// <param name="columns">The job's published columns.</param>
    /// <param name="options">The job's options.</param>
    /// <param name="cancellationToken">Stops the writing.</param>
    public async Task<ShardPartFiles> PutPartsAsync(string partsFolder, string shardMatches, int index, SampledUnit sampled, PublishedColumns columns,
        CurationOptions options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(partsFolder);
        await EnsureJobRunsAsync(shardMatches, partsFolder, cancellationToken).ConfigureAwait(false);
        bool local = !DataStore.IsBlob(partsFolder);
        string writing = local
            ? Path.Combine(Path.TrimEndingDirectorySeparator(Path.GetFullPath(partsFolder)) + ".writing", $"{index:D8}-{Guid.NewGuid():N}")
            : Directory.CreateTempSubdirectory("metaclip-parts-").FullName;
        try
        {
            Directory.CreateDirectory(writing);
            var written = await ShardPartWriter.WriteAsync(writing, index, sampled, columns, options, cancellationToken).ConfigureAwait(false);
            await EnsureJobRunsAsync(shardMatches, partsFolder, cancellationToken).ConfigureAwait(false);
            foreach (var (name, _) in written.Files())
            {
                string file = Path.Combine(writing, name);
                string target = DataStore.Combine(partsFolder, name);
                if (local)
                {
                    await store.MoveWithinAsync(file, target, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await store.UploadFileAsync(file, target, cancellationToken).ConfigureAwait(false);
                }
            }

            return written;
        }
        finally
        {
            try
            {
                Directory.Delete(writing, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
                // Never made, or removed with the job's work folder: nothing is left to remove.
            }
        }
    }

    /// <summary>Whether an intermediate is there (in this silo's memory, or in the store).</summary>
    public async Task<bool> ExistsAsync(string location, CancellationToken cancellationToken) =>
        _inMemory
            ? _memory.ContainsKey(location) || _spilled.ContainsKey(location)
            : await store.KindAsync(location, cancellationToken).ConfigureAwait(false) == StoredKind.File;

    private async Task EnsureJobRunsAsync(string shardMatches, string partsFolder, CancellationToken cancellationToken)
    {
        if (!await ExistsAsync(shardMatches, cancellationToken).ConfigureAwait(false))
        {
            throw new CurationException($"the shard's intermediate {shardMatches} is gone: its job has ended, so no part is written to {partsFolder}");
        }
    }

    /// <summary>A shard's kept rows, in whichever form its worker wrote them (<see cref="PutKeptRowsAsync"/> or <see cref="PutKeptLinesAsync"/>).</summary>
    /// <remarks>Finished lines read from a file are in a rented buffer: <see cref="KeptPart.Release"/> gives it back once they are written.</remarks>
    public async Task<KeptPart> GetKeptAsync(string location, CancellationToken cancellationToken)
    {
        var bytes = await GetBytesAsync(location, cancellationToken).ConfigureAwait(false);
        bool handedOver = false;
        try
        {
            if (bytes.Memory.Span.StartsWith(KeptLinesMark))
            {
                var lines = bytes.Memory[KeptLinesMark.Length..];
                if (lines.Length > 0 && lines.Span[^1] != (byte)'\n')
                {
                    throw new CurationException($"intermediate {location}: truncated");
                }

                handedOver = true;
                return new KeptPart(null, lines, lines.Span.Count((byte)'\n')) { Bytes = bytes };
            }

            return new KeptPart(CuratedRowsCodec.Read(bytes.AsStream(), location), default, 0);
        }
        finally
        {
            if (!handedOver)
            {
                bytes.Release();
            }
        }
    }

    /// <summary>The first bytes of kept rows written as finished lines (binary rows begin with their codec's magic).</summary>
    private static ReadOnlySpan<byte> KeptLinesMark => "MCL1"u8;

    /// <summary>
    /// An intermediate whose next step is recorded as done: in memory, it is dropped at once (a single silo's
    /// memory holds a whole job's intermediates only as long as each is needed); files stay until the job ends.
    /// </summary>
    public void Release(string location)
    {
        if (_memory.TryRemove(location, out var bytes))
        {
            Interlocked.Add(ref _memoryBytes, -bytes.Length);
        }

        if (_spilled.TryRemove(location, out string? file))
        {
            File.Delete(file);
        }
    }

    /// <summary>Removes every intermediate under a job's work folder or prefix.</summary>
    public async Task RemoveAllAsync(string workFolder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workFolder);
        foreach (string key in _memory.Keys.Concat(_spilled.Keys).Where(k => k.Length > workFolder.Length && k.StartsWith(workFolder, StringComparison.Ordinal) && k[workFolder.Length] is '/' or '\\').ToList())
        {
            Release(key);
        }

        thresholdTables.RemoveUnder(workFolder);

        await store.DeleteAsync(workFolder, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores an intermediate whole: in memory while the budget allows, else in a file of this process's temporary
    /// folder (memory) or the job's work folder (files). A retried shard never sees half of one.
    /// </summary>
    /// <remarks>
    /// <paramref name="bytes"/> is this method's from the call on: a rented array is given back once written, or copied
    /// into one of its exact length when kept in memory.
    /// </remarks>
    private async Task PutBytesAsync(string location, RentedBytes bytes, CancellationToken cancellationToken)
    {
        try
        {
            if (!_inMemory)
            {
                await store.WriteAsync(location, stream => stream.WriteAsync(bytes.Memory, cancellationToken).AsTask(), cancellationToken).ConfigureAwait(false);
                return;
            }

            Release(location); // a shard run again replaces its intermediate
            if (Interlocked.Add(ref _memoryBytes, bytes.Length) <= _memoryBudget)
            {
                _memory[location] = bytes.Rented || bytes.Length != bytes.Array.Length ? bytes.Memory.ToArray() : bytes.Array;
                return;
            }

            Interlocked.Add(ref _memoryBytes, -bytes.Length);
            string file = Path.Combine(_spillFolder.Value, Guid.NewGuid().ToString("N"));
            await using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync: true))
            {
                await stream.WriteAsync(bytes.Memory, cancellationToken).ConfigureAwait(false);
            }

            _spilled[location] = file;
            Interlocked.Increment(ref _spilledTotal);
        }
        finally
        {
            bytes.Release();
        }
    }

    /// <summary>
    /// An intermediate; in memory it is kept (not removed), so that a repeated run of the next step finds it too. One
    /// read from a file comes in a rented array: the caller gives it back with <see cref="RentedBytes.Release"/>.
    /// </summary>
    private async Task<RentedBytes> GetBytesAsync(string location, CancellationToken cancellationToken)
    {
        if (!_inMemory)
        {
            return DataStore.IsBlob(location)
                ? RentedBytes.Whole(await store.ReadAllBytesAsync(location, cancellationToken).ConfigureAwait(false))
                : await RentedBytes.ReadFileAsync(location, cancellationToken).ConfigureAwait(false);
        }

        if (_memory.TryGetValue(location, out var bytes))
        {
            return RentedBytes.Whole(bytes);
        }

        return _spilled.TryGetValue(location, out string? file)
            ? await RentedBytes.ReadFileAsync(file, cancellationToken).ConfigureAwait(false)
            : throw new InvalidOperationException($"intermediate {location} is not in this silo's memory (intermediates in memory need a single-silo cluster)");
    }

    /// <summary>Removes this process's temporary folder of intermediates.</summary>
    public void Dispose()
    {
        if (_spillFolder.IsValueCreated && Directory.Exists(_spillFolder.Value))
        {
            Directory.Delete(_spillFolder.Value, recursive: true);
        }
    }
}

/// <summary>A shard's kept rows for the publisher: <see cref="Rows"/> to format, or <see cref="Lines"/> (<see cref="LineCount"/> of them) to copy.</summary>
public sealed record KeptPart(IReadOnlyList<CuratedRow>? Rows, ReadOnlyMemory<byte> Lines, int LineCount)
{
    /// <summary>The bytes <see cref="Lines"/> lie in: rented if they were read from a file.</summary>
    internal RentedBytes Bytes { get; init; }

    /// <summary>Gives back the array <see cref="Lines"/> lie in, once they are written; they must not be read afterwards.</summary>
    public void Release() => Bytes.Release();
}
