using MetaClip.Engine.Pipeline;

namespace MetaClip.Engine.Tests.Pipeline;

public class IntermediateSpillTests
{
    [Fact]
    public void Intermediates_beyond_the_budget_go_to_files_read_back_the_same_and_are_removed_with_the_spill()
    {
        var first = new byte[600];
        var second = new byte[600];
        Random.Shared.NextBytes(first);
        Random.Shared.NextBytes(second);
        IntermediateSpill.Handle a, b;
        using (var spill = new IntermediateSpill(memoryBytes: 1000))
        {
            a = spill.Put(first);
            b = spill.Put(second);
            Assert.True(a.InMemory);
            Assert.False(b.InMemory);
            Assert.Equal(1, spill.Files);
            Assert.Equal(first, a.Read());
            Assert.Equal(second, b.Read());
        }

        Assert.ThrowsAny<IOException>(() => b.Read());
    }

    [Fact]
    public async Task A_kept_intermediate_is_a_copy_and_is_decoded_from_memory_or_from_its_file()
    {
        // The pipeline encodes every unit into one reused buffer: what the spill keeps must not change with it.
        var buffer = new byte[700];
        Random.Shared.NextBytes(buffer);
        var first = buffer.ToArray();
        using var spill = new IntermediateSpill(memoryBytes: 1000);
        var a = spill.Put(buffer);
        buffer.AsSpan().Reverse();
        var second = buffer.ToArray();
        var b = spill.Put(buffer);
        buffer.AsSpan().Clear();
        Assert.True(a.InMemory);
        Assert.False(b.InMemory);
        static byte[] All(Stream stream)
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }

        for (int round = 0; round < 3; round++)
        {
            Assert.Equal(first, await a.ReadAsync(All, CancellationToken.None));
            Assert.Equal(second, await b.ReadAsync(All, CancellationToken.None)); // read into a rented buffer, given back each time
        }
    }
}
