using System.Net;
using MetaClip.Grains.Hosting;

namespace MetaClip.Grains.Tests.Hosting;

public sealed class ClusterSettingsTests
{
    [Fact]
    public void An_advertised_ip_address_is_taken_as_it_is()
    {
        Assert.Equal(IPAddress.Parse("10.1.2.3"), new ClusterSettings { AdvertisedAddress = "10.1.2.3" }.ResolveAdvertisedAddress());
    }

    [Fact]
    public void An_advertised_host_name_is_resolved_to_its_ipv4_address()
    {
        // As a docker compose service name resolves to its container's address.
        Assert.Equal(IPAddress.Loopback, new ClusterSettings { AdvertisedAddress = "localhost" }.ResolveAdvertisedAddress());
    }

    [Fact]
    public void An_advertised_host_name_that_does_not_resolve_is_an_error_naming_the_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ClusterSettings { AdvertisedAddress = "no-such-silo.invalid" }.ResolveAdvertisedAddress());
        Assert.StartsWith("MetaClip:AdvertisedAddress=no-such-silo.invalid: not an IP address", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_table_silo_reachable_from_other_machines_without_tls_is_refused_unless_allowed_on_purpose()
    {
        var exposed = new ClusterSettings { Clustering = ClusteringKind.AzureTable, StorageConnectionString = "UseDevelopmentStorage=true", AdvertisedAddress = "10.1.2.3" };
        var error = Assert.Throws<InvalidOperationException>(exposed.Validate);
        Assert.StartsWith("MetaClip:AdvertisedAddress=10.1.2.3 is not loopback, and the silo and gateway ports have no TLS", error.Message, StringComparison.Ordinal);
        Assert.Contains("MetaClip:AllowInsecureTransport=true", error.Message, StringComparison.Ordinal);

        var everyAddress = new ClusterSettings { Clustering = ClusteringKind.AzureTable, StorageConnectionString = "UseDevelopmentStorage=true", ListenOnAnyAddress = true };
        Assert.StartsWith("MetaClip:ListenOnAnyAddress=true", Assert.Throws<InvalidOperationException>(everyAddress.Validate).Message, StringComparison.Ordinal);

        exposed.AllowInsecureTransport = true;
        exposed.Validate();
        Assert.True(exposed.ExposesTransport());

        // Loopback, and the development clustering (always loopback), need nothing.
        new ClusterSettings { Clustering = ClusteringKind.AzureTable, StorageConnectionString = "UseDevelopmentStorage=true" }.Validate();
        Assert.False(new ClusterSettings { AdvertisedAddress = "10.1.2.3" }.ExposesTransport());
    }

    [Fact]
    public void A_table_silo_with_tls_may_be_reached_from_other_machines_and_tls_needs_both_a_certificate_and_a_ca()
    {
        var withTls = new ClusterSettings
        {
            Clustering = ClusteringKind.AzureTable,
            StorageConnectionString = "UseDevelopmentStorage=true",
            AdvertisedAddress = "10.1.2.3",
            Tls = new TlsSettings { CertificateFile = "silo.pem", CaFile = "ca.pem" },
        };
        withTls.Validate();

        withTls.Tls = new TlsSettings { CertificateFile = "silo.pem" };
        Assert.StartsWith("TLS needs the CA that signed the cluster's certificates: set MetaClip:Tls:CaFile", Assert.Throws<InvalidOperationException>(withTls.Validate).Message, StringComparison.Ordinal);
        withTls.Tls = new TlsSettings { CaFile = "ca.pem" };
        Assert.StartsWith("TLS needs this end's certificate: set MetaClip:Tls:CertificateFile", Assert.Throws<InvalidOperationException>(withTls.Validate).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Operators_are_a_list_of_principals()
    {
        Assert.Equal(["alice", "ops team"], new ClusterSettings { Operators = " alice; ops team ,," }.ResolveOperators().Order(StringComparer.Ordinal));
        Assert.Empty(new ClusterSettings().ResolveOperators());
    }
}
