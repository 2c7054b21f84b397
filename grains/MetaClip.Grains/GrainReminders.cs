namespace MetaClip.Grains;

/// <summary>Reminder helpers shared by the job grains.</summary>
public static class GrainReminders
{
    /// <summary>Unregisters the grain's reminder <paramref name="name"/> if it has one (a finished job needs it no more).</summary>
    public static async Task UnregisterReminderIfAnyAsync(this Grain grain, string name)
    {
        ArgumentNullException.ThrowIfNull(grain);
        var reminder = await grain.GetReminder(name);
        if (reminder is not null)
        {
            await grain.UnregisterReminder(reminder);
        }
    }
}
