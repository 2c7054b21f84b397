using MetaClip.Engine.Pipeline;

namespace MetaClip.Client.Commands;

/// <summary>
/// Passes a followed job's progress on without steps back: when the job resumes from its last saved state (its
/// coordinator moved to another silo), the shards and texts it shows done never fall below what was shown already.
/// </summary>
internal sealed class SteadyProgress(IProgress<CurationProgress> inner) : IProgress<CurationProgress>
{
    private readonly Lock _gate = new();
    private CurationPhase? _phase;
    private int _units;
    private long _texts;

    public void Report(CurationProgress value)
    {
        lock (_gate)
        {
            if (value.Phase != _phase)
            {
                if (_phase is CurationPhase shown && value.Phase < shown)
                {
                    // A phase the job had left already (its resumed state is older): keep showing where it was.
                    return;
                }

                _phase = value.Phase;
                _units = 0;
                _texts = 0;
            }

            _units = Math.Max(_units, value.UnitsDone);
            _texts = Math.Max(_texts, value.TextsDone);
            inner.Report(value with { UnitsDone = _units, TextsDone = _texts });
        }
    }
}
