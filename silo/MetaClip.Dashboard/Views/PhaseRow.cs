namespace MetaClip.Dashboard.Views;

/// <summary>One phase of a curation job: its state (pending, running, done, failed, cancelled) and shards done / running of the total.</summary>
public sealed record PhaseRow(string Name, string State, int Done, int Running, int Total);
