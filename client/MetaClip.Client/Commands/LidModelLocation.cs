using MetaClip.Engine.Storage;

namespace MetaClip.Client.Commands;

/// <summary>
/// Where the LID model is: the option's value, else <c>METACLIP_LID_MODEL</c>, else <c>.models/lid.176.ftz</c>
/// (where <c>./run.sh</c> and <c>./test.sh</c> download it), as an absolute path or an <c>az://</c> blob, so that
/// silos in other folders read the same file.
/// </summary>
internal static class LidModelLocation
{
    public const string EnvironmentVariable = "METACLIP_LID_MODEL";
    public const string DefaultPath = ".models/lid.176.ftz";

    public static string Resolve(string? given)
    {
        string? configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        string location = !string.IsNullOrEmpty(given) ? given : !string.IsNullOrEmpty(configured) ? configured : DefaultPath;
        return DataStore.Normalize(location);
    }
}
