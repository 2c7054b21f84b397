namespace MetaClip.Dashboard.Views;

/// <summary>What a job page asks for: a page of the languages sorted by a column, a page of the running shards, and the language whose curve to draw.</summary>
public sealed record JobQuery(int LanguagePage = 0, string Sort = "texts", bool Descending = true, int ShardPage = 0, string? Curve = null)
{
    /// <summary>Rows per page of the languages and the running shards.</summary>
    public const int PageSize = 50;
}
