using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MetaClip.TestSupport;

/// <summary>
/// A private CA made for a test, and the certificates it issues (for silos and clients alike: server and client
/// authentication), written as PEM (or PKCS#12) files into a folder.
/// </summary>
internal sealed class TestCertificateAuthority : IDisposable
{
    private readonly string _folder;
    private readonly string _name;
    private readonly ECDsa _key;
    private readonly X509Certificate2 _certificate;

    public TestCertificateAuthority(string folder, string name)
    {
        _folder = folder;
        _name = name;
        Directory.CreateDirectory(folder);
        _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        CaFile = Path.Combine(folder, $"{name}.ca.pem");
        File.WriteAllText(CaFile, _certificate.ExportCertificatePem());
    }

    /// <summary>The CA's certificate (PEM).</summary>
    public string CaFile { get; }

    /// <summary>A certificate for <paramref name="commonName"/> and its key, as two PEM files.</summary>
    public (string Certificate, string Key) IssuePem(string commonName)
    {
        using var certificate = Issue(commonName, out var key);
        using (key)
        {
            string stem = Path.Combine(_folder, $"{_name}.{commonName}");
            File.WriteAllText(stem + ".crt.pem", certificate.ExportCertificatePem());
            File.WriteAllText(stem + ".key.pem", key.ExportPkcs8PrivateKeyPem());
            return (stem + ".crt.pem", stem + ".key.pem");
        }
    }

    /// <summary>A certificate for <paramref name="commonName"/> with its key in one PKCS#12 file protected by <paramref name="password"/>.</summary>
    public string IssuePfx(string commonName, string password)
    {
        using var certificate = Issue(commonName, out var key);
        using (key)
        using (var withKey = certificate.CopyWithPrivateKey(key))
        {
            string file = Path.Combine(_folder, $"{_name}.{commonName}.pfx");
            File.WriteAllBytes(file, withKey.Export(X509ContentType.Pkcs12, password));
            return file;
        }
    }

    public void Dispose()
    {
        _certificate.Dispose();
        _key.Dispose();
    }

    private X509Certificate2 Issue(string commonName, out ECDsa key)
    {
        key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var serial = new byte[8];
        RandomNumberGenerator.Fill(serial);
        return request.Create(_certificate, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
    }
}
