using System.Text.Json;
using MetaClip.Engine.Json;

namespace MetaClip.Engine.Metadata;

/// <summary>
/// One metadata language's list of entries; an entry's id is its index. Never holds an entry twice.
/// </summary>
public sealed class MetadataList
{
    public MetadataList(string language, IReadOnlyList<string> entries, string source)
    {
        ArgumentNullException.ThrowIfNull(entries);
        Language = language;
        Source = source;
        var index = new Dictionary<string, int>(entries.Count, StringComparer.Ordinal);
        for (int id = 0; id < entries.Count; id++)
        {
            string entry = entries[id];
            if (entry.Length == 0)
            {
                throw new CurationException($"metadata {source}: entry {id} is empty; a metadata list must not hold empty entries");
            }

            if (!index.TryAdd(entry, id))
            {
                throw new CurationException(
                    $"metadata {source}: duplicate entry \"{entry}\" at ids {index[entry]} and {id}; a metadata list must hold each entry once (ids are list positions)");
            }
        }

        Entries = EntryTexts.From(entries);
    }

    private MetadataList(string language, EntryTexts entries, string source, bool _)
    {
        Language = language;
        Source = source;
        Entries = entries;
    }

    /// <summary>
    /// A list whose entries are known to be valid (non-empty, distinct): read from a compiled list whose content
    /// hash matches a list file that was checked when it was compiled.
    /// </summary>
    internal static MetadataList Trusted(string language, EntryTexts entries, string source) => new(language, entries, source, true);

    /// <summary>The metadata language (file name without <c>.json</c>).</summary>
    public string Language { get; }

    /// <summary>Where the list came from, for messages.</summary>
    public string Source { get; }

    /// <summary>The entries, an entry's id its index (held as one block: <see cref="EntryTexts"/>).</summary>
    public EntryTexts Entries { get; }

    public int Count => Entries.Count;

    /// <summary>Parses a JSON list of strings; <paramref name="source"/> names it in errors.</summary>
    public static MetadataList Parse(string language, ReadOnlySpan<byte> json, string source)
    {
        var entries = new List<string>();
        var reader = new Utf8JsonReader(WithoutBom(json), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                throw new CurationException($"metadata {source}: expected a JSON list of strings");
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.String)
                {
                    throw new CurationException($"metadata {source}: entry {entries.Count} is a {Describe(reader.TokenType)}, expected a string");
                }

                entries.Add(JsonStrings.GetString(ref reader));
            }

            if (reader.Read())
            {
                throw new CurationException($"metadata {source}: unexpected content after the list");
            }
        }
        catch (JsonException e)
        {
            throw new CurationException($"metadata {source}: not valid JSON near entry {entries.Count}: {e.Message}", e);
        }
        catch (FormatException e)
        {
            throw new CurationException($"metadata {source}: entry {entries.Count}: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader's word for a string that is not valid UTF-8.
            throw new CurationException($"metadata {source}: entry {entries.Count}: {e.Message}", e);
        }

        return new MetadataList(language, entries, source);
    }

    /// <summary>
    /// The JSON without a leading UTF-8 byte order mark: metadata files, lid_map.json and JSONL snapshot lines all accept
    /// one (editors on Windows write it).
    /// </summary>
    internal static ReadOnlySpan<byte> WithoutBom(ReadOnlySpan<byte> json) => json.StartsWith("\uFEFF"u8) ? json[3..] : json;

    internal static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "object",
        JsonTokenType.StartArray => "list",
        _ => type.ToString(),
    };
}
