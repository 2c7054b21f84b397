using MetaClip.Engine.Matching;

namespace MetaClip.Grains.Curation;

/// <summary>A silo's curation settings.</summary>
public sealed class CurationSiloOptions
{
    /// <summary>Shards this silo runs at once (each uses every core); more wait their turn here (back-pressure).</summary>
    public int MaxConcurrentShards { get; set; } = 2;

    /// <summary>The storage account of blob locations (<c>az://</c>); local paths only when null. Never logged.</summary>
    public string? StorageConnectionString { get; set; }

    /// <summary>
    /// Keep shard intermediates in this silo's memory instead of writing them to the job's work folder. Only for a
    /// silo that is its cluster's only one (<see cref="SingleSilo"/>): another silo could not read them, and they
    /// end with the process (the embedded cluster of <c>metaclip curate</c>).
    /// </summary>
    public bool IntermediatesInMemory { get; set; }

    /// <summary>
    /// With <see cref="IntermediatesInMemory"/>: at most this many bytes of encoded intermediates stay in memory; the
    /// rest go to files in this process's temporary folder, so a big job's memory stays bounded.
    /// </summary>
    public long IntermediateMemoryBytes { get; set; } = DefaultIntermediateMemoryBytes;

    /// <summary>The default of <see cref="IntermediateMemoryBytes"/>: 64 MiB.</summary>
    public const long DefaultIntermediateMemoryBytes = 64L << 20;

    /// <summary>
    /// This silo is its cluster's only one: when it stops, no other silo would run the shards it hands back, so it
    /// stops at once instead of waiting for their hand-back.
    /// </summary>
    public bool SingleSilo { get; set; }

    /// <summary>
    /// Language partitions acknowledge a shard's counts once applied in memory and write their state when their
    /// activation goes, instead of before acknowledging. Exactly once all the same; only for grain state that lives
    /// in memory and ends with the process anyway (the embedded cluster), where a write protects nothing.
    /// </summary>
    public bool AcknowledgeBeforePersisting { get; set; }

    /// <summary>
    /// The locations jobs may read and write, checked when a job starts (<c>MetaClip:AllowedLocations</c> on a silo
    /// host). Default: <see cref="AllowedLocations.Unrestricted"/>, for the embedded cluster of <c>metaclip curate</c>,
    /// which runs as its user on the user's own files; a silo host always sets it.
    /// </summary>
    public AllowedLocations AllowedLocations { get; set; } = AllowedLocations.Unrestricted;

    /// <summary>Checks that the settings fit together.</summary>
    /// <exception cref="InvalidOperationException">Intermediates in memory on a silo that is not alone.</exception>
    public void Validate()
    {
        if (IntermediatesInMemory && !SingleSilo)
        {
            throw new InvalidOperationException("IntermediatesInMemory needs SingleSilo: another silo could not read this silo's intermediates");
        }
    }

    /// <summary>
    /// The folder of compiled metadata lists on this machine (see <see cref="CompiledMatcherCache"/>): <c>off</c> for
    /// none; when null, <c>METACLIP_MATCHER_CACHE</c>, else the user's cache folder (<c>~/.cache/metaclip/matchers</c>).
    /// </summary>
    public string? MatcherCache { get; set; }

    /// <summary>
    /// The principals that may cancel and retry any job (<c>MetaClip:Operators</c>); everyone else only the jobs they
    /// submitted. See <see cref="JobPrincipalCheck"/>.
    /// </summary>
    public IReadOnlySet<string> Operators { get; set; } = new HashSet<string>(StringComparer.Ordinal);
}
