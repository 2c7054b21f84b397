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

    public Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.SourceId is not { } source || !GrainTypePrefix.IsClient(source))
        {
            // A call from a grain (or the runtime) inside the cluster: it carries the name its caller was given.
            return context.Invoke();
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
                return new Verified(now, proof.Name, string.Empty);
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

    /// <summary>A verification: the proven name, or null and why not.</summary>
    private sealed record Verified(DateTimeOffset CheckedAt, string? Name, string Why);
}

/// <summary>
/// Signs, with this silo's certificate, the name that calls made through the silo's own hosted client carry (the
/// dashboard's cancel and retry as <see cref="JobPrincipal.HttpOperator"/>), so that the silo of the target grain can
/// tell them from a client's claim (<see cref="PrincipalVerification"/>). Calls from grains are left as they are.
/// </summary>
public sealed class PrincipalSigningFilter(TlsCertificates certificates, IServiceProvider services) : IOutgoingGrainCallFilter
{
    private readonly PrincipalProofSigner _signer = new(() => certificates.Certificate);
    private string? _source;

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

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
