using MetaClip.Engine;
using MetaClip.Engine.Storage;

namespace MetaClip.GrainInterfaces;

/// <summary>
/// What a job's id may be: it is the job grain's key, chosen by whoever submits, and it names the job's work folder
/// (<c>OUT/.work/ID</c>) that the job writes and at its end deletes, so it must never be a path. Ids are 1–128 ASCII
/// letters, digits, <c>-</c> and <c>_</c>, starting with a letter or digit (metaclip makes 32 hex digits, or
/// <c>curate-</c>, <c>train-</c> and a time before them), and not a name Windows keeps for a device
/// (<see cref="WindowsDeviceNames"/>: <c>OUT/.work/CON</c> would be the console there).
/// </summary>
public static class JobIds
{
    public const int MaxLength = 128;

    public static bool IsValid(string? id) => HasValidForm(id) && !WindowsDeviceNames.Names(id);

    /// <summary>Throws a <see cref="CurationException"/> that says what is wrong when <paramref name="id"/> is not a job id.</summary>
    public static string Check(string? id)
    {
        if (!HasValidForm(id))
        {
            string shown = id is null ? "none" : id.Length > 40 ? $"\"{TerminalText.Printable(id[..40])}…\" ({id.Length} characters)" : $"\"{TerminalText.Printable(id)}\"";
            throw new CurationException(
                $"refused: {shown} is not a job id (1–{MaxLength} ASCII letters, digits, '-' and '_', starting with a letter or digit)");
        }

        if (WindowsDeviceNames.Names(id))
        {
            throw new CurationException($"refused: \"{id}\" is not a job id: Windows keeps that name for a device ({WindowsDeviceNames.Listed})");
        }

        return id;
    }

    private static bool HasValidForm([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength || !char.IsAsciiLetterOrDigit(id[0]))
        {
            return false;
        }

        foreach (char c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                return false;
            }
        }

        return true;
    }
}
