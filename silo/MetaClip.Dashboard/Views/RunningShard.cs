namespace MetaClip.Dashboard.Views;

/// <summary>A shard in flight: its index, the pass (match, sample, recount), its run (1, then 2… when re-run) and the silo it runs on.</summary>
public sealed record RunningShard(int Index, string Pass, int Run, string Silo);
