using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MetaClip.Dashboard.Views;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace MetaClip.Dashboard;

/// <summary>
/// The dashboard's routes: the pages (<c>/</c> jobs, <c>/jobs/{id}</c>, <c>/silos</c>), their JSON (<c>/api/…</c>), live
/// updates as server-sent events (<c>/api/events</c>), the actions (<c>POST /api/jobs/{id}/cancel</c>, <c>…/retry</c>)
/// and the embedded scripts and styles (<c>/assets/…</c>). Authentication is the HTTP port's own (the silo's access
/// filter runs first and sets a <see cref="DashboardPrincipal"/>); actions also need the page's CSRF token.
/// </summary>
public static class DashboardRoutes
{
    /// <summary>The header an action sends its CSRF token in.</summary>
    public const string CsrfHeader = "X-MetaClip-Csrf";

    /// <summary>How often the live events look for changes.</summary>
    public static readonly TimeSpan EventInterval = TimeSpan.FromSeconds(1);

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The token of a port without keys (loopback only): made per process, so another site's page cannot act.</summary>
    private static readonly string OpenCsrfToken = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    /// <summary>Registers what the routes need (on a silo: grain factory, silo metadata and details are there).</summary>
    public static IServiceCollection AddMetaClipDashboard(this IServiceCollection services) => services.AddSingleton<DashboardData>();

    /// <summary>Maps the dashboard's pages, API, events and assets.</summary>
    public static IEndpointRouteBuilder MapMetaClipDashboard(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var routes = app.MapGroup("");
        routes.AddEndpointFilter(async (invocation, next) => LoopbackOnly(invocation.HttpContext) ?? await next(invocation));
        MapRoutes(routes);
        return app;
    }

    /// <summary>
    /// On a port without keys (loopback only), a request must also name a loopback host: a page of another site whose
    /// name was made to resolve to 127.0.0.1 (DNS rebinding) gets 403, not the cluster's jobs.
    /// </summary>
    private static IResult? LoopbackOnly(HttpContext context)
    {
        if (context.Features.Get<DashboardPrincipal>() is not null)
        {
            return null;
        }

        string host = context.Request.Host.Host.Trim('[', ']');
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (System.Net.IPAddress.TryParse(host, out var ip) && System.Net.IPAddress.IsLoopback(ip))
            ? null
            : Results.Text("forbidden: a port without keys answers loopback names only\n", statusCode: StatusCodes.Status403Forbidden);
    }

    private static void MapRoutes(IEndpointRouteBuilder app)
    {
        app.MapGet("/", async (HttpContext context, DashboardData data) => await PageAsync(context, data, "jobs", null, "Jobs"));
        app.MapGet("/silos", async (HttpContext context, DashboardData data) => await PageAsync(context, data, "silos", null, "Silos"));
        app.MapGet("/jobs/{id}", async (HttpContext context, DashboardData data, string id) =>
        {
            if (await data.JobAsync(id, new JobQuery()) is null)
            {
                return Results.Content(Pages.NotFound(id), "text/html; charset=utf-8", Encoding.UTF8, StatusCodes.Status404NotFound);
            }

            return await PageAsync(context, data, "job", id, id);
        });
        app.MapGet("/assets/{name}", (string name) => Assets.Serve(name));
        app.MapGet("/api/jobs", async (HttpContext context, DashboardData data) => await ApiAsync(context, data, await data.JobsAsync()));
        app.MapGet("/api/jobs/{id}", async (HttpContext context, DashboardData data, string id) =>
            await data.JobAsync(id, Query(context.Request)) is { } job ? await ApiAsync(context, data, job) : NoSuchJob(id));
        app.MapGet("/api/silos", async (HttpContext context, DashboardData data) => await ApiAsync(context, data, await data.SilosAsync()));
        app.MapGet("/api/events", async (HttpContext context, DashboardData data) => await LiveEvents.StreamAsync(context, data));
        app.MapPost("/api/jobs/{id}/cancel", async (HttpContext context, DashboardData data, string id) =>
            Refused(context) ?? (await data.CancelAsync(id) ? Results.Json(await data.JobAsync(id, new JobQuery()), Json) : NoSuchJob(id)));
        app.MapPost("/api/jobs/{id}/retry", async (HttpContext context, DashboardData data, string id, bool? skipBadFiles) =>
            Refused(context) ?? (await data.RetryAsync(id, skipBadFiles ?? false) ? Results.Json(await data.JobAsync(id, new JobQuery()), Json) : NoSuchJob(id)));
    }

    /// <summary>Who asks: as the access filter found, or anyone on a port without keys.</summary>
    internal static DashboardPrincipal Principal(HttpContext context) =>
        context.Features.Get<DashboardPrincipal>() ?? new DashboardPrincipal(CanOperate: true, OpenCsrfToken);

    /// <summary>The job page's query: <c>lp</c> (languages page), <c>sort</c>, <c>desc</c>, <c>sp</c> (running shards page), <c>curve</c>.</summary>
    internal static JobQuery Query(HttpRequest request)
    {
        int Int(string name) => int.TryParse(request.Query[name], NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : 0;
        string sort = request.Query["sort"].ToString() is { Length: > 0 } s ? s : "texts";
        return new JobQuery(Int("lp"), sort, request.Query["desc"] != "false", Int("sp"), request.Query["curve"].ToString() is { Length: > 0 } c ? c : null);
    }

    /// <summary>Lets the other silos' pages read (a page whose silo was lost follows the job from another).</summary>
    internal static async Task AllowSilosAsync(HttpContext context, DashboardData data)
    {
        string origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && await data.IsSiloOriginAsync(origin))
        {
            context.Response.Headers.AccessControlAllowOrigin = origin;
            context.Response.Headers.AccessControlAllowCredentials = "true";
        }

        context.Response.Headers.Vary = "Origin";
    }

    private static async Task<IResult> ApiAsync<T>(HttpContext context, DashboardData data, T value)
    {
        await AllowSilosAsync(context, data);
        context.Response.Headers.CacheControl = "no-store";
        return Results.Json(value, Json);
    }

    private static IResult NoSuchJob(string id) => Results.Json(new { error = $"no job {id} on this cluster" }, Json, statusCode: StatusCodes.Status404NotFound);

    /// <summary>Null when the caller may act; otherwise the refusal (403: a viewer, or an action without the page's CSRF token).</summary>
    private static IResult? Refused(HttpContext context)
    {
        var principal = Principal(context);
        if (!principal.CanOperate)
        {
            return Results.Text("forbidden: this needs an operator key\n", statusCode: StatusCodes.Status403Forbidden);
        }

        if (principal.CsrfToken is { } expected)
        {
            byte[] sent = Encoding.UTF8.GetBytes(context.Request.Headers[CsrfHeader].ToString());
            if (!CryptographicOperations.FixedTimeEquals(sent, Encoding.UTF8.GetBytes(expected)))
            {
                return Results.Text("forbidden: the action lacks this page's token; reload the page\n", statusCode: StatusCodes.Status403Forbidden);
            }
        }

        return null;
    }

    private static async Task<IResult> PageAsync(HttpContext context, DashboardData data, string view, string? id, string title)
    {
        var urls = await data.SiloUrlsAsync();
        var principal = Principal(context);
        context.Response.Headers.ContentSecurityPolicy = Pages.ContentSecurityPolicy(urls);
        context.Response.Headers.CacheControl = "no-store";
        return Results.Content(Pages.Shell(view, id, title, principal, urls), "text/html; charset=utf-8", Encoding.UTF8);
    }
}
