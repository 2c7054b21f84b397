namespace MetaClip.Engine.Snapshots;

/// <summary>
/// Which snapshot columns hold what (docs/formats.md), matched by name case-insensitively.
/// LAION dumps use <c>URL</c>/<c>TEXT</c> (matched by the defaults); img2dataset uses
/// <c>url</c>/<c>caption</c>/<c>key</c> (give <c>Text = "caption"</c>).
/// </summary>
public sealed record SnapshotColumns
{
    public string Text { get; init; } = "text";

    public string Url { get; init; } = "url";

    public string Uuid { get; init; } = "uuid";

    /// <summary>The column holding a LID label per text, or null when labels are not read from the snapshot.</summary>
    public string? Lang { get; init; }

    public string Key { get; init; } = "key";

    /// <summary>Names of binary image columns carried through to the curated output, in order of preference.</summary>
    public IReadOnlyList<string> Image { get; init; } = ["image", "jpg", "png"];
}
