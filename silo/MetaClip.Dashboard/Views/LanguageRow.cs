namespace MetaClip.Dashboard.Views;

/// <summary>One language's tallies: texts and matched texts (pass 1), <c>t_lang</c> once known, images decided and kept (pass 2).</summary>
public sealed record LanguageRow(string Language, long Texts, long Matched, ulong? TLang, long Decided, long Kept);
