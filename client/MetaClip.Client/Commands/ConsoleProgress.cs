using System.Diagnostics;
using System.Globalization;
using MetaClip.Engine.Pipeline;
using Spectre.Console;

namespace MetaClip.Client.Commands;

/// <summary>
/// Shows a job's progress: live bars on a terminal, plain timestamped lines when output is redirected
/// (one per phase and at most one a second while matching or sampling).
/// </summary>
internal static class ConsoleProgress
{
    public static bool IsInteractive() =>
        !Console.IsOutputRedirected && !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("CI") is null;

    public static async Task<T> RunAsync<T>(bool interactive, TextWriter output, Func<IProgress<CurationProgress>, Task<T>> job)
    {
        if (!interactive)
        {
            return await job(new PlainProgress(output)).ConfigureAwait(false);
        }

        T result = default!;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                result = await job(new BarProgress(context)).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return result;
    }

    private static string Describe(CurationPhase phase) => phase switch
    {
        CurationPhase.Starting => "start the embedded cluster",
        CurationPhase.LoadingMetadata => "load metadata",
        CurationPhase.Planning => "plan shards",
        CurationPhase.Matching => "match and count",
        CurationPhase.Thresholds => "thresholds",
        CurationPhase.Sampling => "sample and write",
        CurationPhase.Writing => "write counts and report",
        _ => "done",
    };

    private sealed class PlainProgress(TextWriter output) : IProgress<CurationProgress>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Lock _gate = new();
        private CurationPhase? _phase;
        private CurationPhase? _completed;
        private TimeSpan _last;

        public void Report(CurationProgress value)
        {
            lock (_gate)
            {
                bool newPhase = value.Phase != _phase;
                bool complete = value.UnitsTotal > 0 && value.UnitsDone == value.UnitsTotal;
                bool due = (_clock.Elapsed - _last >= TimeSpan.FromSeconds(1) && !(complete && _completed == value.Phase)) ||
                    (complete && _completed != value.Phase);
                if (complete)
                {
                    _completed = value.Phase;
                }
                if (!newPhase && !due)
                {
                    return;
                }

                if (!newPhase && value.Phase is not (CurationPhase.Matching or CurationPhase.Sampling))
                {
                    return;
                }

                _phase = value.Phase;
                _last = _clock.Elapsed;
                if (value.Phase == CurationPhase.Done)
                {
                    return;
                }

                string units = value.UnitsTotal > 0 ? string.Create(CultureInfo.InvariantCulture, $": shard {value.UnitsDone}/{value.UnitsTotal}, {value.TextsDone:N0} texts") : string.Empty;
                string detail = value.Detail is null ? string.Empty : " — " + value.Detail;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,6:0.0}s] {Describe(value.Phase)}{units}{detail}"));
            }
        }
    }

    private sealed class BarProgress(ProgressContext context) : IProgress<CurationProgress>
    {
        private readonly Dictionary<CurationPhase, ProgressTask> _tasks = [];
        private readonly Lock _gate = new();

        public void Report(CurationProgress value)
        {
            lock (_gate)
            {
                foreach (var (phase, task) in _tasks)
                {
                    if (phase < value.Phase && !task.IsFinished)
                    {
                        task.Value = task.MaxValue;
                        task.StopTask();
                    }
                }

                if (value.Phase == CurationPhase.Done)
                {
                    return;
                }

                if (!_tasks.TryGetValue(value.Phase, out var current))
                {
                    current = context.AddTask(Describe(value.Phase), maxValue: Math.Max(1, value.UnitsTotal));
                    _tasks[value.Phase] = current;
                }

                current.MaxValue = Math.Max(1, value.UnitsTotal);
                current.Value = value.UnitsTotal == 0 ? 0 : value.UnitsDone;
                if (value.Phase is CurationPhase.Matching or CurationPhase.Sampling)
                {
                    string detail = value.Detail is null ? string.Empty : " " + Markup.Escape(value.Detail);
                    current.Description = string.Create(CultureInfo.InvariantCulture, $"{Describe(value.Phase)} ({value.TextsDone:N0} texts){detail}");
                }
            }
        }
    }
}
