namespace MetaClip.Grains.Hosting;

/// <summary>
/// Mutual TLS on the silo and gateway ports (a silo's <c>MetaClip:Tls</c> section) or on a client's connection to the
/// gateways: this end's certificate and private key, and the private CA that every peer's certificate must chain to.
/// Each setting falls back to an environment variable (<c>METACLIP_TLS_CERT</c>, <c>METACLIP_TLS_KEY</c>,
/// <c>METACLIP_TLS_PASSWORD</c>, <c>METACLIP_TLS_CA</c>), so a mounted Kubernetes secret is named the same way on silos
/// and clients. The password is never logged.
/// </summary>
public sealed class TlsSettings
{
    public const string CertificateVariable = "METACLIP_TLS_CERT";
    public const string KeyVariable = "METACLIP_TLS_KEY";
    public const string PasswordVariable = "METACLIP_TLS_PASSWORD";
    public const string CaVariable = "METACLIP_TLS_CA";

    /// <summary>This end's certificate: a PKCS#12 file (<c>.pfx</c>, <c>.p12</c>, with its key inside) or a PEM file.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The PEM private key of <see cref="CertificateFile"/> (default: in the certificate's own PEM file).</summary>
    public string? KeyFile { get; set; }

    /// <summary>The password of the PKCS#12 file or of an encrypted PEM key.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// The CA certificate(s), PEM (a bundle is fine) or DER, that peers' certificates must chain to. Only these are
    /// trusted: not the operating system's store.
    /// </summary>
    public string? CaFile { get; set; }

    /// <summary>
    /// A silo's setting (<c>MetaClip:Tls:SiloSubjects</c>): the subject common names of the silos' certificates, separated
    /// by commas. Only they are accepted on the silo port, and only a proof signed by one of them may name someone else
    /// than its certificate (the dashboard's calls as <c>http-operator</c>). Default: the subject common name of the
    /// silo's own certificate (every silo presenting a certificate of the same name).
    /// </summary>
    public string? SiloSubjects { get; set; }

    /// <summary>The names of <see cref="SiloSubjects"/> (empty: the silo's own certificate's).</summary>
    public IReadOnlySet<string> ResolveSiloSubjects() =>
        new HashSet<string>((SiloSubjects ?? string.Empty).Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);

    /// <summary>Whether any TLS setting is given (then the certificate and the CA must be).</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(CertificateFile) || !string.IsNullOrWhiteSpace(KeyFile) || !string.IsNullOrWhiteSpace(CaFile);

    /// <summary>These settings, each unset one taken from its environment variable.</summary>
    public TlsSettings WithEnvironment() => new()
    {
        CertificateFile = Pick(CertificateFile, CertificateVariable),
        KeyFile = Pick(KeyFile, KeyVariable),
        Password = Pick(Password, PasswordVariable),
        CaFile = Pick(CaFile, CaVariable),
        SiloSubjects = SiloSubjects,
    };

    /// <summary>Checks that the settings name a certificate and a CA, and that the files exist; messages name the setting.</summary>
    public void Validate(string certificateName, string caName)
    {
        if (!IsConfigured)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(CertificateFile))
        {
            throw new InvalidOperationException($"TLS needs this end's certificate: set {certificateName}");
        }

        if (string.IsNullOrWhiteSpace(CaFile))
        {
            throw new InvalidOperationException($"TLS needs the CA that signed the cluster's certificates: set {caName}");
        }
    }

    private static string? Pick(string? value, string variable) =>
        string.IsNullOrWhiteSpace(value) ? Environment.GetEnvironmentVariable(variable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null : value;
}
