using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Tests.Storage;

public sealed class RentedBytesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("rented-bytes-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_file_read_into_a_rented_array_is_exactly_its_bytes_though_the_array_is_larger()
    {
        var content = new byte[3_000_001]; // a rented array is a power of two: 4 MiB here
        Random.Shared.NextBytes(content);
        string path = Path.Combine(_folder, "part");
        await File.WriteAllBytesAsync(path, content);

        var bytes = await RentedBytes.ReadFileAsync(path, CancellationToken.None);
        try
        {
            Assert.True(bytes.Rented);
            Assert.True(bytes.Array.Length > content.Length);
            Assert.Equal(content.Length, bytes.Length);
            Assert.True(bytes.Span.SequenceEqual(content));
            using var copy = new MemoryStream();
            await bytes.AsStream().CopyToAsync(copy);
            Assert.Equal(content, copy.ToArray());
        }
        finally
        {
            bytes.Release();
        }
    }

    [Fact]
    public async Task An_empty_file_reads_as_no_bytes()
    {
        string path = Path.Combine(_folder, "empty");
        await File.WriteAllBytesAsync(path, []);
        var bytes = await RentedBytes.ReadFileAsync(path, CancellationToken.None);
        Assert.Equal(0, bytes.Length);
        Assert.True(bytes.Memory.IsEmpty);
        bytes.Release();
    }

    [Fact]
    public async Task A_missing_file_is_an_error_naming_it()
    {
        string path = Path.Combine(_folder, "gone");
        var e = await Assert.ThrowsAnyAsync<IOException>(() => RentedBytes.ReadFileAsync(path, CancellationToken.None));
        Assert.Contains("gone", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_copy_does_not_change_with_its_source()
    {
        var source = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();
        var copy = RentedBytes.CopyOf(source);
        var expected = source.ToArray();
        source.AsSpan().Clear();
        Assert.True(copy.Span.SequenceEqual(expected));
        copy.Release();
    }

    [Fact]
    public async Task A_stream_read_says_how_many_bytes_it_held_when_it_ends_early()
    {
        var (whole, read) = await RentedBytes.ReadAsync(new MemoryStream(new byte[100]), 100, CancellationToken.None);
        Assert.Equal(100, read);
        Assert.Equal(100, whole.Length);
        whole.Release();

        var (cut, held) = await RentedBytes.ReadAsync(new MemoryStream(new byte[40]), 100, CancellationToken.None);
        Assert.Equal(40, held);
        cut.Release();
    }

    [Fact]
    public void A_whole_array_is_the_callers_and_release_leaves_it_alone()
    {
        var array = new byte[10];
        var whole = RentedBytes.Whole(array);
        Assert.False(whole.Rented);
        Assert.Same(array, whole.Array);
        Assert.Equal(10, whole.Length);
        whole.Release();
        default(RentedBytes).Release(); // no array at all: nothing to give back
    }
}
