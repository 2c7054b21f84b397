using System.Text.Json;
using MetaClip.Engine.Json;

namespace MetaClip.Engine.Metadata;

/// <summary>
/// LID label → metadata language (docs/curation-spec.md §1.2): an empty label, a label mapped to <c>N/A</c> and an
/// unknown label go to <c>other</c>. Without a map file, the built-in map of the 176 <c>lid.176</c> labels
/// (<see cref="BuiltIn"/>) applies, and a label whose language has no list goes to <c>other</c>: for every
/// label that the built-in map sends to its own name, that is docs/formats.md's rule (the language of the same name
/// when it has a list); the others (<c>yue</c> → <c>zh</c>, <c>cbk</c> → <c>cbk_zam</c>) follow the metadata's
/// Wikipedia codes.
/// </summary>
public sealed class LidMap
{
    public const string Other = "other";
    public const string NotApplicable = "N/A";

    private static readonly Lazy<IReadOnlyDictionary<string, string>> BuiltInEntries = new(ReadBuiltIn);

    private readonly IReadOnlyDictionary<string, string>? _map;
    private readonly IReadOnlySet<string> _languagesWithLists;
    private readonly bool _targetsNeedLists;

    public LidMap(IReadOnlyDictionary<string, string>? map, IReadOnlySet<string> languagesWithLists)
        : this(map, languagesWithLists, targetsNeedLists: false)
    {
    }

    private LidMap(IReadOnlyDictionary<string, string>? map, IReadOnlySet<string> languagesWithLists, bool targetsNeedLists)
    {
        _map = map;
        _languagesWithLists = languagesWithLists;
        _targetsNeedLists = targetsNeedLists;
    }

    /// <summary>True when the mapping came from a <c>lid_map.json</c>.</summary>
    public bool IsExplicit => _map is not null && !_targetsNeedLists;

    /// <summary>
    /// The shipped map of every <c>lid.176</c> label to its Wikipedia-code metadata language
    /// (<c>Lid/lid176_map.json</c>; README "Language identification" explains the lines that are not the
    /// identity). A label whose language has no list in <paramref name="languagesWithLists"/> goes to <c>other</c>.
    /// </summary>
    public static LidMap BuiltIn(IReadOnlySet<string> languagesWithLists) => new(BuiltInEntries.Value, languagesWithLists, targetsNeedLists: true);

    /// <summary>The built-in map's entries: label → metadata language.</summary>
    public static IReadOnlyDictionary<string, string> BuiltInMap => BuiltInEntries.Value;

    private static Dictionary<string, string> ReadBuiltIn()
    {
        using var stream = typeof(LidMap).Assembly.GetManifestResourceStream("MetaClip.Lid.lid176_map.json")
            ?? throw new InvalidOperationException("the built-in lid176_map.json resource is missing from the engine assembly");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Parse(buffer.ToArray(), "lid176_map.json (built in)");
    }

    /// <summary>The explicit entries, if any.</summary>
    public IReadOnlyDictionary<string, string>? Entries => _map;

    /// <summary>The metadata language of a LID label.</summary>
    public string Resolve(string? label)
    {
        if (string.IsNullOrEmpty(label))
        {
            return Other;
        }

        if (_map is null)
        {
            return _languagesWithLists.Contains(label) ? label : Other;
        }

        if (!_map.TryGetValue(label, out var target) || target == NotApplicable || target.Length == 0)
        {
            return Other;
        }

        return !_targetsNeedLists || _languagesWithLists.Contains(target) ? target : Other;
    }

    /// <summary>Reads <c>lid_map.json</c>: an object of label → metadata language or <c>"N/A"</c>.</summary>
    public static Dictionary<string, string> Parse(byte[] bytes, string name)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(MetadataList.WithoutBom(bytes));
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new CurationException($"metadata {name}: expected a JSON object of LID label -> metadata language");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string label = JsonStrings.GetString(ref reader);
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    string found = MetadataList.Describe(reader.TokenType);
                    throw new CurationException($"metadata {name}: label \"{label}\" maps to {(found is "object" ? "an" : "a")} {found}, expected a language code or \"N/A\"");
                }

                if (!map.TryAdd(label, JsonStrings.GetString(ref reader)))
                {
                    throw new CurationException($"metadata {name}: label \"{label}\" appears twice");
                }
            }

            // The object ends the file: what follows it (a second object, a stray bracket) was once dropped unread, and
            // the labels it mapped went to "other" without a word. Reading on past the end throws for any other token.
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                throw new CurationException($"metadata {name}: not valid JSON: more after the object ends (one object of LID label -> metadata language)");
            }
        }
        catch (JsonException e)
        {
            throw new CurationException($"metadata {name}: not valid JSON: {e.Message}", e);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            // A label or language that is not valid UTF-8.
            throw new CurationException($"metadata {name}: {e.Message}", e);
        }

        return map;
    }
}
