namespace MetaClip.Dashboard.Views;

/// <summary>One page of a table: <see cref="Rows"/> are rows <c>Page * PageSize</c> on, of <see cref="Total"/>.</summary>
public sealed record Paged<T>(int Total, int Page, int PageSize, IReadOnlyList<T> Rows);

/// <summary>Makes <see cref="Paged{T}"/>s.</summary>
public static class Paged
{
    /// <summary>Page <paramref name="page"/> (clamped to the last) of <paramref name="all"/>, already in order.</summary>
    public static Paged<T> Of<T>(IReadOnlyList<T> all, int page, int pageSize)
    {
        ArgumentNullException.ThrowIfNull(all);
        int pages = Math.Max(1, (all.Count + pageSize - 1) / pageSize);
        int p = Math.Clamp(page, 0, pages - 1);
        return new Paged<T>(all.Count, p, pageSize, [.. all.Skip(p * pageSize).Take(pageSize)]);
    }
}
