using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Tracing;
using System.Globalization;

/// <summary>
/// The runtime calls <see cref="Initialize"/> before the program's <c>Main</c> when this assembly is named in
/// <c>DOTNET_STARTUP_HOOKS</c>; it must be a type of this name outside any namespace.
/// </summary>
[SuppressMessage("Design", "CA1050:Declare types in namespaces", Justification = "The runtime looks for StartupHook outside any namespace.")]
internal static class StartupHook
{
    private static GcEvents? _events;

    public static void Initialize()
    {
        _events = new GcEvents();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Console.Error.Write(_events.Summary());
    }
}

/// <summary>
/// The runtime's GC events of this process: each collection's generation and reason, and the allocation ticks (one
/// event per ~100 KB allocated, with the type of the object that crossed the mark and whether it was a large object).
/// </summary>
internal sealed class GcEvents : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    // The runtime's GC reasons (GCStart's Reason field), by number.
    private static readonly string[] Reasons =
    [
        "AllocSmall", "Induced", "LowMemory", "Empty", "AllocLarge", "OutOfSpaceSOH", "OutOfSpaceLOH", "InducedNotForced",
        "Internal", "InducedLowMemory", "InducedCompacting", "LowMemoryHost", "PMFullGC", "LowMemoryHostBlocking",
    ];

    private readonly ConcurrentDictionary<(bool Large, string Type), long> _allocated = new();
    private readonly ConcurrentDictionary<(int Generation, string Reason), int> _collections = new();

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName is not { } name || eventData.PayloadNames is not { } names || eventData.Payload is not { } payload)
        {
            return;
        }

        if (name.StartsWith("GCAllocationTick", StringComparison.Ordinal))
        {
            int type = names.IndexOf("TypeName"), kind = names.IndexOf("AllocationKind"), amount = names.IndexOf("AllocationAmount64");
            long bytes = amount >= 0 ? Convert.ToInt64(payload[amount], CultureInfo.InvariantCulture) : 100_000;
            bool large = kind >= 0 && Convert.ToInt32(payload[kind], CultureInfo.InvariantCulture) == 1;
            _allocated.AddOrUpdate((large, type >= 0 ? payload[type]?.ToString() ?? "?" : "?"), bytes, (_, sum) => sum + bytes);
        }
        else if (name.StartsWith("GCStart", StringComparison.Ordinal))
        {
            int depth = names.IndexOf("Depth"), reason = names.IndexOf("Reason");
            int generation = depth >= 0 ? Convert.ToInt32(payload[depth], CultureInfo.InvariantCulture) : -1;
            int number = reason >= 0 ? Convert.ToInt32(payload[reason], CultureInfo.InvariantCulture) : -1;
            string why = number >= 0 && number < Reasons.Length ? Reasons[number] : $"reason {number}";
            _collections.AddOrUpdate((generation, why), 1, (_, count) => count + 1);
        }
    }

    /// <summary>The process's figures so far, a few lines each starting with <c>gc-probe:</c>.</summary>
    public string Summary()
    {
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"gc-probe: allocated {GC.GetTotalAllocatedBytes() / 1_048_576:N0} MB; collections gen 0 {GC.CollectionCount(0)}, gen 1 {GC.CollectionCount(1)}, gen 2 {GC.CollectionCount(2)}; pauses {GC.GetTotalPauseDuration().TotalSeconds:0.00} s\n");
        text.Append("gc-probe: collections by generation and reason:");
        foreach (var ((generation, reason), count) in _collections.OrderByDescending(c => c.Value))
        {
            text.Append(CultureInfo.InvariantCulture, $" gen {generation} {reason} {count};");
        }

        text.Append('\n');
        foreach (bool large in new[] { true, false })
        {
            text.Append(large ? "gc-probe: large objects by type (MB, sampled):" : "gc-probe: small objects by type (MB, sampled):");
            foreach (var ((_, type), bytes) in _allocated.Where(a => a.Key.Large == large).OrderByDescending(a => a.Value).Take(12))
            {
                text.Append(CultureInfo.InvariantCulture, $" {type} {bytes / 1_048_576:N0};");
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
