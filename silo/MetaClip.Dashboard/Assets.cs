using Microsoft.AspNetCore.Http;

namespace MetaClip.Dashboard;

/// <summary>The pages' scripts and styles, embedded in this assembly (nothing is fetched from elsewhere).</summary>
internal static class Assets
{
    private static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal)
    {
        ["app.js"] = "text/javascript; charset=utf-8",
        ["app.css"] = "text/css; charset=utf-8",
    };

    public static IResult Serve(string name)
    {
        if (!Types.TryGetValue(name, out string? type) || typeof(Assets).Assembly.GetManifestResourceStream("MetaClip.Dashboard.Assets." + name) is not { } stream)
        {
            return Results.NotFound();
        }

        return Results.Stream(stream, type);
    }

    /// <summary>An asset's text (the login page inlines the styles: it is shown before any login).</summary>
    public static string Text(string name)
    {
        using var stream = typeof(Assets).Assembly.GetManifestResourceStream("MetaClip.Dashboard.Assets." + name)
            ?? throw new InvalidOperationException($"the asset {name} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
