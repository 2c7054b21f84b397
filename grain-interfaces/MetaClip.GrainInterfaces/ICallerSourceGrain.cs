using Orleans.CodeGeneration;

namespace MetaClip.GrainInterfaces;

/// <summary>
/// Tells a client how the silos see it: the source of its calls (its client grain id), which it signs in its
/// <see cref="JobPrincipalProof"/>. Answered with mutual TLS only (without it, null): a client needs no proof there.
/// </summary>
[Alias("MetaClip.ICallerSourceGrain"), Version(1)]
public interface ICallerSourceGrain : IGrainWithIntegerKey
{
    /// <summary>The source of this very call as the silo that answers sees it.</summary>
    [Alias("CallerSource")]
    Task<string?> CallerSource();
}
