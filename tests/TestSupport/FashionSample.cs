using MetaClip.Engine.Pipeline;
using MetaClip.Engine.Snapshots;

namespace MetaClip.TestSupport;

/// <summary>The repository's Fashion-MNIST sample (samples/fashion/): a snapshot with image bytes, curated as the README does.</summary>
internal static class FashionSample
{
    public static string Snapshot => Repository.Path("samples", "fashion", "snapshot");

    public static string Metadata => Repository.Path("samples", "fashion", "metadata");

    public static string HeldOut => Repository.Path("samples", "fashion", "heldout.parquet");

    public static string Classes => Repository.Path("samples", "fashion", "classes.json");

    /// <summary><c>metaclip curate --snapshot samples/fashion/snapshot --metadata samples/fashion/metadata --lang-column lang --t-en 60</c> on the engine.</summary>
    public static Task<CurationResult> CurateAsync(string output) =>
        new CurationPipeline(new CurationOptions
        {
            Snapshot = Snapshot,
            Metadata = Metadata,
            Output = output,
            TEn = 60,
            Columns = new SnapshotColumns { Lang = "lang" },
            MatcherCache = "off",
        }).RunAsync();
}
