using System.Text;
using MetaClip.Engine.Outputs;

namespace MetaClip.Engine.Tests.Outputs;

public class ParallelLinesTests
{
    /// <summary>Item i's line: its number and a text of varying length with non-ASCII characters.</summary>
    private static void Line(StringBuilder text, int i, string word) =>
        text.Append(i).Append(' ').Append(word, 0, 1 + (i % word.Length)).Append(" é漢🙂").Append('\n');

    private static byte[] Expected(int count, string word)
    {
        var text = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            Line(text, i, word);
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(8191)]
    [InlineData(8192)]
    [InlineData(8193)]
    [InlineData(30_000)]
    public async Task Lines_are_written_in_order_across_slices(int count)
    {
        using var stream = new MemoryStream();
        await ParallelLines.WriteAsync(stream, count, (text, i) => Line(text, i, "abcdefghij"), 4, CancellationToken.None);
        Assert.Equal(Expected(count, "abcdefghij"), stream.ToArray());
        Assert.Equal(Expected(count, "abcdefghij"), ParallelLines.ToArray(count, (text, i) => Line(text, i, "abcdefghij"), 4, CancellationToken.None));
    }

    [Fact]
    public async Task Regression_an_emoji_across_two_chunks_of_the_line_buffer_failed_the_write()
    {
        // A slice's lines are formatted into a builder whose first chunk holds 8,192 × 128 = 1,048,576 characters;
        // longer text continues in a second chunk. With lines of 275 characters that start with an emoji, line
        // 3,813's surrogate pair straddles the two (3,813 × 275 = 1,048,575), and the chunks were encoded one by one:
        // "Unable to translate Unicode character \uD83D", and the whole output file failed.
        const string Emoji = "🙂";
        string line = Emoji + new string('x', 272) + "\n";
        Assert.Equal(275, line.Length);
        using var stream = new MemoryStream();
        await ParallelLines.WriteAsync(stream, 8192, (text, _) => text.Append(line), 2, CancellationToken.None);
        Assert.Equal(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(line, 8192))), stream.ToArray());
    }

    [Fact]
    public async Task Lines_stay_exact_when_slices_outgrow_the_line_buffer_and_it_is_replaced()
    {
        // A slice whose text outgrows the thread's builder gets it replaced by one that holds it (clearing a builder of
        // several chunks would allocate its whole capacity again at every slice). Long, short and longer lines in
        // turn, on one thread so that the same builder is used, each time exact.
        foreach (int width in new[] { 300, 5, 700, 40, 1_200 })
        {
            string word = string.Concat(Enumerable.Repeat("é漢ab", width / 4 + 1)); // each line also ends in an emoji
            using var stream = new MemoryStream();
            await ParallelLines.WriteAsync(stream, 9_000, (text, i) => Line(text, i, word), 1, CancellationToken.None);
            Assert.Equal(Expected(9_000, word), stream.ToArray());
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(9_000)]
    public void A_prefix_comes_first_and_the_lines_follow_it_whole(int count)
    {
        byte[] prefix = "MCL1"u8.ToArray();
        var bytes = ParallelLines.ToArray(prefix, count, (text, i) => Line(text, i, "abcdefghij"), 2, CancellationToken.None);
        Assert.Equal([.. prefix, .. Expected(count, "abcdefghij")], bytes);
    }

    [Fact]
    public void A_second_call_on_the_same_threads_starts_from_empty_buffers()
    {
        // Each thread keeps its text buffer between slices and calls: nothing of a call's lines may reach the next.
        var longer = ParallelLines.ToArray(20_000, (text, i) => Line(text, i, new string('x', 300)), 2, CancellationToken.None);
        var shorter = ParallelLines.ToArray(20_000, (text, i) => Line(text, i, "ab"), 2, CancellationToken.None);
        Assert.Equal(Expected(20_000, new string('x', 300)), longer);
        Assert.Equal(Expected(20_000, "ab"), shorter);
    }

    [Fact]
    public async Task A_failing_line_fails_the_write()
    {
        using var stream = new MemoryStream();
        var e = await Assert.ThrowsAnyAsync<Exception>(() => ParallelLines.WriteAsync(stream, 20_000, (text, i) =>
        {
            if (i == 12_345)
            {
                throw new InvalidOperationException("line 12345");
            }

            Line(text, i, "ab");
        }, 2, CancellationToken.None));
        Assert.Contains("line 12345", e is AggregateException a ? a.InnerException!.Message : e.Message, StringComparison.Ordinal);
    }
}
