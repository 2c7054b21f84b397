using System.CommandLine;
using MetaClip.Engine;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;

namespace MetaClip.Client.Commands;

/// <summary>
/// The options that describe a curation job, shared by <c>curate</c> and <c>submit</c>. <c>curate</c> gives its jobs
/// <see cref="CurationOptions.SingleMachineShardBytes"/> and <see cref="CurationOptions.SingleMachineShardRows"/> when the
/// command line gives no <c>--shard-size</c> or <c>--shard-rows</c>; <c>submit</c> gives none, so the job has
/// <see cref="CurationOptions.DefaultShardBytes"/> and <see cref="CurationOptions.DefaultShardRows"/>.
/// </summary>
internal sealed class JobOptionSet
{
    private readonly long? _defaultShardBytes;
    private readonly long? _defaultShardRows;

    public JobOptionSet(long? defaultShardBytes = null, long? defaultShardRows = null)
    {
        _defaultShardBytes = defaultShardBytes;
        _defaultShardRows = defaultShardRows;
        Snapshot = new Option<string>("--snapshot")
        {
            Description = "The crawl snapshot: a Parquet or JSON Lines (.jsonl, .jsonl.gz) file, or a folder of them. One row per alt-text.",
            Required = true,
            HelpName = "PATH",
        };
        Metadata = new Option<string>("--metadata")
        {
            Description = "The metadata folder: {lang}.json lists of concepts per language, and optionally lid_map.json.",
            Required = true,
            HelpName = "DIR",
        };
        OutFolder = new Option<string>("--out")
        {
            Description = "Where to write thresholds.json, entry_counts/, decisions.jsonl, curated/ and report.html. Written only if the job succeeds.",
            Required = true,
            HelpName = "DIR",
        };
        TEn = new Option<ulong?>("--t-en")
        {
            Description = $"English threshold t_en: head concepts are sampled down to about this many texts (default {CurationOptions.DefaultTEn}; MetaCLIP 1 used 20000).",
            HelpName = "N",
        };
        P = new Option<double?>("--p")
        {
            Description = "Give the tail proportion p (0..1) directly instead of deriving it from t_en; every language, English too, gets its threshold from p.",
            HelpName = "P",
        };
        Seed = new Option<ulong>("--seed")
        {
            Description = "Seed of the random draws (a 64-bit unsigned number). The same seed gives the same curated set.",
            DefaultValueFactory = _ => 0,
            HelpName = "S",
        };
        Mode = new Option<string>("--mode")
        {
            Description = "v2: MetaCLIP 2 worldwide curation (per-language metadata). v1: MetaCLIP 1 (English list only, no language identification).",
            DefaultValueFactory = _ => "v2",
        };
        Mode.AcceptOnlyFromAmong("v2", "v1");
        LangColumn = new Option<string?>("--lang-column")
        {
            Description = "Snapshot column holding each text's language label (a fastText lid.176 label such as en, de, zh), used instead of language identification.",
            HelpName = "NAME",
        };
        LidModel = new Option<string?>("--lid-model")
        {
            Description = $"The fastText language-identification model that labels every text when there is no --lang-column (default: ${LidModelLocation.EnvironmentVariable}, else {LidModelLocation.DefaultPath}, which ./run.sh downloads). lid.176.bin and other fastText LID models load too.",
            HelpName = "PATH",
        };
        TextColumn = new Option<string>("--text-column") { Description = "Column holding the alt-text (LAION: TEXT matches the default; img2dataset: caption).", DefaultValueFactory = _ => "text", HelpName = "NAME" };
        UrlColumn = new Option<string>("--url-column") { Description = "Column holding the image URL (texts of one URL are one image when there is no uuid column).", DefaultValueFactory = _ => "url", HelpName = "NAME" };
        UuidColumn = new Option<string>("--uuid-column") { Description = "Column holding the image id; rows with the same id are texts of one image. Without it the id is derived from the URL.", DefaultValueFactory = _ => "uuid", HelpName = "NAME" };
        Format = new Option<string>("--format") { Description = "File format of the curated set: parquet, or jsonl (no image column; the snapshot's image bytes are then not read).", DefaultValueFactory = _ => "parquet" };
        Format.AcceptOnlyFromAmong("parquet", "jsonl");
        Parts = new Option<string>("--parts")
        {
            Description = "Layout of decisions and the curated set: one (decisions.jsonl, curated/part-00000.*), or per-shard (decisions/part-NNNNNNNN.jsonl and curated/part-NNNNNNNN.*, one of each per shard, written by the shard's worker: for crawls of billions of texts, where one writer of every kept row would bound the job). The same decisions and rows, in the same order.",
            DefaultValueFactory = _ => "one",
        };
        Parts.AcceptOnlyFromAmong("one", "per-shard");
        SkipBadFiles = new Option<bool>("--skip-bad-files")
        {
            Description = "Report a snapshot file (or Parquet row group) that cannot be read and go on without it, instead of failing the job.",
        };
        Threads = new Option<int?>("--threads") { Description = "Threads used for matching (default: all cores of the machine that matches).", HelpName = "N" };
        ShardSize = new Option<string?>("--shard-size")
        {
            Description = $"Split a JSON Lines file larger than this (bytes of text; suffix K, M or G) into shards that never split an image: spreads one big file over the cores and silos and bounds each shard's memory. Outputs never depend on it, except which part holds a row with --parts per-shard (default: {ByteSize.Format(CurationOptions.SingleMachineShardBytes)} for curate on one machine, {ByteSize.Format(CurationOptions.DefaultShardBytes)} for a job submitted to a cluster).",
            HelpName = "SIZE",
        };
        ShardRows = new Option<long?>("--shard-rows")
        {
            Description = $"Split a Parquet row group of more than this many rows into shards of row ranges that never split an image, each read page by page: spreads a big row group over the cores and silos and bounds each shard's memory. Outputs never depend on it, except which part holds a row with --parts per-shard (default: {CurationOptions.SingleMachineShardRows} for curate on one machine, {CurationOptions.DefaultShardRows} for a job submitted to a cluster).",
            HelpName = "N",
        };
    }

    public Option<string?> ShardSize { get; }

    public Option<long?> ShardRows { get; }

    public Option<string> Snapshot { get; }

    public Option<string> Metadata { get; }

    public Option<string> OutFolder { get; }

    public Option<ulong?> TEn { get; }

    public Option<double?> P { get; }

    public Option<ulong> Seed { get; }

    public Option<string> Mode { get; }

    public Option<string?> LangColumn { get; }

    public Option<string?> LidModel { get; }

    public Option<string> TextColumn { get; }

    public Option<string> UrlColumn { get; }

    public Option<string> UuidColumn { get; }

    public Option<string> Format { get; }

    public Option<string> Parts { get; }

    public Option<bool> SkipBadFiles { get; }

    public Option<int?> Threads { get; }

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (Option option in new Option[] { Snapshot, Metadata, OutFolder, TEn, P, Seed, Mode, LangColumn, LidModel, TextColumn, UrlColumn, UuidColumn, Format, Parts, SkipBadFiles, Threads, ShardSize, ShardRows })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>
    /// The job the command line describes, checked by the job's own rules (<see cref="CurationOptions.Validate"/>, the
    /// same the cluster applies): a job they refuse is a usage error.
    /// </summary>
    public CurationOptions Read(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        bool v1 = parse.GetValue(Mode) == "v1";
        string? lang = parse.GetValue(LangColumn);
        long? shardBytes = _defaultShardBytes;
        if (parse.GetValue(ShardSize) is string size)
        {
            shardBytes = ByteSize.TryParse(size, out long bytes)
                ? bytes
                : throw new UsageException($"--shard-size {size} is not a size: give bytes, or a number with K, M or G (e.g. 64M)", MetaClipCommandLine.CommandPath(parse.CommandResult));
        }

        var options = new CurationOptions
        {
            Snapshot = parse.GetRequiredValue(Snapshot),
            Metadata = parse.GetRequiredValue(Metadata),
            Output = parse.GetRequiredValue(OutFolder),
            TEn = parse.GetValue(TEn),
            P = parse.GetValue(P),
            Seed = parse.GetValue(Seed),
            Mode = v1 ? CurationMode.V1 : CurationMode.V2,
            Columns = new SnapshotColumns
            {
                Text = parse.GetRequiredValue(TextColumn),
                Url = parse.GetRequiredValue(UrlColumn),
                Uuid = parse.GetRequiredValue(UuidColumn),
                Lang = lang,
            },
            Format = parse.GetValue(Format) == "jsonl" ? CuratedFormat.Jsonl : CuratedFormat.Parquet,
            Parts = parse.GetValue(Parts) == "per-shard" ? OutputParts.PerShard : OutputParts.One,
            Threads = parse.GetValue(Threads),
            SkipBadFiles = parse.GetValue(SkipBadFiles),
            LidModel = v1 || lang is not null ? null : LidModelLocation.Resolve(parse.GetValue(LidModel)),
            ShardBytes = shardBytes,
            ShardRows = parse.GetValue(ShardRows) ?? _defaultShardRows,
        };
        try
        {
            return options.Validate();
        }
        catch (CurationException e)
        {
            throw new UsageException(e.Message, MetaClipCommandLine.CommandPath(parse.CommandResult));
        }
    }
}
