namespace MetaClip.GrainInterfaces;

/// <summary>
/// Who a grain call comes from, carried in the call's <see cref="RequestContext"/>. Without TLS it is the name a
/// <c>metaclip</c> client sends (given with <c>--as</c> / <c>METACLIP_USER</c>, or the OS user): a label, not proven.
/// With mutual TLS the silo sets it: a client proves its name with a <see cref="JobPrincipalProof"/> (a signature with
/// its certificate's key), and the silo's incoming call filter replaces whatever the client claimed with the subject
/// common name of the certificate that signed, refusing a claimed name without a valid proof.
/// </summary>
public static class JobPrincipal
{
    /// <summary>The <see cref="RequestContext"/> key of the name.</summary>
    public const string RequestContextKey = "metaclip-principal";

    /// <summary>
    /// The name of calls made by a silo's job dashboard for a request with an HTTP operator key (cancel, retry from the
    /// page): an operator. With TLS only a silo's certificate can sign it (a client certificate of this name is
    /// refused); without TLS, like every name, it is what the caller says.
    /// </summary>
    public const string HttpOperator = "http-operator";

    /// <summary>Makes the grain calls of this flow carry <paramref name="name"/> until the result is disposed.</summary>
    public static IDisposable Use(string name)
    {
        var before = RequestContext.Get(RequestContextKey);
        RequestContext.Set(RequestContextKey, name);
        return new Restore(before);
    }

    private sealed class Restore(object? before) : IDisposable
    {
        public void Dispose()
        {
            if (before is null)
            {
                RequestContext.Remove(RequestContextKey);
            }
            else
            {
                RequestContext.Set(RequestContextKey, before);
            }
        }
    }

    /// <summary>The name the current grain call came with, or null (a call from within the cluster, an older client).</summary>
    public static string? Current => RequestContext.Get(RequestContextKey) as string is { Length: > 0 } name ? name : null;
}
