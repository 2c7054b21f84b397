using System.Text.Json;
using MetaClip.Curation;
using MetaClip.Json;

namespace MetaClip.Metadata;

/// <summary>
/// LID label → metadata language (CURATION-SPEC §1.2): an empty label, a label mapped to <c>N/A</c> and an
/// unknown label go to <c>other</c>. Without a map file, a label goes to the language of the same name when
/// that language has a list, else to <c>other</c>.
/// </summary>
public sealed class LidMap
{
    public const string Other = "other";
    public const string NotApplicable = "N/A";

    private readonly IReadOnlyDictionary<string, string>? _map;
    private readonly IReadOnlySet<string> _languagesWithLists;

    public LidMap(IReadOnlyDictionary<string, string>? map, IReadOnlySet<string> languagesWithLists)
    {
        _map = map;
        _languagesWithLists = languagesWithLists;
    }

    /// <summary>True when the mapping came from a <c>lid_map.json</c>.</summary>
    public bool IsExplicit => _map is not null;

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

        return _map.TryGetValue(label, out var target) && target != NotApplicable && target.Length > 0 ? target : Other;
    }

    /// <summary>Reads <c>lid_map.json</c>: an object of label → metadata language or <c>"N/A"</c>.</summary>
    public static Dictionary<string, string> Parse(byte[] bytes, string name)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(bytes);
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
                    throw new CurationException($"metadata {name}: label \"{label}\" maps to a {MetadataList.Describe(reader.TokenType)}, expected a language code or \"N/A\"");
                }

                if (!map.TryAdd(label, JsonStrings.GetString(ref reader)))
                {
                    throw new CurationException($"metadata {name}: label \"{label}\" appears twice");
                }
            }
        }
        catch (JsonException e)
        {
            throw new CurationException($"metadata {name}: not valid JSON: {e.Message}", e);
        }

        return map;
    }
}
