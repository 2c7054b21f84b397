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
}
