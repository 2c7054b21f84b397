using System.Text.Encodings.Web;
using System.Text.Json;

namespace MetaClip.Dashboard;

/// <summary>
/// The HTML the server writes: each page's shell (the script fills it from the JSON API and the live events), the login
/// page and the page of an unknown job. Every value put into HTML is encoded.
/// </summary>
public static class Pages
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    /// <summary>A page's shell: its view, the job, whether the caller may act, the CSRF token and the silos' URLs (for failover).</summary>
    public static string Shell(string view, string? id, string title, DashboardPrincipal principal, IReadOnlyList<string> siloUrls)
    {
        ArgumentNullException.ThrowIfNull(principal);
        string silos = JsonSerializer.Serialize(siloUrls);
        return $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{Html.Encode(title)} · MetaClip</title><link rel="stylesheet" href="/assets/app.css"></head>
            <body data-view="{Html.Encode(view)}" data-job="{Html.Encode(id ?? "")}" data-operate="{(principal.CanOperate ? "true" : "false")}"
              data-csrf="{Html.Encode(principal.CsrfToken ?? "")}" data-silos="{Html.Encode(silos)}">
            <header><a class="brand" href="/">MetaClip</a><nav><a href="/">Jobs</a><a href="/silos">Silos</a><a href="/orleans/">Orleans</a></nav>
            <span id="conn" class="conn">connecting…</span><span class="who">{(principal.CanOperate ? "operator" : "viewer")}{(principal.Name is { } name ? " · " + Html.Encode(name) : "")}</span>
            <form method="post" action="/logout"><button type="submit" class="link">log out</button></form></header>
            <main id="main"><p class="muted">Loading…</p></main>
            <script src="/assets/app.js"></script>
            </body></html>
            """;
    }

    /// <summary>The page of a job id the cluster does not know (answered with 404).</summary>
    public static string NotFound(string id) => $"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>No such job · MetaClip</title><link rel="stylesheet" href="/assets/app.css"></head>
        <body><header><a class="brand" href="/">MetaClip</a><nav><a href="/">Jobs</a><a href="/silos">Silos</a></nav></header>
        <main><h1>No such job</h1><p id="not-found">There is no job <code>{Html.Encode(id)}</code> on this cluster.</p><p><a href="/">All jobs</a></p></main>
        </body></html>
        """;

    /// <summary>
    /// The login page, answered with 401 to a browser without a session: a form that posts a key to <c>/login</c> (never
    /// in the URL); <paramref name="failed"/> says that the last key was not accepted, not why.
    /// </summary>
    public static string Login(string returnPath, bool failed) => $"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Log in · MetaClip</title>
        <style>{Assets.Text("app.css")}</style></head>
        <body><main class="login"><h1>MetaClip</h1>
        <p>This cluster's dashboard needs a viewer or operator key (the silos' <code>MetaClip:Http</code> keys).</p>
        {(failed ? "<p class=\"error\" id=\"login-failed\">That key was not accepted.</p>" : "")}
        <form method="post" action="/login" autocomplete="off">
        <input type="hidden" name="return" value="{Html.Encode(returnPath)}">
        <label>Key <input type="password" name="key" id="key" required minlength="16" autofocus></label>
        <button type="submit" id="login">Log in</button></form></main></body></html>
        """;

    /// <summary>The pages' content security policy: scripts, styles and images from this silo only; live events from any silo of the cluster.</summary>
    public static string ContentSecurityPolicy(IReadOnlyList<string> siloUrls)
    {
        ArgumentNullException.ThrowIfNull(siloUrls);
        return $"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' {string.Join(' ', siloUrls)}; frame-ancestors 'none'; form-action 'self'";
    }
}
