namespace MetaClip.Engine;

/// <summary>Which recipe's matching rules apply.</summary>
public enum CurationMode
{
    /// <summary>MetaCLIP 2 (worldwide): per-language lists, CJK-aware entry padding.</summary>
    V2,

    /// <summary>MetaCLIP 1: one English list, every entry padded on both sides, no LID.</summary>
    V1,
}
