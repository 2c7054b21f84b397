using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MetaClip.Dashboard;

/// <summary>
/// Who may use the silo's HTTP port. Every path but <c>/health</c> needs a key (<c>Authorization: Bearer KEY</c>): a
/// viewer key reads (GET, HEAD: <c>/metrics</c> and any page), an operator key also writes (any other method). Keys come
/// from <c>MetaClip:Http:ViewerKeys</c> / <c>OperatorKeys</c>, the environment (<c>METACLIP_HTTP_VIEWER_KEYS</c>,
/// <c>METACLIP_HTTP_OPERATOR_KEYS</c>) and files (<c>METACLIP_HTTP_VIEWER_KEYS_FILE</c>, <c>..._OPERATOR_KEYS_FILE</c>, or
/// <c>MetaClip:Http:ViewerKeysFile</c> / <c>OperatorKeysFile</c>: a mounted Kubernetes secret), separated by commas,
/// white space or lines; at least 16 characters each. Only their SHA-256 hashes are kept, compared in constant time;
/// a key is never logged. <c>MetaClip:Http:AnonymousMetrics=true</c> opens <c>/metrics</c> to anyone (Prometheus
/// inside the cluster). Without any key (and without that setting) the port answers without authentication but
/// binds to loopback only; with the setting and no key, only <c>/health</c> and <c>/metrics</c> answer, on any address.
/// A browser logs in instead (<c>/login</c>) and sends a session cookie (<see cref="SessionCookie"/>, HttpAccess.Session.cs).
/// </summary>
internal sealed partial class HttpAccess
{
    /// <summary>The configuration section of the HTTP settings.</summary>
    public const string Section = "MetaClip:Http";

    private readonly IConfigurationSection _section;
    private volatile KeySet _keys;

    private HttpAccess(IConfigurationSection section, KeySet keys, bool anonymousMetrics)
    {
        _section = section;
        _keys = keys;
        AnonymousMetrics = anonymousMetrics;
    }

    private enum Role
    {
        None,
        Viewer,
        Operator,
    }

    /// <summary>Whether any key is configured.</summary>
    public bool HasKeys => _keys.Viewers.Length + _keys.Operators.Length > 0;

    /// <summary>
    /// Whether requests are checked: with keys, or with anonymous metrics (then, without keys, only <c>/health</c> and
    /// <c>/metrics</c> answer). Otherwise the port answers everything, on loopback only.
    /// </summary>
    public bool Checks => HasKeys || AnonymousMetrics;

    /// <summary><c>/metrics</c> answers without a key.</summary>
    public bool AnonymousMetrics { get; }

    /// <summary>The keys and settings from configuration, the environment and key files.</summary>
    /// <exception cref="InvalidOperationException">A key is too short or a key file cannot be read (the message names the setting, never a key).</exception>
    public static HttpAccess FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(Section);
        return new HttpAccess(section, KeySet.Load(section, requireKeyInFiles: false), section.GetValue<bool>("AnonymousMetrics"));
    }

    /// <summary>
    /// The HTTP addresses to listen on when no key is configured: <paramref name="urls"/> (<c>--urls</c>,
    /// <c>ASPNETCORE_URLS</c>) or <paramref name="httpPorts"/> (<c>ASPNETCORE_HTTP_PORTS</c>, set by the .NET container
    /// images) with every host that is not loopback replaced by <c>127.0.0.1</c>; null when nothing is to change.
    /// </summary>
    public static string? LoopbackUrls(string? urls, string? httpPorts)
    {
        if (string.IsNullOrWhiteSpace(urls))
        {
            return string.IsNullOrWhiteSpace(httpPorts) ? null
                : string.Join(';', httpPorts.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://127.0.0.1:{p}"));
        }

        string[] each = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string[] loopback = [.. each.Select(url => UrlHost().Match(url) is { Success: true } m && !IsLoopback(m.Groups["host"].Value)
            ? $"{m.Groups["scheme"].Value}://127.0.0.1{m.Groups["rest"].Value}"
            : url)];
        return each.SequenceEqual(loopback, StringComparer.Ordinal) ? null : string.Join(';', loopback);
    }

    /// <summary>Answers 401 or 403 to a request this access does not allow; otherwise passes it on.</summary>
    public async Task FilterAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var request = context.Request;
        bool reads = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        if (!Checks && !(reads && request.Path.Equals("/health", StringComparison.OrdinalIgnoreCase)) && !IsLoopback(request.Host.Host))
        {
            // A port without keys listens on loopback only, and answers loopback names only, on every path (the Orleans
            // dashboard's live log and /metrics too): a page of another site whose name was made to resolve to
            // 127.0.0.1 (DNS rebinding) gets 403.
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsync("forbidden: a port without keys answers loopback names only\n");
            return;
        }

        if (await SessionAsync(context))
        {
            return;
        }

        if (!Checks || (reads && request.Path.Equals("/health", StringComparison.OrdinalIgnoreCase))
            || (reads && AnonymousMetrics && request.Path.Equals("/metrics", StringComparison.OrdinalIgnoreCase)))
        {
            await next(context);
            return;
        }

        var (role, csrf) = Authenticate(request);
        if (role == Role.None)
        {
            // One answer for a missing, malformed or unknown key: nothing says which.
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await Unauthorized(context);
            return;
        }

        if (!reads && role != Role.Operator)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsync("forbidden: this needs an operator key\n");
            return;
        }

        context.Features.Set(new DashboardPrincipal(role == Role.Operator, csrf));
        await next(context);
    }

    /// <summary>Says at the start how the HTTP port is protected (never a key).</summary>
    public void LogStart(ILogger logger, string? urls)
    {
        if (Checks)
        {
            LogKeys(logger, _keys.Viewers.Length, _keys.Operators.Length, AnonymousMetrics);
        }
        else
        {
            LogNoKeys(logger, urls ?? "the default address");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTP: every path but /health needs a key ({Viewers} viewer keys, {Operators} operator keys); /metrics without a key: {AnonymousMetrics}")]
    private static partial void LogKeys(ILogger logger, int viewers, int operators, bool anonymousMetrics);

    [LoggerMessage(Level = LogLevel.Warning, Message = "HTTP: no keys configured (MetaClip:Http:ViewerKeys / OperatorKeys, METACLIP_HTTP_VIEWER_KEYS / METACLIP_HTTP_OPERATOR_KEYS or their _FILE variants), so the HTTP port answers without authentication and listens on loopback only: {Urls}")]
    private static partial void LogNoKeys(ILogger logger, string urls);

    private Role Authenticate(string authorization)
    {
        const string scheme = "Bearer ";
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return Role.None;
        }

        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[scheme.Length..].Trim()));
        return RoleOf((key, _) => CryptographicOperations.FixedTimeEquals(hash, key), hash);
    }

    /// <summary>The role of the first key <paramref name="matches"/> accepts; every key is tried, whichever matches.</summary>
    private Role RoleOf<T>(Func<byte[], T, bool> matches, T argument)
    {
        bool isOperator = false, isViewer = false;
        var keys = _keys;
        foreach (byte[] key in keys.Operators)
        {
            isOperator |= matches(key, argument);
        }

        foreach (byte[] key in keys.Viewers)
        {
            isViewer |= matches(key, argument);
        }

        return isOperator ? Role.Operator : isViewer ? Role.Viewer : Role.None;
    }

    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    [GeneratedRegex(@"^(?<scheme>[a-zA-Z]+)://(?<host>\[[^\]]*\]|[^:/]+)(?<rest>.*)$")]
    private static partial Regex UrlHost();
}
