using MetaClip.Grains.Hosting;

namespace MetaClip.Grains.Tests.Hosting;

public sealed class TlsCertificatesTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Only_certificates_of_the_configured_ca_are_trusted_and_the_principal_is_the_subjects_common_name()
    {
        using var ca = new TestCertificateAuthority(_dir.Combine("pki"), "cluster-ca");
        using var other = new TestCertificateAuthority(_dir.Combine("pki"), "other-ca");
        var (certificate, key) = ca.IssuePem("silo");
        var certificates = TlsCertificates.Load(new TlsSettings { CertificateFile = certificate, KeyFile = key, CaFile = ca.CaFile });
        Assert.Equal("silo", certificates.Principal);
        Assert.True(certificates.Certificate.HasPrivateKey);

        using var alice = TlsCertificates.Load(new TlsSettings { CertificateFile = ca.IssuePfx("alice", "pfx-password"), Password = "pfx-password", CaFile = ca.CaFile }).Certificate;
        Assert.True(certificates.IsTrusted(alice, presented: null));
        Assert.Equal("alice", TlsCertificates.PrincipalOf(alice));

        var (foreignCertificate, foreignKey) = other.IssuePem("mallory");
        using var mallory = TlsCertificates.Load(new TlsSettings { CertificateFile = foreignCertificate, KeyFile = foreignKey, CaFile = other.CaFile }).Certificate;
        Assert.False(certificates.IsTrusted(mallory, presented: null));
    }

    [Fact]
    public void A_rotated_certificate_or_ca_is_read_again_without_a_restart()
    {
        using var ca = new TestCertificateAuthority(_dir.Combine("pki"), "cluster-ca");
        using var next = new TestCertificateAuthority(_dir.Combine("pki"), "next-ca");
        var (first, firstKey) = ca.IssuePem("silo-1");
        string certificateFile = _dir.Combine("tls", "tls.crt");
        string keyFile = _dir.Combine("tls", "tls.key");
        string caFile = _dir.Combine("tls", "ca.crt");
        Directory.CreateDirectory(_dir.Combine("tls"));
        File.Copy(first, certificateFile);
        File.Copy(firstKey, keyFile);
        File.Copy(ca.CaFile, caFile);
        var certificates = TlsCertificates.Load(new TlsSettings { CertificateFile = certificateFile, KeyFile = keyFile, CaFile = caFile });
        Assert.Equal("silo-1", certificates.Principal);
        var (peer, peerKey) = next.IssuePem("peer");
        using var nextPeer = TlsCertificates.Load(new TlsSettings { CertificateFile = peer, KeyFile = peerKey, CaFile = next.CaFile }).Certificate;
        Assert.False(certificates.IsTrusted(nextPeer, presented: null));

        // The secret is replaced (a new certificate, a new CA): the next connection uses the new files.
        var (second, secondKey) = next.IssuePem("silo-2-renewed");
        File.Copy(second, certificateFile, overwrite: true);
        File.Copy(secondKey, keyFile, overwrite: true);
        File.Copy(next.CaFile, caFile, overwrite: true);
        Assert.Equal("silo-2-renewed", certificates.Principal);
        Assert.True(certificates.IsTrusted(nextPeer, presented: null));

        // A rotation caught half-written keeps the files read before.
        File.WriteAllText(keyFile, "not a key");
        Assert.Equal("silo-2-renewed", certificates.Principal);
    }

    [Fact]
    public void A_certificate_that_cannot_be_read_is_an_error_naming_the_file_but_never_the_password()
    {
        using var ca = new TestCertificateAuthority(_dir.Combine("pki"), "cluster-ca");
        string pfx = ca.IssuePfx("silo", "right-password");
        var error = Assert.Throws<InvalidOperationException>(() => TlsCertificates.Load(new TlsSettings { CertificateFile = pfx, Password = "wrong-password", CaFile = ca.CaFile }));
        Assert.StartsWith($"TLS certificate {pfx} cannot be read", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password", error.Message, StringComparison.Ordinal);

        var missing = Assert.Throws<InvalidOperationException>(() => TlsCertificates.Load(new TlsSettings { CertificateFile = pfx, Password = "right-password", CaFile = _dir.Combine("no-ca.pem") }));
        Assert.StartsWith("TLS CA file", missing.Message, StringComparison.Ordinal);
    }
}
