namespace MetaClip.GrainInterfaces;

/// <summary>
/// A client's proof that it holds the private key of its TLS certificate, sent with its calls in the
/// <see cref="RequestContext"/> (<see cref="RequestContextKey"/>) when the cluster uses mutual TLS: the certificate (DER)
/// and a signature, made with the certificate's key, over the call's source (the client's grain id as the silo sees it),
/// the name and the time it was made. A silo checks it and takes the caller's name from the certificate
/// (<see cref="JobPrincipal"/>); a client signs once per session and again before the proof ages out, not per call.
/// </summary>
[GenerateSerializer, Immutable, Alias("MetaClip.JobPrincipalProof.v1")]
public sealed record JobPrincipalProof(
    [property: Id(0)] byte[] Certificate,
    [property: Id(1)] string Source,
    [property: Id(2)] string Name,
    [property: Id(3)] long IssuedAtUnixSeconds,
    [property: Id(4)] byte[] Signature)
{
    /// <summary>The <see cref="RequestContext"/> key of the proof.</summary>
    public const string RequestContextKey = "metaclip-principal-proof";
}
