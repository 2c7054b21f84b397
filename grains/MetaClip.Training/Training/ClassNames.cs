using System.Text.Json;

namespace MetaClip.Training;

/// <summary>
/// Class names per language for zero-shot evaluation, from JSON: either <c>{"en": ["t-shirt", …], "de": […]}</c> or the
/// shape of <c>derived-class-labels</c> (<c>{"labels_by_locale": {…}}</c>). A null name (no translation) leaves the
/// class out of that language's evaluation; <see cref="Complete"/> lists the languages that name every class.
/// </summary>
public sealed class ClassNames
{
    private ClassNames(Dictionary<string, string?[]> byLanguage) => ByLanguage = byLanguage;

    public IReadOnlyDictionary<string, string?[]> ByLanguage { get; }

    /// <summary>The languages with a name for every class, in ordinal order.</summary>
    public IEnumerable<string> Complete => ByLanguage.Where(p => p.Value.All(n => !string.IsNullOrWhiteSpace(n))).Select(p => p.Key).Order(StringComparer.Ordinal);

    public static ClassNames Load(string file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"class names {file}: no such file");
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
            var root = doc.RootElement.TryGetProperty("labels_by_locale", out var locales) ? locales : doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"class names {file}: expected an object of language → list of names");
            }

            var names = new Dictionary<string, string?[]>(StringComparer.Ordinal);
            int? classes = null;
            foreach (var language in root.EnumerateObject())
            {
                if (language.Value.ValueKind != JsonValueKind.Array)
                {
                    throw new InvalidDataException($"class names {file}: \"{language.Name}\" is not a list of names");
                }

                string?[] list = [.. language.Value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? null : v.GetString())];
                if (classes is int n && n != list.Length)
                {
                    throw new InvalidDataException($"class names {file}: \"{language.Name}\" has {list.Length} names, other languages {n}");
                }

                classes = list.Length;
                names[language.Name] = list;
            }

            return new ClassNames(names);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"class names {file}: not JSON: {e.Message}", e);
        }
    }
}
