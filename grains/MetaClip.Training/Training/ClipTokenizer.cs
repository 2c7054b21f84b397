using Microsoft.ML.Tokenizers;

namespace MetaClip.Training;

/// <summary>
/// The text tower's tokenizer: a multilingual subword tokenizer under four reserved ids — padding 0, start of
/// text 1, end of text 2 (where the text tower pools), unknown 3. Either a SentencePiece model the user brings
/// (XLM-V's <c>sentencepiece.bpe.model</c>: every piece kept, id = piece id + 4), or, needing no download,
/// OpenAI's o200k_base byte-level BPE compacted to the tokens seen in the training texts (an o200k id
/// table of 200k rows would dwarf a small model's text tower; unseen tokens become <see cref="Unknown"/>).
/// </summary>
public sealed class ClipTokenizer
{
    public const int Pad = 0;
    public const int Start = 1;
    public const int End = 2;
    public const int Unknown = 3;
    public const int Reserved = 4;

    private readonly Tokenizer _inner;
    private readonly Dictionary<int, int>? _modelIdOf; // inner id -> model id (compacted vocabularies)
    private readonly int[]? _innerIdOf;                // model id - Reserved -> inner id

    private ClipTokenizer(string kind, Tokenizer inner, int innerVocabulary, IReadOnlyList<int>? kept)
    {
        Kind = kind;
        _inner = inner;
        if (kept is null)
        {
            VocabularySize = Reserved + innerVocabulary;
        }
        else
        {
            _innerIdOf = [.. kept];
            _modelIdOf = new Dictionary<int, int>(kept.Count);
            for (int i = 0; i < kept.Count; i++)
            {
                _modelIdOf[kept[i]] = Reserved + i;
            }

            VocabularySize = Reserved + kept.Count;
        }
    }

    /// <summary><c>o200k</c> or <c>sentencepiece</c>.</summary>
    public string Kind { get; }

    /// <summary>Rows of the text tower's embedding table.</summary>
    public int VocabularySize { get; }

    /// <summary>The o200k_base ids kept, in model-id order (null for SentencePiece): saved with a checkpoint.</summary>
    public IReadOnlyList<int>? KeptTokens => _innerIdOf;

    /// <summary>o200k_base compacted to the tokens of <paramref name="texts"/> (in first-seen order, so the same texts give the same ids).</summary>
    public static ClipTokenizer O200k(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var inner = TiktokenTokenizer.CreateForEncoding("o200k_base");
        var seen = new HashSet<int>();
        var kept = new List<int>();
        foreach (string text in texts)
        {
            foreach (int id in inner.EncodeToIds(text))
            {
                if (seen.Add(id))
                {
                    kept.Add(id);
                }
            }
        }

        return new ClipTokenizer("o200k", inner, 0, kept);
    }

    /// <summary>o200k_base with a vocabulary saved before (<see cref="KeptTokens"/>).</summary>
    public static ClipTokenizer O200k(IReadOnlyList<int> keptTokens) => new("o200k", TiktokenTokenizer.CreateForEncoding("o200k_base"), 0, keptTokens);

    /// <summary>A SentencePiece model (<c>.model</c>); <paramref name="source"/> names it in errors.</summary>
    public static ClipTokenizer SentencePiece(Stream model, string source)
    {
        ArgumentNullException.ThrowIfNull(model);
        SentencePieceTokenizer inner;
        try
        {
            inner = SentencePieceTokenizer.Create(model, addBeginningOfSentence: false, addEndOfSentence: false);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or FormatException or InvalidOperationException or Google.Protobuf.InvalidProtocolBufferException)
        {
            throw new InvalidDataException($"tokenizer {source}: not a SentencePiece model: {e.Message}", e);
        }

        return new ClipTokenizer("sentencepiece", inner, inner.Vocabulary.Count, null);
    }

    /// <summary>
    /// The subword ids of <paramref name="text"/> in model ids (no start, end or padding). With SentencePiece, a run
    /// of characters the model does not know is one unknown piece, as <c>spm_encode</c> gives it (Microsoft.ML.Tokenizers
    /// emits one per character).
    /// </summary>
    public List<int> EncodeTokens(string text)
    {
        var ids = new List<int>();
        int? unknown = (_inner as SentencePieceTokenizer)?.UnknownId;
        int previous = -1;
        foreach (int id in _inner.EncodeToIds(text))
        {
            if (id == unknown && previous == unknown)
            {
                continue;
            }

            previous = id;
            ids.Add(_modelIdOf is null ? Reserved + id : _modelIdOf.GetValueOrDefault(id, Unknown));
        }

        return ids;
    }

    /// <summary>
    /// One row of the text tower's input: start, the text's tokens (cut so that end of text fits), end, padding to
    /// the row's length (the model's context).
    /// </summary>
    public void Encode(string text, Span<long> row)
    {
        row.Clear();
        var tokens = EncodeTokens(text);
        int length = Math.Min(tokens.Count, row.Length - 2);
        row[0] = Start;
        for (int i = 0; i < length; i++)
        {
            row[1 + i] = tokens[i];
        }

        row[1 + length] = End;
    }

    /// <summary>The text of model ids (reserved ids are left out; an unknown token decodes to U+FFFD).</summary>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var inner = new List<int>();
        var text = new System.Text.StringBuilder();
        foreach (int id in ids)
        {
            if (id == Unknown)
            {
                text.Append(_inner.Decode(inner)).Append('\uFFFD');
                inner.Clear();
            }
            else if (id >= Reserved)
            {
                inner.Add(_innerIdOf is null ? id - Reserved : _innerIdOf[id - Reserved]);
            }
        }

        return text.Append(_inner.Decode(inner)).ToString();
    }
}
