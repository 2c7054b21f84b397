namespace MetaClip.Engine.Storage;

/// <summary>
/// The names Windows keeps for devices: a file or folder of one of these names, in any case and whatever follows
/// its first dot (<c>nul.txt</c>), is the device, in every folder. A name that becomes one part of a path (a job id, a
/// user's own folder) must not be one of them, or <c>OUT/.work/CON</c> is the console on a Windows machine.
/// </summary>
public static class WindowsDeviceNames
{
    private static readonly string[] DeviceNames =
    [
        "CON", "PRN", "AUX", "NUL",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    ];

    /// <summary>What the names are, for messages.</summary>
    public const string Listed = "CON, PRN, AUX, NUL, COM0–COM9, LPT0–LPT9";

    /// <summary>Whether <paramref name="part"/> (one part of a path) names a Windows device.</summary>
    public static bool Names(ReadOnlySpan<char> part)
    {
        int dot = part.IndexOf('.');
        var stem = (dot < 0 ? part : part[..dot]).TrimEnd(' ');
        foreach (string name in DeviceNames)
        {
            if (stem.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
