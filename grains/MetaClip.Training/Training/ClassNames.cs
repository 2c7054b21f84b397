using System.Text.Json;

namespace MetaClip.Training;

/// <summary>
/// Class names per language for zero-shot evaluation. Reads the common shapes: <c>{"en": ["t-shirt", …], …}</c>;
/// <c>derived-class-labels</c> (<c>{"labels_by_locale": {…}}</c>); Babel-ImageNet (<c>{"DE": [[class indices],
/// [names]], …}</c>: each language names a subset of the classes); and a CLIP_benchmark folder of
/// <c>{code}_classnames.json</c> files (<c>{"dataset": [names]}</c>, picked by <c>dataset</c>; <c>cn</c> and <c>jp</c>
/// read as zh and ja). A null name (no translation) leaves the class out of that language's evaluation.
/// </summary>
public sealed class ClassNames
{
    private ClassNames(Dictionary<string, string?[]> byLanguage) => ByLanguage = byLanguage;

    /// <summary>Per language, the name of class <c>i</c> at index <c>i</c> (null where the language has none).</summary>
    public IReadOnlyDictionary<string, string?[]> ByLanguage { get; }

    /// <summary>The languages with a name for every class, in ordinal order.</summary>
    public IEnumerable<string> Complete => ByLanguage.Where(p => p.Value.All(n => !string.IsNullOrWhiteSpace(n))).Select(p => p.Key).Order(StringComparer.Ordinal);

    /// <summary>The languages that name at least two classes (a zero-shot task at all), in ordinal order.</summary>
    public IEnumerable<string> Usable => ByLanguage.Where(p => p.Value.Count(n => !string.IsNullOrWhiteSpace(n)) >= 2).Select(p => p.Key).Order(StringComparer.Ordinal);

    /// <summary>Loads a file or a CLIP_benchmark folder; <paramref name="dataset"/> picks the list in files that hold several.</summary>
    public static ClassNames Load(string location, string? dataset = null)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (Directory.Exists(location))
        {
            var names = new Dictionary<string, string?[]>(StringComparer.Ordinal);
            foreach (string file in Directory.GetFiles(location, "*_classnames.json").Order(StringComparer.Ordinal))
            {
                using var doc = Parse(file);
                var list = Pick(doc.RootElement, dataset, file);
                names[LanguageCode(Path.GetFileName(file)[..^"_classnames.json".Length])] = [.. list.EnumerateArray().Select(Name)];
            }

            return names.Count > 0 ? new ClassNames(names) : throw new FileNotFoundException($"class names {location}: no *_classnames.json file in the folder");
        }

        if (!File.Exists(location))
        {
            throw new FileNotFoundException($"class names {location}: no such file or folder");
        }

        using var json = Parse(location);
        var root = json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("labels_by_locale", out var locales) ? locales : json.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            string given = root.ValueKind == JsonValueKind.Array ? "a list; name its language: {\"en\": [...]}" : $"a JSON {root.ValueKind.ToString().ToLowerInvariant()}";
            throw new InvalidDataException($"class names {location}: expected an object of language → list of names, not {given}");
        }

        var byLanguage = new Dictionary<string, string?[]>(StringComparer.Ordinal);
        foreach (var language in root.EnumerateObject())
        {
            var value = language.Value;
            if (value.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"class names {location}: \"{language.Name}\" is not a list of names");
            }

            if (value.GetArrayLength() == 2 && value[0].ValueKind == JsonValueKind.Array && value[1].ValueKind == JsonValueKind.Array)
            {
                // Babel-ImageNet: [[class indices], [names]].
                int[] indices = [.. value[0].EnumerateArray().Select(i => i.GetInt32())];
                string?[] labels = [.. value[1].EnumerateArray().Select(Name)];
                if (indices.Length != labels.Length || indices.Any(i => i < 0))
                {
                    throw new InvalidDataException($"class names {location}: \"{language.Name}\" has {indices.Length} class indices for {labels.Length} names");
                }

                var list = new string?[indices.Length == 0 ? 0 : indices.Max() + 1];
                for (int i = 0; i < indices.Length; i++)
                {
                    list[indices[i]] = labels[i];
                }

                byLanguage[LanguageCode(language.Name)] = list;
            }
            else
            {
                byLanguage[LanguageCode(language.Name)] = [.. value.EnumerateArray().Select(Name)];
            }
        }

        // Languages naming a subset may end before the last class: pad every list to the longest.
        int classes = byLanguage.Values.Select(l => l.Length).DefaultIfEmpty(0).Max();
        foreach (var key in byLanguage.Keys.ToList())
        {
            if (byLanguage[key].Length < classes)
            {
                var padded = new string?[classes];
                byLanguage[key].CopyTo(padded, 0);
                byLanguage[key] = padded;
            }
        }

        return new ClassNames(byLanguage);
    }

    /// <summary>A language code as the rest of the project writes it: lower case, CLIP_benchmark's cn and jp as zh and ja.</summary>
    public static string LanguageCode(string code) => code.ToLowerInvariant() switch
    {
        "cn" => "zh",
        "jp" => "ja",
        var lower => lower,
    };

    internal static JsonDocument Parse(string file)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(file));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: not JSON: {e.Message}", e);
        }
    }

    /// <summary>The list of <paramref name="dataset"/> in an object of dataset → list (the only one when none is named).</summary>
    internal static JsonElement Pick(JsonElement root, string? dataset, string file)
    {
        if (root.ValueKind == JsonValueKind.Array)
        {
            return root;
        }

        if (dataset is not null && root.TryGetProperty(dataset, out var list))
        {
            return list;
        }

        var keys = root.EnumerateObject().Select(p => p.Name).ToList();
        if (dataset is null && keys.Count == 1)
        {
            return root.GetProperty(keys[0]);
        }

        throw new InvalidDataException($"{file}: {(dataset is null ? "holds several datasets: name one with --dataset" : $"has no dataset '{dataset}'")} (it has {string.Join(", ", keys)})");
    }

    private static string? Name(JsonElement value) => value.ValueKind == JsonValueKind.Null ? null : value.GetString();
}

/// <summary>
/// Zero-shot prompt templates (<c>{}</c> or <c>{c}</c> where the class name goes), per language: a JSON list (every
/// language), an object of language → list (Babel-ImageNet's NLLB prompts), CLIP_benchmark's object of dataset → list
/// (with <c>dataset</c>), or a CLIP_benchmark folder of <c>{code}_zeroshot_classification_templates.json</c> files.
/// A language without templates of its own uses the bare class name.
/// </summary>
public sealed class PromptTemplates
{
    private readonly Dictionary<string, IReadOnlyList<string>> _byLanguage;
    private readonly IReadOnlyList<string>? _all;

    private PromptTemplates(Dictionary<string, IReadOnlyList<string>> byLanguage, IReadOnlyList<string>? all)
    {
        _byLanguage = byLanguage;
        _all = all;
    }

    public IReadOnlyList<string>? For(string language) => _byLanguage.GetValueOrDefault(language) ?? _all;

    public static PromptTemplates Load(string location, string? dataset = null)
    {
        ArgumentNullException.ThrowIfNull(location);
        var byLanguage = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (Directory.Exists(location))
        {
            const string Suffix = "_zeroshot_classification_templates.json";
            foreach (string file in Directory.GetFiles(location, "*" + Suffix).Order(StringComparer.Ordinal))
            {
                using var doc = ClassNames.Parse(file);
                byLanguage[ClassNames.LanguageCode(Path.GetFileName(file)[..^Suffix.Length])] = Templates(ClassNames.Pick(doc.RootElement, dataset, file));
            }

            return byLanguage.Count > 0 ? new PromptTemplates(byLanguage, null) : throw new FileNotFoundException($"templates {location}: no *{Suffix} file in the folder");
        }

        if (!File.Exists(location))
        {
            throw new FileNotFoundException($"templates {location}: no such file or folder");
        }

        using var json = ClassNames.Parse(location);
        var root = json.RootElement;
        if (root.ValueKind == JsonValueKind.Array || dataset is not null)
        {
            return new PromptTemplates(byLanguage, Templates(ClassNames.Pick(root, dataset, location)));
        }

        foreach (var language in root.EnumerateObject())
        {
            byLanguage[ClassNames.LanguageCode(language.Name)] = Templates(language.Value);
        }

        return new PromptTemplates(byLanguage, null);
    }

    private static List<string> Templates(JsonElement list) =>
        [.. list.EnumerateArray().Select(t => (t.GetString() ?? "{}").Replace("{c}", "{}", StringComparison.Ordinal))];
}
