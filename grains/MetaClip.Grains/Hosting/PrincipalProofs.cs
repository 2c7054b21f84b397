using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MetaClip.GrainInterfaces;

namespace MetaClip.Grains.Hosting;

/// <summary>
/// Makes and checks <see cref="JobPrincipalProof"/>s: a signature, with a certificate's private key (ECDSA or RSA,
/// SHA-256), over the call's source, the name and the time it was made.
/// </summary>
public static class PrincipalProofs
{
    /// <summary>How long a proof is accepted after it was made.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    /// <summary>How far in the future a proof's time may be (the client's clock ahead of the silo's).</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>How old a proof a signer sends before it makes a new one (well within <see cref="Lifetime"/>).</summary>
    public static readonly TimeSpan Refresh = TimeSpan.FromMinutes(5);

    /// <summary>A proof, signed with <paramref name="certificate"/>'s private key, that <paramref name="source"/> calls as <paramref name="name"/>.</summary>
    public static JobPrincipalProof Create(X509Certificate2 certificate, string source, string name, DateTimeOffset issuedAt)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(name);
        long seconds = issuedAt.ToUnixTimeSeconds();
        byte[] signed = SignedBytes(source, name, seconds);
        byte[] signature;
        using (var ecdsa = certificate.GetECDsaPrivateKey())
        {
            if (ecdsa is not null)
            {
                signature = ecdsa.SignData(signed, HashAlgorithmName.SHA256);
                return new JobPrincipalProof(certificate.RawData, source, name, seconds, signature);
            }
        }

        using var rsa = certificate.GetRSAPrivateKey()
            ?? throw new InvalidOperationException($"the certificate {certificate.Subject} has no ECDSA or RSA private key to sign the caller's name with");
        signature = rsa.SignData(signed, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        return new JobPrincipalProof(certificate.RawData, source, name, seconds, signature);
    }

    /// <summary>Whether <paramref name="proof"/>'s signature was made with the private key of <paramref name="certificate"/> (its own certificate, decoded).</summary>
    public static bool HasValidSignature(JobPrincipalProof proof, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(proof);
        ArgumentNullException.ThrowIfNull(certificate);
        byte[] signed = SignedBytes(proof.Source, proof.Name, proof.IssuedAtUnixSeconds);
        try
        {
            using (var ecdsa = certificate.GetECDsaPublicKey())
            {
                if (ecdsa is not null)
                {
                    return ecdsa.VerifyData(signed, proof.Signature, HashAlgorithmName.SHA256);
                }
            }

            using var rsa = certificate.GetRSAPublicKey();
            return rsa is not null && rsa.VerifyData(signed, proof.Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>A digest of everything the proof says (the cache key of a verification).</summary>
    public static string Digest(JobPrincipalProof proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(SignedBytes(proof.Source, proof.Name, proof.IssuedAtUnixSeconds));
        AppendField(hash, proof.Certificate);
        AppendField(hash, proof.Signature);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>What is signed: a purpose tag, then each field prefixed by its length, so no two field lists sign alike.</summary>
    private static byte[] SignedBytes(string source, string name, long issuedAt)
    {
        using var buffer = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (string field in new[] { "metaclip-principal-proof/v1", source, name })
        {
            byte[] bytes = Encoding.UTF8.GetBytes(field);
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            buffer.Write(length);
            buffer.Write(bytes);
        }

        Span<byte> time = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(time, issuedAt);
        buffer.Write(time);
        return buffer.ToArray();
    }

    private static void AppendField(IncrementalHash hash, byte[] field)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, field.Length);
        hash.AppendData(length);
        hash.AppendData(field);
    }
}

/// <summary>
/// The proofs one end sends: made with its current certificate (a rotated one is used from the next proof on) for a
/// source and name, and kept until <see cref="PrincipalProofs.Refresh"/> has passed, so that a session signs once every
/// few minutes, not once per call.
/// </summary>
public sealed class PrincipalProofSigner(Func<X509Certificate2> certificate, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private JobPrincipalProof? _proof;
    private DateTimeOffset _madeAt;

    /// <summary>
    /// A proof that <paramref name="source"/> (the caller's grain id, as <see cref="ICallerSourceGrain"/> tells it) calls as <paramref name="name"/>; by default as
    /// the certificate's own subject name (a client's).
    /// </summary>
    public JobPrincipalProof For(string source, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        string from = source;
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (_proof is null || _proof.Source != from || (name is not null && _proof.Name != name) || now - _madeAt >= PrincipalProofs.Refresh || now < _madeAt)
            {
                var current = certificate();
                _proof = PrincipalProofs.Create(current, from, name ?? TlsCertificates.PrincipalOf(current), now);
                _madeAt = now;
            }

            return _proof;
        }
    }
}
