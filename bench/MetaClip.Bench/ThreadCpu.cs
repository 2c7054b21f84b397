using System.Runtime.InteropServices;

namespace MetaClip.Bench;

/// <summary>
/// The CPU time of the calling thread (Linux <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>), so that a
/// single-thread rate can be given per CPU-second of that thread: on a machine shared with other work the
/// wall-clock rate falls with the load, the rate per thread-CPU-second much less. NaN elsewhere.
/// </summary>
internal static partial class ThreadCpu
{
    private const int ClockThreadCpuTimeId = 3;

    public static double Seconds()
    {
        if (!OperatingSystem.IsLinux() || ClockGetTime(ClockThreadCpuTimeId, out var ts) != 0)
        {
            return double.NaN;
        }

        return ts.Seconds + (ts.Nanoseconds / 1e9);
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
