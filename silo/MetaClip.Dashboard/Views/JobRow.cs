namespace MetaClip.Dashboard.Views;

/// <summary>A job in the jobs list.</summary>
public sealed record JobRow(string Id, string Kind, string Phase, string Progress, DateTimeOffset SubmittedAt, DateTimeOffset? FinishedAt,
    string Input, string Output, string? SubmittedBy);
