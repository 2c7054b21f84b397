using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Configuration;
using Orleans.Connections.Security;

namespace MetaClip.Grains.Hosting;

/// <summary>
/// The certificates of one end of a mutual-TLS connection, read from files (<see cref="TlsSettings"/>) and read again
/// when a file changes (a rotated Kubernetes secret): each new connection presents the current certificate and checks
/// the peer against the current CA, so a rotation needs no restart (connections already open keep theirs). A peer is
/// accepted only when its certificate chains to the configured CA; the operating system's store is not consulted, and
/// host names are not compared (silos are reached at addresses, not names: the CA is the trust boundary).
/// </summary>
public sealed class TlsCertificates
{
    private readonly TlsSettings _settings;
    private readonly Lock _lock = new();
    private TlsFileStamp _certificateStamp;
    private TlsFileStamp _caStamp;
    private X509Certificate2 _certificate;
    private X509Certificate2Collection _authorities;

    private TlsCertificates(TlsSettings settings)
    {
        _settings = settings;
        _certificateStamp = CertificateStamp();
        _caStamp = TlsFileStamp.Of(settings.CaFile!);
        _certificate = LoadCertificate(settings);
        _authorities = LoadAuthorities(settings.CaFile!);
    }

    /// <summary>The certificate this end presents now.</summary>
    public X509Certificate2 Certificate
    {
        get
        {
            lock (_lock)
            {
                var stamp = CertificateStamp();
                if (stamp != _certificateStamp && TryLoad(() => LoadCertificate(_settings), out var certificate))
                {
                    _certificate = certificate;
                    _certificateStamp = stamp;
                }

                return _certificate;
            }
        }
    }

    /// <summary>The name this end goes by: its certificate's subject common name.</summary>
    public string Principal => PrincipalOf(Certificate);

    /// <summary>Loads the files the settings name.</summary>
    /// <exception cref="InvalidOperationException">A file is missing or unreadable, the password is wrong, the certificate has no private key (the message names the file, never the password).</exception>
    public static TlsCertificates Load(TlsSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrWhiteSpace(settings.CertificateFile) || string.IsNullOrWhiteSpace(settings.CaFile))
        {
            throw new InvalidOperationException("TLS needs a certificate file and a CA file");
        }

        return new TlsCertificates(settings);
    }

    /// <summary>A certificate's subject common name (its whole subject when it has none).</summary>
    public static string PrincipalOf(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        string name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return string.IsNullOrWhiteSpace(name) ? certificate.Subject : name;
    }

    /// <summary>
    /// Mutual TLS: this end presents <see cref="Certificate"/> whether it accepts or opens the connection, requires the
    /// peer's certificate, and accepts it only when <see cref="IsTrusted"/>.
    /// </summary>
    public void Configure(TlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.LocalCertificate = Certificate;
        options.LocalServerCertificateSelector = (_, _) => Certificate;
        options.LocalClientCertificateSelector = (_, _, _, _, _) => Certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = (certificate, chain, _) => IsTrusted(certificate, chain);
    }

    /// <summary>
    /// Mutual TLS of a silo: as <see cref="Configure"/> on the gateway port; on the silo port, and on the connections
    /// this silo opens to other silos, the peer must moreover be a silo (<see cref="IsSilo"/>), so that a client's
    /// certificate of the same CA cannot join the cluster as a silo.
    /// </summary>
    public void ConfigureSilo(ISiloBuilder silo, IReadOnlySet<string> siloSubjects)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(siloSubjects);
        var gateway = new TlsOptions();
        Configure(gateway);
        var silos = new TlsOptions();
        Configure(silos);
        silos.RemoteCertificateValidation = (certificate, chain, _) => IsTrusted(certificate, chain) && IsSilo(certificate, siloSubjects);
        silo.Configure<SiloConnectionOptions>(connections =>
        {
            connections.ConfigureSiloInboundConnection(connection => connection.UseServerTls(silos));
            connections.ConfigureGatewayInboundConnection(connection => connection.UseServerTls(gateway));
            connections.ConfigureSiloOutboundConnection(connection => connection.UseClientTls(silos));
        });
    }

    /// <summary>
    /// Whether <paramref name="certificate"/> is a silo's: its subject common name is one of <paramref name="siloSubjects"/>
    /// (<c>MetaClip:Tls:SiloSubjects</c>), or, when none is given, the one of this end's own certificate.
    /// </summary>
    public bool IsSilo(X509Certificate2 certificate, IReadOnlySet<string> siloSubjects)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(siloSubjects);
        string name = PrincipalOf(certificate);
        return siloSubjects.Count > 0 ? siloSubjects.Contains(name) : string.Equals(name, Principal, StringComparison.Ordinal);
    }

    /// <summary>Whether <paramref name="certificate"/> is within its validity and chains to the configured CA.</summary>
    public bool IsTrusted(X509Certificate2 certificate, X509Chain? presented)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Authorities());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        if (presented is not null)
        {
            // Intermediates the peer sent help build the chain; only the CA file is trusted as a root.
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(certificate);
    }

    private X509Certificate2Collection Authorities()
    {
        lock (_lock)
        {
            var stamp = TlsFileStamp.Of(_settings.CaFile!);
            if (stamp != _caStamp && TryLoad(() => LoadAuthorities(_settings.CaFile!), out var authorities))
            {
                _authorities = authorities;
                _caStamp = stamp;
            }

            return _authorities;
        }
    }

    private TlsFileStamp CertificateStamp() =>
        string.IsNullOrWhiteSpace(_settings.KeyFile) ? TlsFileStamp.Of(_settings.CertificateFile!) : TlsFileStamp.Of(_settings.CertificateFile!).With(TlsFileStamp.Of(_settings.KeyFile));

    /// <summary>A rotation caught half-written keeps the files read before; the next connection tries again.</summary>
    private static bool TryLoad<T>(Func<T> load, out T value)
    {
        try
        {
            value = load();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }

    private static X509Certificate2 LoadCertificate(TlsSettings settings)
    {
        string file = settings.CertificateFile!;
        try
        {
            X509Certificate2 certificate;
            string extension = Path.GetExtension(file);
            if (extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase))
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(file, settings.Password);
            }
            else if (!string.IsNullOrEmpty(settings.Password))
            {
                certificate = X509Certificate2.CreateFromEncryptedPemFile(file, settings.Password, settings.KeyFile);
            }
            else
            {
                certificate = X509Certificate2.CreateFromPemFile(file, settings.KeyFile);
            }

            if (!certificate.HasPrivateKey)
            {
                throw new InvalidOperationException($"TLS certificate {file}: it has no private key (give the key file too)");
            }

            return certificate;
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            string key = string.IsNullOrWhiteSpace(settings.KeyFile) ? string.Empty : $" with key {settings.KeyFile}";
            throw new InvalidOperationException($"TLS certificate {file}{key} cannot be read ({FirstLine(e.Message)}): a PKCS#12 file (.pfx, .p12) or a PEM certificate and key, and the right password", e);
        }
    }

    private static X509Certificate2Collection LoadAuthorities(string file)
    {
        try
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(file);
            if (authorities.Count == 0)
            {
                authorities.Add(X509CertificateLoader.LoadCertificateFromFile(file));
            }

            return authorities;
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"TLS CA file {file} cannot be read ({FirstLine(e.Message)}): a PEM (or DER) CA certificate", e);
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
