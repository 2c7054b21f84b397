using Orleans.CodeGeneration;

namespace MetaClip.GrainInterfaces;

/// <summary>What a client asks of the job dashboard that every silo serves (<c>metaclip dashboard</c>).</summary>
[Alias("MetaClip.IDashboardGrain"), Version(1)]
public interface IDashboardGrain : IGrainWithIntegerKey
{
    /// <summary>The HTTP URLs of the active silos (their <c>Orleans:Metadata:http</c>), the answering silo's first.</summary>
    [Alias("SiloUrls")]
    Task<string[]> SiloUrls();
}
