using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace MetaClip.Dashboard;

/// <summary>
/// <c>GET /api/events?view=jobs|job|silos[&amp;id=…]</c>: server-sent events, one <c>update</c> each time what the view shows
/// changes (looked at every <see cref="DashboardRoutes.EventInterval"/>), with the active silos' URLs, and a comment line
/// now and then to keep proxies from closing a quiet stream.
/// </summary>
internal static class LiveEvents
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static async Task StreamAsync(HttpContext context, DashboardData data)
    {
        string view = context.Request.Query["view"].ToString();
        string id = context.Request.Query["id"].ToString();
        if (view is not ("jobs" or "job" or "silos") || (view == "job" && id.Length == 0))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("view must be jobs, job (with id) or silos\n");
            return;
        }

        var query = DashboardRoutes.Query(context.Request);
        await DashboardRoutes.AllowSilosAsync(context, data);
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        await context.Response.Body.FlushAsync(context.RequestAborted);
        string? last = null;
        var quiet = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (!context.RequestAborted.IsCancellationRequested)
            {
                object? value = view switch
                {
                    "jobs" => await data.JobsAsync(),
                    "silos" => await data.SilosAsync(),
                    _ => await data.JobAsync(id, query),
                };
                string json = JsonSerializer.Serialize(new { view, data = value, silos = await data.SiloUrlsAsync() }, DashboardRoutes.Json);
                if (json != last)
                {
                    await context.Response.WriteAsync($"event: update\ndata: {json}\n\n", context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    last = json;
                    quiet.Restart();
                }
                else if (quiet.Elapsed > KeepAlive)
                {
                    await context.Response.WriteAsync(": still here\n\n", context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    quiet.Restart();
                }

                await Task.Delay(DashboardRoutes.EventInterval, context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The page went away (or this silo is stopping).
        }
    }
}
