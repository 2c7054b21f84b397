using MetaClip.Engine.Snapshots.Pages;

namespace MetaClip.Engine.Tests.Snapshots.Pages;

/// <summary>Page headers of hostile bytes: an error of the data or "read more", never a read outside them or a stack overflow.</summary>
public sealed class PageHeaderTests
{
    [Fact]
    public void Regression_a_binary_field_of_a_length_above_2_to_the_63_moved_the_reader_before_the_header()
    {
        // Field 4 (a binary, type 8) of length 2^64 - 1: read as a negative long, it passed the bounds check and moved
        // the reader backwards, and the next byte read was outside the array (IndexOutOfRangeException).
        byte[] header = [0x48, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00];
        Assert.Null(PageHeader.Read(header)); // more than the bytes given: read more (and a chunk's end says it runs off)
    }

    [Theory]
    [InlineData(0x4C, 0x1C)] // field 4 a struct, then field 1 of type struct over and over
    [InlineData(0x49, 0x19)] // field 4 a list of one list (0x19: one element of type list), over and over
    [InlineData(0x4B, 0x01)] // field 4 a map of one entry, lists to lists (0x99), each a list of one list
    public void Values_nested_without_end_are_not_a_header_not_a_stack_overflow(byte first, byte repeated)
    {
        byte[] header = first == 0x4B
            ? [0x15, 0x00, 0x4B, 0x01, 0x99, .. Enumerable.Repeat((byte)0x19, 1_000_000)]
            : [0x15, 0x00, first, .. Enumerable.Repeat(repeated, 1_000_000)];
        var e = Assert.Throws<InvalidDataException>(() => PageHeader.Read(header));
        Assert.Contains("nested more than", e.Message, StringComparison.Ordinal);
    }
}
