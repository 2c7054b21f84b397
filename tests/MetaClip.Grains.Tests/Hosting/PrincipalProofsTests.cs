using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MetaClip.Grains.Hosting;

namespace MetaClip.Grains.Tests.Hosting;

/// <summary>The signatures that prove a caller's name (issue 18): only the certificate's key makes them, over every field.</summary>
public sealed class PrincipalProofsTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_proof_is_valid_only_with_the_key_of_its_certificate_and_every_field_as_signed()
    {
        using var ca = new TestCertificateAuthority(_dir.Combine("pki"), "cluster-ca");
        var (certificate, key) = ca.IssuePem("alice");
        var (otherCertificate, otherKey) = ca.IssuePem("bob");
        using var alice = TlsCertificates.Load(new TlsSettings { CertificateFile = certificate, KeyFile = key, CaFile = ca.CaFile }).Certificate;
        using var bob = TlsCertificates.Load(new TlsSettings { CertificateFile = otherCertificate, KeyFile = otherKey, CaFile = ca.CaFile }).Certificate;

        var proof = PrincipalProofs.Create(alice, "sys.client/abc", "alice", DateTimeOffset.UtcNow);
        Assert.True(PrincipalProofs.HasValidSignature(proof, alice));
        Assert.False(PrincipalProofs.HasValidSignature(proof, bob));
        Assert.False(PrincipalProofs.HasValidSignature(proof with { Name = "bob" }, alice));
        Assert.False(PrincipalProofs.HasValidSignature(proof with { Source = "sys.client/def" }, alice));
        Assert.False(PrincipalProofs.HasValidSignature(proof with { IssuedAtUnixSeconds = proof.IssuedAtUnixSeconds + 1 }, alice));
        Assert.False(PrincipalProofs.HasValidSignature(proof with { Signature = [1, 2, 3] }, alice));

        // The digest (the cache key of a verification) changes with every field.
        string digest = PrincipalProofs.Digest(proof);
        Assert.NotEqual(digest, PrincipalProofs.Digest(proof with { Name = "bob" }));
        Assert.NotEqual(digest, PrincipalProofs.Digest(proof with { Certificate = bob.RawData }));
        Assert.NotEqual(digest, PrincipalProofs.Digest(proof with { Signature = [1, 2, 3] }));
    }

    [Fact]
    public void An_rsa_key_signs_too_and_a_signer_makes_a_new_proof_only_when_the_last_is_old_or_for_another_source()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=carol", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var carol = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var time = new ManualTime(DateTimeOffset.UtcNow);
        var signer = new PrincipalProofSigner(() => carol, time);

        var first = signer.For("sys.client/abc");
        Assert.Equal("carol", first.Name);
        Assert.True(PrincipalProofs.HasValidSignature(first, carol));
        time.Now += TimeSpan.FromMinutes(1);
        Assert.Same(first, signer.For("sys.client/abc"));
        Assert.NotSame(first, signer.For("sys.client/def"));
        var again = signer.For("sys.client/abc");
        time.Now += PrincipalProofs.Refresh;
        var renewed = signer.For("sys.client/abc");
        Assert.NotSame(again, renewed);
        Assert.True(renewed.IssuedAtUnixSeconds > again.IssuedAtUnixSeconds);
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
