using MetaClip.Engine.Lid;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Snapshots;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Pipeline;

/// <summary>
/// What a curation job is: every choice of <c>metaclip curate</c> / <c>submit</c>. The one description of a job:
/// the single-process pipeline runs it, the cluster carries it on the wire (a surrogate in grain-interfaces)
/// and persists it, and the report records it. <see cref="Validate"/> holds every rule about it.
/// </summary>
public sealed record CurationOptions
{
    /// <summary>The MetaCLIP 2 default English threshold.</summary>
    public const ulong DefaultTEn = 170_000;

    /// <summary>A snapshot file or folder.</summary>
    public required string Snapshot { get; init; }

    /// <summary>A metadata folder.</summary>
    public required string Metadata { get; init; }

    /// <summary>The output folder.</summary>
    public required string Output { get; init; }

    /// <summary>The English threshold; ignored when <see cref="P"/> is given.</summary>
    public ulong? TEn { get; init; }

    /// <summary>The tail proportion, given directly (replaces <see cref="TEn"/>).</summary>
    public double? P { get; init; }

    public ulong Seed { get; init; }

    /// <summary>0 for offline curation; training's online curation uses the epoch number.</summary>
    public ulong Epoch { get; init; }

    public CurationMode Mode { get; init; } = CurationMode.V2;

    public SnapshotColumns Columns { get; init; } = new();

    public CuratedFormat Format { get; init; } = CuratedFormat.Parquet;

    /// <summary>
    /// One <c>decisions.jsonl</c> and one curated part (the default), or one part of each per shard, written by the
    /// shard's worker (<see cref="OutputParts.PerShard"/>: what a crawl of billions of texts needs, where one publisher
    /// writing every kept row would bound the job). Either way the same decisions and rows, in the same order.
    /// </summary>
    public OutputParts Parts { get; init; } = OutputParts.One;

    /// <summary>Matching threads; null for all cores of the machine that runs the step (each silo's own).</summary>
    public int? Threads { get; init; }

    /// <summary>The threads a step uses on this machine.</summary>
    public int EffectiveThreads => Threads is int n && n > 0 ? n : Environment.ProcessorCount;

    /// <summary>
    /// The fastText LID model (<c>lid.176.ftz</c>, a local path or <c>az://</c> blob) that gives each text its
    /// LID label when <see cref="SnapshotColumns.Lang"/> is not set (MetaCLIP 2 mode only).
    /// </summary>
    public string? LidModel { get; init; }

    /// <summary>True when texts are language-identified by <see cref="LidModel"/>: MetaCLIP 2 mode, no language column.</summary>
    public bool NeedsLid => Mode == CurationMode.V2 && Columns.Lang is null;

    /// <summary>
    /// The folder of compiled metadata lists on this machine (<see cref="MetaClip.Engine.Matching.CompiledMatcherCache"/>),
    /// <c>off</c> for none; when null, <c>METACLIP_MATCHER_CACHE</c>, else <c>~/.cache/metaclip/matchers</c>. A
    /// machine setting: it never changes a result.
    /// </summary>
    public string? MatcherCache { get; init; }

    /// <summary>
    /// A JSON Lines file larger than this many bytes (of text, after decompression) is split into several shards that
    /// never split an image (docs/formats.md, "Grouping"): the work spreads over the cores and silos, and a shard's
    /// memory stays bounded whatever the file's size. Outputs never depend on it (with <see cref="Parts"/> per shard, only which part holds a row does). Null: <see cref="DefaultShardBytes"/>.
    /// </summary>
    public long? ShardBytes { get; init; }

    /// <summary>
    /// The default of <see cref="ShardBytes"/>: a job submitted to a cluster of silos, where each shard costs grain calls,
    /// intermediates in blob storage and a partial per language partition, so shards stay large enough that this fixed
    /// cost is small beside their work, and few enough for the coordinator of a 10 TB crawl.
    /// </summary>
    public const long DefaultShardBytes = 8L << 20;

    /// <summary>
    /// The shard size <c>metaclip curate</c> gives a job on one machine (the embedded cluster or <c>--engine-only</c>),
    /// whose shards cost next to nothing beyond their work: 1 MiB of text. Measured against 8 MiB, the same outputs took
    /// 12–28 % fewer CPU-seconds and 100–185 MB less peak memory (bench/RESULTS.md, "Shards of 1 MiB on one machine": on
    /// the embedded cluster most of the difference is a big shard's outputs spilling past the silo's in-memory budget for
    /// intermediates).
    /// </summary>
    public const long SingleMachineShardBytes = 1L << 20;

    /// <summary>The shard size a plan uses.</summary>
    public long EffectiveShardBytes => ShardBytes is long n && n > 0 ? n : DefaultShardBytes;

    /// <summary>
    /// A Parquet row group of more than this many rows is split into several shards, row ranges that never split an
    /// image (docs/formats.md, "Grouping"), each read page by page: the work spreads over the cores and silos, and a
    /// shard's memory follows its rows, not its row group. Outputs never depend on it (with <see cref="Parts"/> per shard, only which part holds a row does). Null: <see cref="DefaultShardRows"/>.
    /// </summary>
    public long? ShardRows { get; init; }

    /// <summary>
    /// The default of <see cref="ShardRows"/> (a job submitted to a cluster; <c>metaclip curate</c> gives
    /// <see cref="SingleMachineShardRows"/>): about as many texts as an 8 MiB JSON Lines shard holds (75,000 of the
    /// benchmark set), so that a shard's memory is about the same whichever format it comes from.
    /// </summary>
    public const long DefaultShardRows = 100_000;

    /// <summary>
    /// The shard row count <c>metaclip curate</c> gives a job on one machine, the counterpart of
    /// <see cref="SingleMachineShardBytes"/> (a 1 MiB JSON Lines shard holds about 7,500 texts). Measured against 100,000
    /// on 2M rows written by Parquet.Net, DuckDB and arrow-rs, the same outputs took about the same or fewer CPU-seconds
    /// and 120–280 MB less peak memory (bench/RESULTS.md, "Parquet as other writers write it").
    /// </summary>
    public const long SingleMachineShardRows = 10_000;

    /// <summary>The shard row count a plan uses.</summary>
    public long EffectiveShardRows => ShardRows is long n && n > 0 ? n : DefaultShardRows;

    /// <summary>Report and skip a snapshot file (or row group) that cannot be read, instead of failing the job.</summary>
    public bool SkipBadFiles { get; init; }

    /// <summary>The threshold actually used: <see cref="TEn"/>, or the default when neither it nor <see cref="P"/> is given.</summary>
    public ulong? EffectiveTEn => P.HasValue ? null : TEn ?? DefaultTEn;

    /// <summary>
    /// Checks every rule about a job and returns it with its locations in canonical form. The messages are
    /// the user's: they name the option and what is wrong.
    /// </summary>
    /// <exception cref="CurationException">The job cannot run as given.</exception>
    public CurationOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(Snapshot))
        {
            throw new CurationException("--snapshot is empty: name a snapshot file, folder or az:// prefix");
        }

        if (string.IsNullOrWhiteSpace(Metadata))
        {
            throw new CurationException("--metadata is empty: name a metadata folder or az:// prefix");
        }

        if (string.IsNullOrWhiteSpace(Output))
        {
            throw new CurationException("--out is empty: name an output folder or az:// prefix");
        }

        if (TEn.HasValue && P.HasValue)
        {
            throw new CurationException("give either --t-en or --p, not both");
        }

        if (P is double p && !(p >= 0 && p <= 1))
        {
            throw new CurationException($"--p must be between 0 and 1, got {p}");
        }

        if (Threads is int threads && threads < 1)
        {
            throw new CurationException($"--threads must be at least 1, got {threads}");
        }

        if (ShardBytes is long shardBytes && shardBytes < 1 << 20)
        {
            throw new CurationException($"--shard-size must be at least 1M (1,048,576 bytes), got {shardBytes:N0} bytes");
        }

        if (ShardRows is long shardRows && shardRows < 1_000)
        {
            throw new CurationException($"--shard-rows must be at least 1000, got {shardRows:N0}");
        }

        if (NeedsLid && string.IsNullOrWhiteSpace(LidModel))
        {
            throw new CurationException(LanguageIdentifier.NoModel);
        }

        if (string.IsNullOrEmpty(Columns.Text) || string.IsNullOrEmpty(Columns.Url) || string.IsNullOrEmpty(Columns.Uuid) || Columns.Lang is { Length: 0 })
        {
            throw new CurationException("a column option (--text-column, --url-column, --uuid-column, --lang-column) is empty");
        }

        var job = this with
        {
            Snapshot = DataStore.Normalize(Snapshot),
            Metadata = DataStore.Normalize(Metadata),
            Output = DataStore.Normalize(Output),
            LidModel = NeedsLid ? DataStore.Normalize(LidModel!) : LidModel,
        };
        job.CheckOutputLocation();
        return job;
    }

    /// <summary>
    /// The output folder holds only outputs: not a file system's root, and not the snapshot's or the metadata's
    /// folder or a folder inside them (the next run would read its own outputs as input).
    /// </summary>
    private void CheckOutputLocation()
    {
        if (!DataStore.IsBlob(Output) && Path.GetPathRoot(Output) is { Length: > 0 } root && string.Equals(Path.TrimEndingDirectorySeparator(Output), Path.TrimEndingDirectorySeparator(root), StringComparison.Ordinal))
        {
            throw new CurationException($"--out {Output} is the root of the file system: name a folder for the outputs");
        }

        bool local = !DataStore.IsBlob(Output);
        if (local)
        {
            // Said in these words, not as the file system's "already exists" or "could not find a part of the path".
            if (DataStore.FileAlong(Output) is string file)
            {
                throw new CurationException(file == Output
                    ? $"--out {Output} is a file: name a folder for the outputs (one that does not exist yet is made)"
                    : $"--out {Output}: {file} is a file, not a folder");
            }
        }

        string resolvedOutput = local ? DataStore.WithLinksResolved(Output) : Output;
        foreach (var (option, input) in new[] { ("--snapshot", Snapshot), ("--metadata", Metadata) })
        {
            // Compared as written and with symbolic links resolved (a link to the snapshot folder is the snapshot folder).
            string resolvedInput = local && !DataStore.IsBlob(input) ? DataStore.WithLinksResolved(input) : input;
            bool written = DataStore.IsSameOrInside(Output, input);
            if (written || DataStore.IsSameOrInside(resolvedOutput, resolvedInput))
            {
                string same = written ? Output : resolvedOutput, of = written ? input : resolvedInput;
                throw new CurationException($"--out {Output} is {(string.Equals(same, of, StringComparison.Ordinal) ? "the same as" : "inside")} {option} {input}" +
                    (written ? "" : $" (through a symbolic link: {resolvedOutput} and {resolvedInput})") +
                    ": the outputs would be read as input by the next run; write them to a folder of their own");
            }
        }
    }
}
