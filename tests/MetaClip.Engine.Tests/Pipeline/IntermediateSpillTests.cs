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
}
