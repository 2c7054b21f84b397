namespace MetaClip.GrainInterfaces;

/// <summary>
/// Who a grain call comes from: the name a <c>metaclip</c> client sends with every call (the subject of its TLS client
/// certificate, or without TLS the name given with <c>--as</c> / <c>METACLIP_USER</c> / the OS user), carried in the
/// call's <see cref="RequestContext"/>. Orleans does not tell a grain which connection (and so which certificate) a
/// call came through: the name is what the client says. With mutual TLS only holders of a certificate signed by the
/// cluster's CA reach a gateway at all; among them, the name is trusted, not proven.
/// </summary>
public static class JobPrincipal
{
    /// <summary>The <see cref="RequestContext"/> key of the name.</summary>
    public const string RequestContextKey = "metaclip-principal";

    /// <summary>
    /// The name of calls made by a silo's job dashboard for a request with an HTTP operator key (cancel, retry from the
    /// page): an operator. Like every name, it is what the caller says; with mutual TLS only holders of a certificate of
    /// the cluster's CA can say it.
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
