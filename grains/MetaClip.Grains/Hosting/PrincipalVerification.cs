using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MetaClip.Engine;
using MetaClip.GrainInterfaces;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MetaClip.Grains.Hosting;

/// <summary>
/// With mutual TLS, the silo decides who a client's call comes from (<see cref="JobPrincipal"/>), not the client: a
/// call whose source is a client carries a <see cref="JobPrincipalProof"/>, which must be signed with the private key
/// of a certificate of the cluster's CA (the CA the silo trusts for TLS), for this very source, made within
/// <see cref="PrincipalProofs.Lifetime"/>; the call's name is then the certificate's subject common name, whatever the
/// client claimed. A client call that names someone without a valid proof is refused; one that names no one goes on
/// unnamed (it may read, not change another's job). The proof goes no further than this silo: it is removed from the
/// call's context, and calls the grain makes carry the verified name.
/// <para>
/// A proof made with a silo's certificate (its subject is in <c>MetaClip:Tls:SiloSubjects</c>, by default the subject of
/// this silo's own certificate) may name anyone: a silo speaks for its own client, whose calls the dashboard makes (cancel
/// and retry as <see cref="JobPrincipal.HttpOperator"/>, signed by <see cref="PrincipalSigningFilter"/>). A client
/// certificate's name is never <see cref="JobPrincipal.HttpOperator"/>.
/// </para>
/// Verifications are cached (by everything the proof says), so a session's calls cost a hash and a lookup each.
/// </summary>
public sealed partial class PrincipalVerification(TlsCertificates certificates, IReadOnlySet<string> siloSubjects, ILogger<PrincipalVerification> logger, TimeProvider? time = null)
    : IIncomingGrainCallFilter
{
    private const int MaxCached = 4096;
    private static readonly TimeSpan Recheck = TimeSpan.FromMinutes(5);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, Verified> _verified = new(StringComparer.Ordinal);

    /// <summary>The <see cref="RequestContext"/> key through which <see cref="CallerSourceGrain"/> learns the caller's source.</summary>
    internal const string CallerSourceKey = "metaclip-caller-source";

    /// <summary>
    /// The <see cref="RequestContext"/> key of a silo's proof that it made a call (<see cref="PrincipalSigningFilter"/>
    /// adds it to every call a silo sends to a grain, never to a client).
    /// </summary>
    internal const string SiloCallKey = "metaclip-silo-call";

    /// <summary>The source a silo's proof of its calls is made for (no client's source is ever this).</summary>
    internal const string SiloCallSource = "metaclip-silo-call/v1";

    private static readonly ConcurrentDictionary<System.Reflection.MethodInfo, bool> InternalMethods = new();

    public Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var siloProof = RequestContext.Get(SiloCallKey) as JobPrincipalProof;
        RequestContext.Remove(SiloCallKey);
        var siloCheck = siloProof is null ? null : Verify(siloProof, SiloCallSource);
        bool fromSilo = siloCheck is { Name: not null, FromSilo: true };
        bool clusterInternal = IsClusterInternal(context.InterfaceMethod);
        if (context.SourceId is not { } source || !GrainTypePrefix.IsClient(source))
        {
            // A call from a grain, which a silo of the cluster vouches for: it carries the name its caller was given.
            // Without that, the call came through a gateway from a client that gave a grain as its source (a client's
            // connection may say anything there): it may neither name anyone nor reach the cluster's own grains.
            if (!fromSilo && (JobPrincipal.Current is not null || clusterInternal))
            {
                string what = context.InterfaceMethod is { } method ? $"{method.DeclaringType?.Name}.{method.Name}" : "a grain";
                string why = siloCheck is null
                    ? "no silo of the cluster vouches for it (only a client that forged its source sends such a call)"
                    : $"its silo's proof is not valid: {siloCheck.Why} (silos' clocks apart, or a certificate just rotated?)";
                LogForgedSource(logger, context.SourceId?.ToString() ?? "none", what, why);
                throw new CurationException($"refused: this call to {what} says it comes from {context.SourceId?.ToString() ?? "no one"}, and {why}");
            }

            return context.Invoke();
        }

        if (clusterInternal && !fromSilo)
        {
            string what = $"{context.InterfaceMethod!.DeclaringType?.Name}.{context.InterfaceMethod.Name}";
            LogInternalFromClient(logger, source.ToString(), what);
            throw new CurationException($"refused: {what} is called by the cluster's own grains only, not by clients");
        }

        if (context.InterfaceMethod?.DeclaringType == typeof(ICallerSourceGrain))
        {
            // A client asks how its calls' source looks here, to sign it.
            RequestContext.Set(CallerSourceKey, source.ToString());
        }

        string? claimed = JobPrincipal.Current;
        var proof = RequestContext.Get(JobPrincipalProof.RequestContextKey) as JobPrincipalProof;
        RequestContext.Remove(JobPrincipalProof.RequestContextKey);
        RequestContext.Remove(JobPrincipal.RequestContextKey);
        if (proof is null)
        {
            if (claimed is not null)
            {
                LogUnproven(logger, source.ToString(), claimed);
                throw new CurationException(
                    $"refused: this call names {claimed} as its caller without proof; with TLS the cluster takes the caller's name from its client certificate, " +
                    "and metaclip proves it with every call (a client that cannot must not name a caller)");
            }

            return context.Invoke();
        }

        var verified = Verify(proof, source.ToString());
        if (verified.Name is not { } name)
        {
            LogRefused(logger, source.ToString(), verified.Why);
            throw new CurationException($"refused: the proof of this call's caller is not valid: {verified.Why}");
        }

        RequestContext.Set(JobPrincipal.RequestContextKey, name);
        return context.Invoke();
    }

    /// <summary>The name <paramref name="proof"/> proves for a call from <paramref name="source"/>, or why it proves none.</summary>
    private Verified Verify(JobPrincipalProof proof, string source)
    {
        var now = _time.GetUtcNow();
        if (!string.Equals(proof.Source, source, StringComparison.Ordinal))
        {
            return new Verified(now, null, "it was made for another client");
        }

        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(proof.IssuedAtUnixSeconds, -62135596800L, 253402300799L));
        if (issuedAt < now - PrincipalProofs.Lifetime || issuedAt > now + PrincipalProofs.ClockSkew)
        {
            return new Verified(now, null, $"it was made at {issuedAt:u}, not within {PrincipalProofs.Lifetime.TotalMinutes:0} minutes of the silo's time {now:u}");
        }

        string digest = PrincipalProofs.Digest(proof);
        if (_verified.TryGetValue(digest, out var known) && now - known.CheckedAt < Recheck)
        {
            return known;
        }

        var verified = VerifyUncached(proof, now);
        if (_verified.Count >= MaxCached)
        {
            _verified.Clear();
        }

        _verified[digest] = verified;
        return verified;
    }

    private Verified VerifyUncached(JobPrincipalProof proof, DateTimeOffset now)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(proof.Certificate);
        }
        catch (CryptographicException)
        {
            return new Verified(now, null, "its certificate cannot be read");
        }

        using (certificate)
        {
            string subject = TlsCertificates.PrincipalOf(certificate);
            if (!certificates.IsTrusted(certificate, presented: null))
            {
                return new Verified(now, null, $"its certificate ({certificate.Subject}) is not valid or not signed by the cluster's CA");
            }

            if (!PrincipalProofs.HasValidSignature(proof, certificate))
            {
                return new Verified(now, null, $"its signature was not made with the key of its certificate ({certificate.Subject})");
            }

            // A silo's certificate speaks for the silo's own client (its dashboard): the name it signed stands.
            if (certificates.IsSilo(certificate, siloSubjects))
            {
                return new Verified(now, proof.Name, string.Empty, FromSilo: true);
            }

            if (proof.Source == SiloCallSource)
            {
                return new Verified(now, null, $"only a silo's certificate vouches for a silo's calls, and {certificate.Subject} is not one");
            }

            if (subject == JobPrincipal.HttpOperator)
            {
                return new Verified(now, null, $"{JobPrincipal.HttpOperator} is the name of the dashboard's calls, not a client's");
            }

            return string.Equals(proof.Name, subject, StringComparison.Ordinal)
                ? new Verified(now, subject, string.Empty)
                : new Verified(now, null, $"it names {proof.Name}, and its certificate is {subject}'s");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a call from client {Source}: it names {Claimed} as its caller without a proof (with TLS the caller's name comes from its certificate)")]
    private static partial void LogUnproven(ILogger logger, string source, string claimed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a call from client {Source}: the proof of its caller is not valid: {Why}")]
    private static partial void LogRefused(ILogger logger, string source, string why);

    /// <summary>Whether a method, or its interface, is <see cref="ClusterInternalAttribute"/>.</summary>
    private static bool IsClusterInternal(System.Reflection.MethodInfo? method) =>
        method is not null && InternalMethods.GetOrAdd(method, m =>
            m.IsDefined(typeof(ClusterInternalAttribute), inherit: false) || m.DeclaringType?.IsDefined(typeof(ClusterInternalAttribute), inherit: false) == true);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a call to {Method} that says it comes from {Source}: {Why}")]
    private static partial void LogForgedSource(ILogger logger, string source, string method, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a call from client {Source} to {Method}: the cluster's own grains call it, clients do not")]
    private static partial void LogInternalFromClient(ILogger logger, string source, string method);

    /// <summary>A verification: the proven name, or null and why not; whether a silo's certificate made it.</summary>
    private sealed record Verified(DateTimeOffset CheckedAt, string? Name, string Why, bool FromSilo = false);
}

/// <summary>
/// Signs, with this silo's certificate, what the silo of the target grain must know of a call this silo makes
/// (<see cref="PrincipalVerification"/>): that a silo of the cluster made it at all (every call to a grain; never a call
/// to a client, so that no client ever holds such a proof), and the name that calls made through the silo's own hosted
/// client carry (the dashboard's cancel and retry as <see cref="JobPrincipal.HttpOperator"/>), so that it can be told
/// from a client's claim.
/// </summary>
public sealed class PrincipalSigningFilter(TlsCertificates certificates, IServiceProvider services) : IOutgoingGrainCallFilter
{
    private readonly PrincipalProofSigner _signer = new(() => certificates.Certificate);
    private readonly PrincipalProofSigner _siloSigner = new(() => certificates.Certificate);
    private string? _source;

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (GrainTypePrefix.IsClient(context.TargetId))
        {
            RequestContext.Remove(PrincipalVerification.SiloCallKey);
        }
        else
        {
            RequestContext.Set(PrincipalVerification.SiloCallKey, _siloSigner.For(PrincipalVerification.SiloCallSource));
        }

        try
        {
            await InvokeNamed(context);
        }
        finally
        {
            // The proof is the call's, not the caller's: nothing after the call holds it.
            RequestContext.Remove(PrincipalVerification.SiloCallKey);
        }
    }

    private async Task InvokeNamed(IOutgoingGrainCallContext context)
    {
        // A call from a grain has the grain as its source; one from the silo's own client has none here.
        if ((context.SourceId is { } source && !GrainTypePrefix.IsClient(source)) || JobPrincipal.Current is not { } name
            || context.InterfaceMethod?.DeclaringType == typeof(ICallerSourceGrain) || RequestContext.Get(JobPrincipalProof.RequestContextKey) is not null)
        {
            await context.Invoke();
            return;
        }

        if (_source is null)
        {
            RequestContext.Remove(JobPrincipal.RequestContextKey);
            try
            {
                _source = await services.GetRequiredService<IGrainFactory>().GetGrain<ICallerSourceGrain>(0).CallerSource()
                    ?? throw new InvalidOperationException("the silo did not say how it sees its own client's calls");
            }
            finally
            {
                RequestContext.Set(JobPrincipal.RequestContextKey, name);
            }
        }

        RequestContext.Set(JobPrincipalProof.RequestContextKey, _signer.For(_source, name));
        try
        {
            await context.Invoke();
        }
        finally
        {
            RequestContext.Remove(JobPrincipalProof.RequestContextKey);
        }
    }
}
