using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;

namespace MetaClip.Engine.Tests.Snapshots;

/// <summary>
/// Regression for a `.jsonl.gz` cut short being curated as a smaller snapshot without an error: .NET's GZipStream
/// returns what it decoded and no error when a file ends inside a member, lacks a trailer or has other bytes after a
/// member. <see cref="GzipMembers"/> checks every member against its trailer.
/// </summary>
public sealed class GzipMembersTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task One_member_several_members_header_fields_and_empty_members_decompress_to_their_data()
    {
        byte[] a = Lines(0, 3_000), b = Lines(3_000, 500), c = Lines(3_500, 1);
        Assert.Equal(a, await DecompressAsync(Member(a)));
        Assert.Equal(Concat(a, b, c), await DecompressAsync(Concat(Member(a), Member(b), Member(c))));
        Assert.Equal(Concat(a, b), await DecompressAsync(Concat(Member(a, name: "part-0.jsonl", comment: "crawl 7", extra: [1, 2, 3], headerCrc: true), Member(b, name: "x"))));
        Assert.Equal(Array.Empty<byte>(), await DecompressAsync(Member([])));
        Assert.Equal(Concat(a, b), await DecompressAsync(Concat(Member([]), Member(a), Member([]), Member(b))));
    }

    [Fact]
    public async Task Every_cut_of_a_file_short_of_its_end_fails_saying_it_is_truncated()
    {
        // Two members of lines, written with a flush after every line: many cuts fall where the data decoded so far ends
        // with a whole line, which GZipStream alone gives back as a smaller but valid file.
        byte[] first = Lines(0, 40), second = Lines(40, 40);
        byte[] file = Concat(Member(first, flushEveryLine: true), Member(second, flushEveryLine: true));
        Assert.Equal(Concat(first, second), await DecompressAsync(file));
        int boundary = Member(first, flushEveryLine: true).Length;
        for (int length = 0; length < file.Length; length++)
        {
            if (length == boundary)
            {
                // Cut between two members, the file is a whole gzip file of one member: nothing can tell (nor can gzip -t).
                Assert.Equal(first, await DecompressAsync(file[..length]));
                continue;
            }

            var e = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(file[..length]));
            Assert.True(e.Message.Contains("truncated", StringComparison.Ordinal) || e.Message.Contains("empty", StringComparison.Ordinal), $"cut at {length} of {file.Length}: {e.Message}");
        }
    }

    [Fact]
    public async Task Every_cut_of_a_file_with_empty_members_fails_but_between_members()
    {
        // An empty member's trailer is eight zero bytes, which also match one byte early (its deflate data ends in a
        // zero byte): cut one byte short, that file was taken as whole and the member after it lost.
        byte[] data = Lines(0, 30);
        byte[][] members = [Member([]), Member(data, flushEveryLine: true), Member([]), Member([], name: "e")];
        byte[] file = Concat(members);
        var boundaries = new Dictionary<int, byte[]>();
        for (int k = 1, at = 0; k <= members.Length; k++)
        {
            at += members[k - 1].Length;
            boundaries[at] = k >= 2 ? data : [];
        }

        for (int length = 0; length <= file.Length; length++)
        {
            if (boundaries.TryGetValue(length, out var whole))
            {
                Assert.Equal(whole, await DecompressAsync(file[..length]));
                continue;
            }

            await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(file[..length]));
        }
    }

    [Fact]
    public async Task Thousands_of_small_members_read_through_short_reads_give_their_data()
    {
        // Many small members (as some writers make a file of, one per record or per block), from a stream that gives a
        // few bytes a read, as a network stream may.
        var random = new Random(3);
        var members = Enumerable.Range(0, 3_000).Select(i => Lines(i * 3, random.Next(0, 4))).ToList();
        byte[] file = Concat([.. members.Select(m => Member(m))]);
        byte[] expected = Concat([.. members]);
        await using var gzip = new GzipMembers(new ShortReads(file, seed: 5));
        using var data = new MemoryStream();
        await gzip.CopyToAsync(data);
        Assert.Equal(expected, data.ToArray());
    }

    [Fact]
    public async Task A_read_after_a_failure_does_not_go_on_from_the_middle_of_a_member()
    {
        byte[] file = Concat(Member(Lines(0, 100)), "garbage"u8.ToArray());
        await using var gzip = new GzipMembers(new MemoryStream(file));
        using var data = new MemoryStream();
        await Assert.ThrowsAsync<InvalidDataException>(() => gzip.CopyToAsync(data));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await gzip.ReadAtLeastAsync(new byte[16], 1));
    }

    [Fact]
    public async Task A_changed_byte_anywhere_fails_or_changes_nothing()
    {
        // Never other bytes than the file's: a change is found by the inflater or by the trailer, or it fell on bits that
        // carry nothing (the header's time, the flag for text, the unused bits of the deflate data's last byte).
        byte[] data = Lines(0, 200);
        byte[] file = Concat(Member(data, name: "a.jsonl"), Member(data));
        byte[] twice = Concat(data, data);
        var random = new Random(17);
        int failed = 0;
        for (int i = 0; i < 300; i++)
        {
            byte[] changed = [.. file];
            changed[random.Next(changed.Length)] ^= (byte)random.Next(1, 256);
            try
            {
                Assert.Equal(twice, await DecompressAsync(changed));
            }
            catch (InvalidDataException)
            {
                failed++;
            }
        }

        Assert.True(failed > 250, $"{failed} of 300 changes failed");
    }

    [Fact]
    public async Task Bytes_other_than_a_member_after_a_member_fail_zero_padding_too()
    {
        byte[] a = Lines(0, 100);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(Concat(Member(a), "garbage"u8.ToArray())));
        Assert.Contains("follow member 1", e.Message, StringComparison.Ordinal);
        e = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(Concat(Member(a), [0, 0, 0, 0])));
        Assert.Contains("follow member 1", e.Message, StringComparison.Ordinal);
        e = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync("not gzip at all"u8.ToArray()));
        Assert.Contains("gzip header", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_header_that_fails_its_own_crc_or_sets_a_reserved_flag_fails_naming_the_member()
    {
        byte[] a = Lines(0, 100), b = Lines(100, 100);
        byte[] second = Member(b, name: "b.jsonl", headerCrc: true);
        Assert.Equal(Concat(a, b), await DecompressAsync(Concat(Member(a), second)));

        // A changed byte of the file name, covered by the header CRC only: the data and its trailer still match.
        byte[] renamed = [.. second];
        renamed[10] ^= 0x20;
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(Concat(Member(a), renamed)));
        Assert.Contains("header of gzip member 2 does not match its header CRC", e.Message, StringComparison.Ordinal);

        foreach (int reserved in new[] { 0x20, 0x40, 0x80 })
        {
            byte[] flagged = Member(a);
            flagged[3] |= (byte)reserved;
            e = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(flagged));
            Assert.Contains("gzip member 1 sets reserved header flags", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Sync_and_async_reads_of_any_size_give_the_same_bytes()
    {
        byte[] a = Lines(0, 2_000), b = Lines(2_000, 2_000);
        byte[] file = Concat(Member(a), Member(b, name: "b"));
        byte[] both = Concat(a, b);
        foreach (int size in new[] { 1, 7, 4096, 1 << 20 })
        {
            Assert.Equal(both, await DecompressAsync(file, size));
            Assert.Equal(both, Decompress(file, size));
        }
    }

    [Fact]
    public async Task A_truncated_jsonl_gz_snapshot_fails_the_curation_naming_the_file_and_publishes_nothing()
    {
        // Cut right after a flush at a line's end: every line decoded is whole JSON, so only the gzip check can tell.
        byte[] whole = Member(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 2_000).Select(i => $"{{\"uuid\": \"u{i}\", \"lang\": \"en\", \"text\": \"a dog {i}\"}}\n"))), flushEveryLine: true);
        string snapshot = _dir.Combine("snapshot");
        Directory.CreateDirectory(snapshot);
        File.WriteAllBytes(Path.Combine(snapshot, "part-0.jsonl.gz"), CutAfterLine(whole, 1_000));
        var options = new CurationOptions
        {
            Snapshot = snapshot,
            Metadata = Repository.Path("samples", "metadata"),
            Output = _dir.Combine("out"),
            Columns = new SnapshotColumns { Lang = "lang" },
            Format = MetaClip.Engine.Outputs.CuratedFormat.Jsonl,
        };
        var e = await Assert.ThrowsAsync<CurationException>(() => new CurationPipeline(options).RunAsync());
        Assert.Contains("part-0.jsonl.gz: not a valid gzip file", e.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir.Combine("out"), "thresholds.json")), "nothing is published");
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    private static byte[] Lines(int first, int count) =>
        Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(first, count).Select(i => $"{{\"uuid\": \"{i}\", \"text\": \"line {i}\"}}\n")));

    /// <summary>One gzip member of <paramref name="data"/>, written here field by field (RFC 1952).</summary>
    private static byte[] Member(byte[] data, string? name = null, string? comment = null, byte[]? extra = null, bool headerCrc = false, bool flushEveryLine = false)
    {
        var header = new List<byte> { 0x1F, 0x8B, 8, (byte)((headerCrc ? 2 : 0) | (extra is null ? 0 : 4) | (name is null ? 0 : 8) | (comment is null ? 0 : 16)), 0, 0, 0, 0, 0, 3 };
        if (extra is not null)
        {
            header.AddRange([(byte)extra.Length, (byte)(extra.Length >> 8), .. extra]);
        }

        foreach (string? text in new[] { name, comment })
        {
            if (text is not null)
            {
                header.AddRange([.. Encoding.Latin1.GetBytes(text), 0]);
            }
        }

        if (headerCrc)
        {
            uint crc = Crc32.HashToUInt32(header.ToArray());
            header.AddRange([(byte)crc, (byte)(crc >> 8)]);
        }

        using var deflated = new MemoryStream();
        using (var deflate = new DeflateStream(deflated, CompressionLevel.Optimal, leaveOpen: true))
        {
            int start = 0;
            for (int i = 0; i < data.Length; i++)
            {
                if (flushEveryLine && data[i] == (byte)'\n')
                {
                    deflate.Write(data, start, i + 1 - start);
                    deflate.Flush();
                    start = i + 1;
                }
            }

            deflate.Write(data, start, data.Length - start);
        }

        byte[] trailer = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, Crc32.HashToUInt32(data));
        BinaryPrimitives.WriteUInt32LittleEndian(trailer.AsSpan(4), (uint)data.Length);
        // DeflateStream writes nothing for no data; a deflate stream is at least its final, empty block.
        byte[] body = deflated.Length == 0 ? [0x03, 0x00] : deflated.ToArray();
        return [.. header, .. body, .. trailer];
    }

    /// <summary>The file cut where GZipStream alone decodes exactly the first <paramref name="lines"/> lines.</summary>
    private static byte[] CutAfterLine(byte[] file, int lines)
    {
        for (int length = 10; length < file.Length; length++)
        {
            using var gzip = new GZipStream(new MemoryStream(file, 0, length), CompressionMode.Decompress);
            using var data = new MemoryStream();
            gzip.CopyTo(data);
            if (data.ToArray().Count(b => b == (byte)'\n') == lines && data.ToArray()[^1] == (byte)'\n')
            {
                return file[..length];
            }
        }

        throw new InvalidOperationException("no such cut");
    }

    private static async Task<byte[]> DecompressAsync(byte[] file, int readSize = 64 << 10)
    {
        await using var gzip = new GzipMembers(new MemoryStream(file));
        using var data = new MemoryStream();
        byte[] buffer = new byte[readSize];
        int read;
        while ((read = await gzip.ReadAsync(buffer)) > 0)
        {
            data.Write(buffer, 0, read);
        }

        return data.ToArray();
    }

    private static byte[] Decompress(byte[] file, int readSize)
    {
        using var gzip = new GzipMembers(new MemoryStream(file));
        using var data = new MemoryStream();
        byte[] buffer = new byte[readSize];
        int read;
        while ((read = gzip.Read(buffer)) > 0)
        {
            data.Write(buffer, 0, read);
        }

        return data.ToArray();
    }

    /// <summary>A read-only stream over bytes that gives 1 to 13 bytes a read.</summary>
    private sealed class ShortReads(byte[] bytes, int seed) : MemoryStream(bytes, writable: false)
    {
        private readonly Random _random = new(seed);

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, _random.Next(1, 14))]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, _random.Next(1, 14))], cancellationToken);
    }
}
