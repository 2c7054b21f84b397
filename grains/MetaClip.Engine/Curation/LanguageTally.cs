namespace MetaClip.Engine.Curation;

/// <summary>Per-language text figures of one unit (or of a whole job when added up).</summary>
public sealed class LanguageTally
{
    public long Texts { get; set; }

    public long MatchedTexts { get; set; }

    public long ImagesDecided { get; set; }

    public long ImagesKept { get; set; }

    public void Add(LanguageTally other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Texts += other.Texts;
        MatchedTexts += other.MatchedTexts;
        ImagesDecided += other.ImagesDecided;
        ImagesKept += other.ImagesKept;
    }
}
