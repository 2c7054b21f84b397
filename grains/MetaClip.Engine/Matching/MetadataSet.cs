using System.Collections.Concurrent;
using System.Security.Cryptography;
using MetaClip.Engine.Metadata;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Matching;

/// <summary>
/// A metadata folder: <c>{lang}.json</c> per metadata language and an optional <c>lid_map.json</c>.
/// Matchers are built on first use, once per language, and shared read-only by all threads. How each list's
/// index verifies hits is chosen when the set is made, under a budget for the whole set (<see cref="RecordBudget"/>).
/// </summary>
public sealed class MetadataSet
{
    /// <summary>Files in a metadata folder that are not language lists.</summary>
    public static readonly IReadOnlySet<string> ReservedFiles = new HashSet<string>(StringComparer.Ordinal) { "lid_map.json", "manifest.json" };

    private readonly IReadOnlyDictionary<string, MetadataList> _lists;
    private readonly ConcurrentDictionary<string, Lazy<EntryMatcher>> _matchers = new(StringComparer.Ordinal);
    private readonly CompiledMatcherCache? _cache;
    private readonly IReadOnlyDictionary<string, byte[]> _hashes;

    /// <param name="lists">The lists, by language.</param>
    /// <param name="lidMap">The language-identification map.</param>
    /// <param name="mode">The curation mode.</param>
    /// <param name="recordBudgetBytes">The bytes of records the set's indexes may hold (<see cref="RecordBudget"/>).</param>
    public MetadataSet(IReadOnlyDictionary<string, MetadataList> lists, LidMap lidMap, CurationMode mode, long recordBudgetBytes = RecordBudget.DefaultBytes)
        : this(lists, lidMap, mode, null, new Dictionary<string, byte[]>(), [], recordBudgetBytes)
    {
    }

    // compiled: matchers just read from the cache, which the set takes over (and lays out in place).
    private MetadataSet(IReadOnlyDictionary<string, MetadataList> lists, LidMap lidMap, CurationMode mode,
        CompiledMatcherCache? cache, IReadOnlyDictionary<string, byte[]> hashes, IReadOnlyList<EntryMatcher> compiled, long recordBudgetBytes)
    {
        ArgumentNullException.ThrowIfNull(lists);
        _lists = lists;
        LidMap = lidMap;
        Mode = mode;
        _cache = cache;
        _hashes = hashes;
        Layouts = RecordBudget.Assign(lists.Values, mode, recordBudgetBytes);

        // A compiled matcher is read in the strings layout; those given records get them here (in place: the
        // matchers were just read and no one else holds them).
        var laidOut = new EntryMatcher[compiled.Count];
        Parallel.For(0, compiled.Count, i => laidOut[i] = compiled[i].ConsumeIntoLayout(Layouts[compiled[i].List.Language]));
        foreach (var matcher in laidOut)
        {
            _matchers[matcher.List.Language] = new Lazy<EntryMatcher>(matcher);
        }
    }

    public CurationMode Mode { get; }

    public LidMap LidMap { get; }

    /// <summary>Metadata languages that have a list, in ordinal order.</summary>
    public IReadOnlyList<string> Languages => [.. _lists.Keys.Order(StringComparer.Ordinal)];

    public bool TryGetList(string language, out MetadataList list) => _lists.TryGetValue(language, out list!);

    /// <summary>How each language's index verifies hits (the layout its matcher has, or will have when built).</summary>
    public IReadOnlyDictionary<string, SpaceBoundedLayout> Layouts { get; }

    /// <summary>The matcher of a language's list, built once; null when the language has no list.</summary>
    public EntryMatcher? GetMatcher(string language)
    {
        if (!_lists.TryGetValue(language, out var list))
        {
            return null;
        }

        return _matchers.GetOrAdd(language, _ => new Lazy<EntryMatcher>(() => Build(list))).Value;
    }

    /// <summary>Languages whose matcher came compiled from the cache (not built from the list on this load).</summary>
    public int CompiledLoads { get; private init; }

    private EntryMatcher Build(MetadataList list)
    {
        var matcher = new EntryMatcher(list, Mode, Layouts.GetValueOrDefault(list.Language, SpaceBoundedLayout.Strings));
        if (_cache is not null && _hashes.TryGetValue(list.Language, out var hash))
        {
            _cache.Save(hash, Mode, matcher);
        }

        return matcher;
    }

    /// <summary>
    /// Loads a metadata folder or blob prefix. In <see cref="CurationMode.V1"/> only <c>en.json</c> is read and required.
    /// With a <paramref name="cache"/>, a list compiled before (same bytes, same mode) is loaded compiled, with its
    /// matcher; the others are parsed, and their matchers, once built, are kept in the cache. Each list's layout is
    /// chosen under <paramref name="recordBudgetBytes"/> (<see cref="RecordBudget.Assign"/>), whether it came
    /// compiled or not: a compiled file loads in either layout.
    /// </summary>
    public static async Task<MetadataSet> LoadAsync(DataStore store, string folder, CurationMode mode, CancellationToken cancellationToken, CompiledMatcherCache? cache = null,
        long recordBudgetBytes = RecordBudget.DefaultBytes)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(folder);
        switch (await store.KindAsync(folder, cancellationToken).ConfigureAwait(false))
        {
            case StoredKind.Missing:
                throw new CurationException($"metadata folder {folder} does not exist");
            case StoredKind.File:
                throw new CurationException($"metadata {folder} is a file, not a folder: give the folder that holds the {{lang}}.json lists");
        }

        var all = (await store.ListAsync(folder, cancellationToken).ConfigureAwait(false)).Where(f => !f.Name.Contains('/', StringComparison.Ordinal)).ToList();
        var files = all
            .Where(f => f.Name.EndsWith(".json", StringComparison.Ordinal) && !ReservedFiles.Contains(f.Name))
            .ToList();
        if (mode == CurationMode.V1)
        {
            files = files.Where(f => f.Name == "en.json").ToList();
            if (files.Count == 0)
            {
                throw new CurationException($"metadata folder {folder} has no en.json; MetaCLIP 1 mode (--mode v1) matches every text against en.json");
            }
        }
        else if (files.Count == 0)
        {
            throw new CurationException($"metadata folder {folder} holds no {{lang}}.json list");
        }

        // Read and parse in parallel; report the problem of the first bad file in name order, so errors are stable.
        var loaded = new MetadataList?[files.Count];
        var hashes = new byte[]?[files.Count];
        var compiled = new EntryMatcher?[files.Count];
        var failures = new Exception?[files.Count];
        await Parallel.ForAsync(0, files.Count, cancellationToken, async (i, token) =>
        {
            string language = files[i].Name[..^".json".Length];
            try
            {
                byte[] bytes = await ReadAsync(store, files[i].Location, token).ConfigureAwait(false);
                if (cache is not null)
                {
                    hashes[i] = SHA256.HashData(bytes);
                    if (cache.TryLoad(hashes[i], mode, language, files[i].Name, out var matcher))
                    {
                        compiled[i] = matcher;
                        loaded[i] = matcher.List;
                        return;
                    }
                }

                loaded[i] = MetadataList.Parse(language, bytes, files[i].Name);
            }
            catch (CurationException e)
            {
                failures[i] = e;
            }
        }).ConfigureAwait(false);
        if (failures.FirstOrDefault(f => f is not null) is Exception failure)
        {
            throw failure;
        }

        var lists = loaded.ToDictionary(l => l!.Language, l => l!, StringComparer.Ordinal);
        var languages = new HashSet<string>(lists.Keys, StringComparer.Ordinal);
        var mapFile = mode == CurationMode.V2 ? all.FirstOrDefault(f => f.Name == "lid_map.json") : null;
        var map = mapFile is null ? null : LidMap.Parse(await ReadAsync(store, mapFile.Location, cancellationToken).ConfigureAwait(false), mapFile.Name);
        var hashOf = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (int i = 0; i < files.Count; i++)
        {
            if (hashes[i] is byte[] hash)
            {
                hashOf[loaded[i]!.Language] = hash;
            }
        }

        var matchers = compiled.OfType<EntryMatcher>().ToList();
        return new MetadataSet(lists, map is null ? LidMap.BuiltIn(languages) : new LidMap(map, languages), mode, cache, hashOf, matchers, recordBudgetBytes)
        {
            CompiledLoads = matchers.Count,
        };
    }

    private static async Task<byte[]> ReadAsync(DataStore store, string location, CancellationToken cancellationToken)
    {
        try
        {
            return await store.ReadAllBytesAsync(location, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new CurationException($"metadata {location}: cannot be read: {e.Message}", e);
        }
    }
}
