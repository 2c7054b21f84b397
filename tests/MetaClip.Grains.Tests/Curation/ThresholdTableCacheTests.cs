using MetaClip.Engine.Curation;
using MetaClip.Engine.Storage;
using MetaClip.Grains.Curation;

namespace MetaClip.Grains.Tests.Curation;

public class ThresholdTableCacheTests
{
    [Fact]
    public async Task A_silo_keeps_the_most_recent_tables_and_reads_an_evicted_one_again()
    {
        using var work = new TempFolder();
        var cache = new ThresholdTableCache(DataStore.Local);
        var paths = new List<string>();
        for (int job = 0; job <= ThresholdTableCache.MaxTables; job++)
        {
            var table = ThresholdTable.Compute(new Dictionary<string, EntryCounts> { ["en"] = new("en", [1, (ulong)job + 2, 3]) }, tEn: 2, p: null);
            string path = work.Combine($"job-{job}.table");
            await using (var stream = File.Create(path))
            {
                ThresholdTableCodec.Write(stream, table);
            }

            paths.Add(path);
            await cache.GetAsync(path);
        }

        Assert.Equal(ThresholdTableCache.MaxTables, cache.Count);

        // The newest is served from memory (its file is gone); the oldest was dropped, so it is read again.
        File.Delete(paths[^1]);
        await cache.GetAsync(paths[^1]);
        File.Delete(paths[0]);
        await Assert.ThrowsAnyAsync<IOException>(() => cache.GetAsync(paths[0]));
    }
}
