using System.Collections.Concurrent;
using MetaClip.Curation;

namespace MetaClip.Metadata;

/// <summary>
/// A metadata folder: <c>{lang}.json</c> per metadata language and an optional <c>lid_map.json</c>.
/// Matchers are built on first use, once per language, and shared read-only by all threads.
/// </summary>
public sealed class MetadataSet
{
    /// <summary>Files in a metadata folder that are not language lists.</summary>
    public static readonly IReadOnlySet<string> ReservedFiles = new HashSet<string>(StringComparer.Ordinal) { "lid_map.json", "manifest.json" };

    private readonly IReadOnlyDictionary<string, MetadataList> _lists;
    private readonly ConcurrentDictionary<string, Lazy<EntryMatcher>> _matchers = new(StringComparer.Ordinal);

    public MetadataSet(IReadOnlyDictionary<string, MetadataList> lists, LidMap lidMap, CurationMode mode)
    {
        _lists = lists;
        LidMap = lidMap;
        Mode = mode;
    }

    public CurationMode Mode { get; }

    public LidMap LidMap { get; }

    /// <summary>Metadata languages that have a list, in ordinal order.</summary>
    public IReadOnlyList<string> Languages => [.. _lists.Keys.Order(StringComparer.Ordinal)];

    public bool TryGetList(string language, out MetadataList list) => _lists.TryGetValue(language, out list!);

    /// <summary>The matcher of a language's list, built once; null when the language has no list.</summary>
    public EntryMatcher? GetMatcher(string language)
    {
        if (!_lists.TryGetValue(language, out var list))
        {
            return null;
        }

        return _matchers.GetOrAdd(language, _ => new Lazy<EntryMatcher>(() => new EntryMatcher(list, Mode))).Value;
    }

    /// <summary>
    /// Loads a metadata folder. In <see cref="CurationMode.V1"/> only <c>en.json</c> is read and required.
    /// </summary>
    public static MetadataSet Load(string folder, CurationMode mode)
    {
        if (!Directory.Exists(folder))
        {
            throw new CurationException($"metadata folder {folder} does not exist");
        }

        var files = Directory.GetFiles(folder, "*.json", SearchOption.TopDirectoryOnly)
            .Where(f => !ReservedFiles.Contains(Path.GetFileName(f)))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (mode == CurationMode.V1)
        {
            files = files.Where(f => Path.GetFileNameWithoutExtension(f) == "en").ToList();
            if (files.Count == 0)
            {
                throw new CurationException($"metadata folder {folder} has no en.json; MetaCLIP 1 mode (--mode v1) matches every text against en.json");
            }
        }
        else if (files.Count == 0)
        {
            throw new CurationException($"metadata folder {folder} holds no {{lang}}.json list");
        }

        // Parse in parallel; report the problem of the first bad file in name order, so errors are stable.
        var loaded = new MetadataList?[files.Count];
        var failures = new Exception?[files.Count];
        Parallel.For(0, files.Count, i =>
        {
            try
            {
                loaded[i] = MetadataList.Load(Path.GetFileNameWithoutExtension(files[i]), files[i]);
            }
            catch (CurationException e)
            {
                failures[i] = e;
            }
        });
        if (failures.FirstOrDefault(f => f is not null) is Exception failure)
        {
            throw failure;
        }

        var lists = loaded.ToDictionary(l => l!.Language, l => l!, StringComparer.Ordinal);

        string mapPath = Path.Combine(folder, "lid_map.json");
        var languages = new HashSet<string>(lists.Keys, StringComparer.Ordinal);
        var map = mode == CurationMode.V2 && File.Exists(mapPath) ? LidMap.ParseFile(mapPath) : null;
        return new MetadataSet(lists, new LidMap(map, languages), mode);
    }
}
