using System.Security.Cryptography;
using System.Text;
using MetaClip.Dashboard;

/// <summary>
/// The browser's side of <see cref="HttpAccess"/>: a browser cannot send a key on navigation, so <c>POST /login</c> takes
/// a key from a form and answers with a session cookie (HttpOnly, SameSite=Strict, Secure over HTTPS; it holds neither
/// the key nor its hash, see <see cref="SessionCookie"/>); <c>POST /logout</c> clears it. A browser without a session gets
/// the login page with its 401. Actions sent with the cookie carry the page's CSRF token (the dashboard checks it).
/// </summary>
internal sealed partial class HttpAccess
{
    /// <summary>Handles <c>/login</c> and <c>/logout</c>; false for any other request.</summary>
    private async Task<bool> SessionAsync(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method) || !(request.Path.Equals("/login", StringComparison.OrdinalIgnoreCase) || request.Path.Equals("/logout", StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        if (request.Path.Equals("/logout", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Cookies.Delete(SessionCookie.Name, CookieOptions(request, null));
            context.Response.Redirect("/", permanent: false);
            return true;
        }

        if (!FromThisSite(request))
        {
            // A login posted by another site's page (login CSRF: the victim would be logged in to the attacker's session).
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsync("forbidden: a login from another site's page\n");
            return true;
        }

        var form = request.HasFormContentType ? await request.ReadFormAsync(context.RequestAborted) : null;
        string key = form?["key"].ToString().Trim() ?? "";
        string back = form?["return"].ToString() is { } r && IsLocalPath(r) ? r : "/";
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        if (!Checks || RoleOf((k, h) => CryptographicOperations.FixedTimeEquals(h, k), hash) == Role.None)
        {
            // One answer for a missing, malformed or unknown key, as with a Bearer header.
            context.Response.StatusCode = Checks ? StatusCodes.Status401Unauthorized : StatusCodes.Status404NotFound;
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.WriteAsync(Checks ? Pages.Login(back, failed: true) : "no keys are configured: nothing to log in to\n");
            return true;
        }

        var expires = DateTimeOffset.UtcNow + SessionCookie.Lifetime;
        context.Response.Cookies.Append(SessionCookie.Name, SessionCookie.Create(hash, expires), CookieOptions(request, expires));
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = back;
        return true;
    }

    /// <summary>
    /// Whether a login was posted by a page of this site: the browser says so (<c>Sec-Fetch-Site: same-origin</c>), or
    /// its <c>Origin</c> is the host asked for (or, behind a proxy that rewrites <c>Host</c>, the first
    /// <c>X-Forwarded-Host</c>), or it sends no <c>Origin</c> at all (not a browser's cross-site post).
    /// </summary>
    private static bool FromThisSite(HttpRequest request)
    {
        string site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            return site is "same-origin" or "none";
        }

        string origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return true;
        }

        if (!Uri.TryCreate(origin, UriKind.Absolute, out var from))
        {
            return false;
        }

        string forwarded = request.Headers["X-Forwarded-Host"].ToString().Split(',')[0].Trim();
        return string.Equals(from.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)
            || (forwarded.Length > 0 && string.Equals(from.Authority, forwarded, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Whether a login's <c>return</c> is a path of this site: it starts with one <c>/</c> and holds no backslash, space
    /// or control character (a browser drops a tab or newline, so <c>/&lt;TAB&gt;/evil.example</c> would be another site).
    /// </summary>
    internal static bool IsLocalPath(string path) =>
        path.Length > 0 && path[0] == '/' && (path.Length == 1 || path[1] != '/') && !path.Any(c => c == '\\' || char.IsWhiteSpace(c) || char.IsControl(c));

    /// <summary>The role of a Bearer key, else of a session cookie (with its CSRF token); none without either.</summary>
    private (Role Role, string? Csrf) Authenticate(HttpRequest request)
    {
        string authorization = request.Headers.Authorization.ToString();
        if (authorization.Length > 0 || !request.Cookies.TryGetValue(SessionCookie.Name, out string? cookie) || cookie is null)
        {
            return (Authenticate(authorization), null);
        }

        var now = DateTimeOffset.UtcNow;
        var role = RoleOf((key, c) => SessionCookie.Matches(c, key, now), cookie);
        return (role, role == Role.None ? null : SessionCookie.CsrfToken(cookie));
    }

    /// <summary>The 401's body: the login page to a browser's GET, a line of text to anything else.</summary>
    private static async Task Unauthorized(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.WriteAsync(Pages.Login(request.Path + request.QueryString, failed: false));
            return;
        }

        await context.Response.WriteAsync("unauthorized: send a viewer or operator key as Authorization: Bearer KEY (or log in at /login)\n");
    }

    private static CookieOptions CookieOptions(HttpRequest request, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = request.IsHttps,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}
