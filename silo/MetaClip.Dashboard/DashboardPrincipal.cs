namespace MetaClip.Dashboard;

/// <summary>
/// Who asks, as the HTTP port's access check found: set on the request's features by the silo's access filter. A request
/// without it reached an open port (loopback only, no keys configured): anyone there may act, with the process's own
/// CSRF token.
/// </summary>
/// <param name="CanOperate">An operator (cancel, retry); a viewer only reads.</param>
/// <param name="CsrfToken">The token an action must send in <see cref="DashboardRoutes.CsrfHeader"/>: the session cookie's, or null when the caller sent its key itself (no ambient credential to forge).</param>
/// <param name="Name">Who it is, when the access check knows a name (shown in the page header).</param>
public sealed record DashboardPrincipal(bool CanOperate, string? CsrfToken, string? Name = null);
