namespace MetaClip.Dashboard.Views;

/// <summary>
/// A silo: its name, address, HTTP URL, membership status, metadata, shards in flight, CPU and memory, the language
/// partitions it hosts (<c>job/language</c>), and whether it serves the page that asked.
/// </summary>
public sealed record SiloRow(string Name, string Address, string? Url, string Status, IReadOnlyDictionary<string, string> Metadata,
    int ShardsInFlight, double? CpuPercent, long? MemoryBytes, long? TotalMemoryBytes, IReadOnlyList<string> Partitions, DateTimeOffset StartedAt, bool ThisSilo);
