using MetaClip.Engine.Metadata;

namespace MetaClip.Engine.Matching;

/// <summary>
/// The compiled form of one metadata list: its entries and its <see cref="EntryMatcher"/>'s arrays, so a silo
/// loads a list without parsing JSON or building the index and automaton. A file holds, after the 8-byte magic
/// <c>MCMATCH\n</c>: the format version, a byte-order mark, the curation mode, the SHA-256 of the list file it
/// was compiled from, the entries (lengths, then all UTF-16 units), the matcher's parts, and an XXH3 checksum
/// of everything after the magic. Arrays are in the machine's layout: a compiled file is a per-machine cache,
/// not an exchange format (the list's JSON file is).
/// </summary>
public static class CompiledMatcherFile
{
    /// <summary>Bumped whenever the layout or the matcher's construction changes: old files are then simply not found.</summary>
    public const int FormatVersion = 3;

    private const int ByteOrderMark = 0x01020304;

    private static ReadOnlySpan<byte> Magic => "MCMATCH\n"u8;

    public static void Write(Stream stream, ReadOnlySpan<byte> listHash, CurationMode mode, EntryMatcher matcher)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(matcher);
        stream.Write(Magic);
        var writer = new CompiledWriter(stream);
        writer.WriteInt(FormatVersion);
        writer.WriteArray<int>([ByteOrderMark]);
        writer.WriteInt((int)mode);
        writer.WriteArray(listHash);
        var entries = matcher.List.Entries;
        var lengths = new int[entries.Count];
        for (int i = 0; i < lengths.Length; i++)
        {
            lengths[i] = entries.LengthOf(i);
        }

        var chars = new char[checked((int)entries.TotalLength)];
        for (int i = 0, at = 0; i < lengths.Length; i++)
        {
            entries.Span(i).CopyTo(chars.AsSpan(at));
            at += lengths[i];
        }

        writer.WriteArray<int>(lengths);
        writer.WriteArray<char>(chars);
        matcher.Write(writer);
        writer.Finish();
    }

    /// <summary>
    /// Reads a compiled list. <paramref name="listHash"/> and <paramref name="mode"/> must be those it was
    /// compiled for; <paramref name="language"/> and <paramref name="listSource"/> name the list it stands for.
    /// Throws <see cref="InvalidDataException"/> naming <paramref name="source"/> for a file that is not such a
    /// compiled list, is damaged, or was compiled from other content.
    /// </summary>
    public static EntryMatcher Read(Stream stream, string source, ReadOnlySpan<byte> listHash, CurationMode mode, string language, string listSource)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> magic = stackalloc byte[8];
        if (stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) != magic.Length || !magic.SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{source}: not a compiled metadata list");
        }

        var reader = new CompiledReader(stream, source);
        int version = reader.ReadInt();
        if (version != FormatVersion)
        {
            throw reader.Invalid($"format version {version}, expected {FormatVersion}");
        }

        var mark = reader.ReadArray<int>("byte-order mark");
        if (mark is not [ByteOrderMark])
        {
            throw reader.Invalid("written on a machine of another byte order");
        }

        int storedMode = reader.ReadInt();
        if (storedMode != (int)mode)
        {
            throw reader.Invalid($"compiled for mode {storedMode}, expected {(int)mode}");
        }

        if (!reader.ReadArray<byte>("list hash").AsSpan().SequenceEqual(listHash))
        {
            throw reader.Invalid("compiled from another list (content hash differs)");
        }

        var lengths = reader.ReadArray<int>("entry lengths");
        var chars = reader.ReadArray<char>("entry text");
        int at = 0;
        for (int i = 0; i < lengths.Length; i++)
        {
            int length = lengths[i];
            if (length <= 0 || length > chars.Length - at)
            {
                throw reader.Invalid($"entry {i}: length {length} does not fit");
            }

            at += length;
        }

        if (at != chars.Length)
        {
            throw reader.Invalid("entry text longer than its entries");
        }

        var matcher = EntryMatcher.Read(reader, MetadataList.Trusted(language, EntryTexts.FromBlock(chars, lengths), listSource));
        reader.VerifyChecksum();
        return matcher;
    }
}
