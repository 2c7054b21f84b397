using System.Text;
using MetaClip.Engine.Snapshots;

namespace MetaClip.Engine.Tests.Snapshots;

/// <summary>docs/curation-spec.md §6, with the FIPS 180-4 test vectors for SHA-224.</summary>
public class ImageUuidTests
{
    [Theory]
    [InlineData("", "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f")]
    [InlineData("abc", "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525")]
    public void Sha224_matches_the_standard_vectors(string input, string hex) =>
        Assert.Equal(hex, Convert.ToHexStringLower(Sha224.Hash(Encoding.ASCII.GetBytes(input))));

    [Fact]
    public void Sha224_handles_every_padding_boundary()
    {
        Assert.Equal("4e8f0ce90b64661a2b5e84be6d93a7d9b76871062f1814433d04a03d", Convert.ToHexStringLower(Sha224.Hash(Encoding.ASCII.GetBytes(new string('a', 1000)))));
        for (int n = 50; n < 70; n++)
        {
            Assert.Equal(28, Sha224.Hash(new byte[n]).Length);
        }
    }

    [Fact]
    public void Uuid_is_the_first_24_hex_digits_of_sha224_of_the_url_utf8()
    {
        Assert.Equal("944a5c945acad55f6e6bc29f", ImageUuid.FromUrl("http://example.com/cat.jpg"));
        Assert.Equal("0b74a0f43312e21e82dcd7e4", ImageUuid.FromUrl("https://例え.jp/画像.png"));
    }
}
