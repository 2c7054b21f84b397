using Orleans.CodeGeneration;

namespace MetaClip.GrainInterfaces;

/// <summary>
/// The HTTP origins the cluster's silos have published (key 0), persisted: the dashboard lets a page of one of these
/// origins read from any silo, including a page whose own silo has since died. Only the silos themselves add to it.
/// </summary>
[Alias("MetaClip.ISiloUrlRegistryGrain"), Version(1)]
public interface ISiloUrlRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Records a silo's published URL (its origin: scheme, host and port).</summary>
    [Alias("Register")]
    [ClusterInternal]
    Task Register(string url);

    /// <summary>The origins recorded, newest first.</summary>
    [Alias("Origins")]
    Task<string[]> Origins();
}
