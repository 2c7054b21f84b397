using System.Text.Json;

/// <summary><c>MetaClip.Silo --health-check URL</c>: one GET of a silo's <c>/health</c>, for container health checks.</summary>
internal static class HealthCheck
{
    /// <summary>0 when the silo answers 200 with <c>"status": "ok"</c> within 3 s; otherwise 1, with the reason on <paramref name="error"/>.</summary>
    public static async Task<int> RunAsync(Uri url, TextWriter error)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync(url);
            string body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                await error.WriteLineAsync($"{url}: HTTP {(int)response.StatusCode}");
                return 1;
            }

            using var health = JsonDocument.Parse(body);
            if (health.RootElement.TryGetProperty("status", out var status) && status.GetString() == "ok")
            {
                return 0;
            }

            await error.WriteLineAsync($"{url}: status is not ok: {body}");
            return 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            await error.WriteLineAsync($"{url}: {e.Message}");
            return 1;
        }
    }
}
