using MetaClip.Engine;
using MetaClip.Engine.Outputs;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;

namespace MetaClip.GrainInterfaces;

/// <summary>
/// The wire and storage form of <see cref="CurationOptions"/>. Its alias, ids and property names are those of the
/// job spec of earlier versions, so a job persisted or sent by them reads the same. Only the settings that travel
/// with a job are here: machine settings (the matcher cache) are each silo's, and the epoch is training's.
/// </summary>
[GenerateSerializer, Immutable, Alias("MetaClip.CurationJobSpec.v1")]
public readonly record struct CurationOptionsSurrogate(
    [property: Id(0)] string Snapshot,
    [property: Id(1)] string Metadata,
    [property: Id(2)] string Output,
    [property: Id(3)] ulong? TEn,
    [property: Id(4)] double? P,
    [property: Id(5)] ulong Seed,
    [property: Id(6)] string Mode,
    [property: Id(7)] string TextColumn,
    [property: Id(8)] string UrlColumn,
    [property: Id(9)] string UuidColumn,
    [property: Id(10)] string? LangColumn,
    [property: Id(11)] string Format,
    [property: Id(12)] int Threads = 0,
    [property: Id(13)] bool SkipBadFiles = false,
    [property: Id(14)] string? LidModel = null,
    [property: Id(15)] long ShardBytes = 0,
    [property: Id(16)] long ShardRows = 0,
    [property: Id(17)] string? Parts = null);

/// <summary>The one mapping between <see cref="CurationOptions"/> and its wire form.</summary>
[RegisterConverter]
public sealed class CurationOptionsConverter : IConverter<CurationOptions, CurationOptionsSurrogate>
{
    public CurationOptions ConvertFromSurrogate(in CurationOptionsSurrogate surrogate) => new()
    {
        Snapshot = surrogate.Snapshot,
        Metadata = surrogate.Metadata,
        Output = surrogate.Output,
        TEn = surrogate.TEn,
        P = surrogate.P,
        Seed = surrogate.Seed,
        Mode = surrogate.Mode == "v1" ? CurationMode.V1 : CurationMode.V2,
        Columns = new SnapshotColumns { Text = surrogate.TextColumn, Url = surrogate.UrlColumn, Uuid = surrogate.UuidColumn, Lang = surrogate.LangColumn },
        Format = surrogate.Format == "jsonl" ? CuratedFormat.Jsonl : CuratedFormat.Parquet,
        Threads = surrogate.Threads > 0 ? surrogate.Threads : null,
        SkipBadFiles = surrogate.SkipBadFiles,
        LidModel = surrogate.LidModel,
        ShardBytes = surrogate.ShardBytes > 0 ? surrogate.ShardBytes : null,
        ShardRows = surrogate.ShardRows > 0 ? surrogate.ShardRows : null,
        Parts = surrogate.Parts == "per-shard" ? OutputParts.PerShard : OutputParts.One,
    };

    public CurationOptionsSurrogate ConvertToSurrogate(in CurationOptions value) => new(
        value.Snapshot, value.Metadata, value.Output, value.TEn, value.P, value.Seed, value.Mode == CurationMode.V1 ? "v1" : "v2",
        value.Columns.Text, value.Columns.Url, value.Columns.Uuid, value.Columns.Lang, value.Format == CuratedFormat.Jsonl ? "jsonl" : "parquet",
        value.Threads ?? 0, value.SkipBadFiles, value.LidModel, value.ShardBytes ?? 0, value.ShardRows ?? 0,
        value.Parts == OutputParts.PerShard ? "per-shard" : null);
}
