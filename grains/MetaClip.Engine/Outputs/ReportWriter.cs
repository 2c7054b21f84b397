using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Outputs;

/// <summary>Writes <c>report.json</c> and a self-contained <c>report.html</c> (no scripts, no external files).</summary>
public static class ReportWriter
{
    public const string JsonFile = "report.json";
    public const string HtmlFile = "report.html";

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static void Write(string folder, CurationReport report)
    {
        File.WriteAllText(Path.Combine(folder, JsonFile), JsonSerializer.Serialize(report, Options));
        File.WriteAllText(Path.Combine(folder, HtmlFile), Html(report));
    }

    /// <summary>Reads a job's <c>report.json</c> back.</summary>
    public static async Task<CurationReport> ReadAsync(DataStore store, string output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        string location = DataStore.Combine(output, JsonFile);
        return JsonSerializer.Deserialize<CurationReport>(await store.ReadAllBytesAsync(location, cancellationToken).ConfigureAwait(false), Options)
            ?? throw new InvalidDataException($"{location} holds no report");
    }

    internal static string Html(CurationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var inv = CultureInfo.InvariantCulture;
        var t = report.Totals;
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>MetaClip curation report</title><style>")
         .Append("body{font-family:system-ui,sans-serif;margin:2rem;color:#1d2330;max-width:1200px}")
         .Append("h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}")
         .Append("table{border-collapse:collapse;font-variant-numeric:tabular-nums}td,th{padding:.3rem .6rem;border-bottom:1px solid #dde}")
         .Append("th{text-align:left;background:#f3f5fa}td.n{text-align:right}.warn{background:#fff4e0;border-left:4px solid #f0a020;padding:.5rem 1rem;margin:.3rem 0}")
         .Append(".cards{display:flex;gap:1rem;flex-wrap:wrap}.card{background:#f3f5fa;padding:.8rem 1.2rem;border-radius:8px}.card b{display:block;font-size:1.4rem}")
         .Append(".bar{background:#dfe6f5;height:10px;width:160px;border-radius:5px;overflow:hidden}.bar span{display:block;height:100%;background:#3a6fd8}")
         .Append(".charts{display:flex;flex-wrap:wrap;gap:1rem}.chart{border:1px solid #e3e6ef;border-radius:8px;padding:.4rem}")
         .Append("small{color:#667}</style></head><body>");
        h.Append("<h1>MetaClip curation report</h1>");
        h.Append("<p><small>snapshot <code>").Append(E(report.Snapshot)).Append("</code> · metadata <code>").Append(E(report.Metadata))
         .Append("</code> · mode ").Append(E(report.Mode)).Append(" · t_en ").Append(report.TEn?.ToString(inv) ?? "—")
         .Append(" · p ").Append(report.P.ToString("R", inv)).Append(" · seed ").Append(report.Seed.ToString(inv))
         .Append(" · finished ").Append(report.FinishedAt.ToString("u", inv)).Append("</small></p>");

        h.Append("<div class=\"cards\">");
        Card(h, "rows", t.Rows);
        Card(h, "texts", t.Texts);
        Card(h, "skipped texts", t.SkippedTexts);
        Card(h, "images", t.Images);
        Card(h, "matched images", t.ImagesDecided);
        Card(h, "kept images", t.ImagesKept);
        h.Append("</div>");

        if (report.Warnings.Count > 0)
        {
            h.Append("<h2>Warnings</h2>");
            foreach (string w in report.Warnings)
            {
                h.Append("<div class=\"warn\">").Append(E(w)).Append("</div>");
            }
        }

        h.Append("<h2>Languages</h2><table><tr><th>lang</th><th>entries</th><th>texts</th><th>matched texts</th><th>matches</th>")
         .Append("<th>matched entries</th><th>t_lang</th><th>head entries</th><th>tail share</th><th>images matched</th><th>images kept</th><th>kept / matched</th></tr>");
        foreach (var l in report.Languages)
        {
            double keptShare = l.ImagesDecided == 0 ? 0 : (double)l.ImagesKept / l.ImagesDecided;
            h.Append("<tr><td>").Append(E(l.Language)).Append("</td>");
            Num(h, l.Entries);
            Num(h, l.Texts);
            Num(h, l.MatchedTexts);
            Num(h, (long)l.Matches);
            Num(h, l.MatchedEntries);
            h.Append("<td class=\"n\">").Append(l.Threshold?.ToString("N0", inv) ?? "—").Append("</td>");
            Num(h, l.HeadEntries);
            h.Append("<td class=\"n\">").Append(l.Threshold is null ? "—" : l.TailShare.ToString("P1", inv)).Append("</td>");
            Num(h, l.ImagesDecided);
            Num(h, l.ImagesKept);
            h.Append("<td><div class=\"bar\" title=\"").Append(keptShare.ToString("P1", inv)).Append("\"><span style=\"width:")
             .Append((keptShare * 100).ToString("0.#", inv)).Append("%\"></span></div></td></tr>");
        }

        h.Append("</table>");

        h.Append("<h2>Head and tail: match count per entry, by rank</h2><p><small>Log–log. Entries above the dashed line (")
         .Append("count ≥ t_lang) are the head and are sampled down to about t_lang texts each; entries below it are the tail and are all kept.</small></p><div class=\"charts\">");
        foreach (var l in report.Languages.Where(l => l.Curve.Count > 0))
        {
            Chart(h, l);
        }

        h.Append("</div>");
        h.Append("<h2>Timings</h2><table>");
        foreach (var (phase, seconds) in report.TimingsSeconds)
        {
            h.Append("<tr><td>").Append(E(phase)).Append("</td><td class=\"n\">").Append(seconds.ToString("0.000", inv)).Append(" s</td></tr>");
        }

        h.Append("</table></body></html>");
        return h.ToString();
    }

    private static void Chart(StringBuilder h, LanguageReport l)
    {
        var inv = CultureInfo.InvariantCulture;
        const int W = 280, H = 180, Pad = 30;
        double maxRank = Math.Max(1, l.Curve[^1][0]);
        double maxCount = Math.Max(1, l.Curve[0][1]);
        double X(double rank) => Pad + ((W - Pad - 8) * Math.Log10(rank) / Math.Max(Math.Log10(maxRank), 1e-9));
        double Y(double count) => H - Pad - ((H - Pad - 8) * Math.Log10(count) / Math.Max(Math.Log10(maxCount), 1e-9));
        h.Append("<div class=\"chart\"><svg width=\"").Append(W).Append("\" height=\"").Append(H).Append("\" role=\"img\" aria-label=\"")
         .Append(E(l.Language)).Append(" counts by rank\"><text x=\"").Append(W / 2).Append("\" y=\"14\" font-size=\"12\" font-weight=\"bold\" text-anchor=\"middle\">")
         .Append(E(l.Language)).Append("</text>");
        h.Append("<line x1=\"").Append(Pad).Append("\" y1=\"").Append(H - Pad).Append("\" x2=\"").Append(W - 8).Append("\" y2=\"").Append(H - Pad).Append("\" stroke=\"#999\"/>");
        h.Append("<line x1=\"").Append(Pad).Append("\" y1=\"8\" x2=\"").Append(Pad).Append("\" y2=\"").Append(H - Pad).Append("\" stroke=\"#999\"/>");
        h.Append("<text x=\"").Append(W - 8).Append("\" y=\"").Append(H - 12).Append("\" font-size=\"10\" text-anchor=\"end\">rank (").Append(((long)maxRank).ToString("N0", inv)).Append(")</text>");
        h.Append("<text x=\"4\" y=\"").Append(20).Append("\" font-size=\"10\">").Append(((long)maxCount).ToString("N0", inv)).Append("</text>");
        h.Append("<polyline fill=\"none\" stroke=\"#3a6fd8\" stroke-width=\"1.5\" points=\"");
        foreach (var point in l.Curve)
        {
            h.Append(X(point[0]).ToString("0.#", inv)).Append(',').Append(Y(point[1]).ToString("0.#", inv)).Append(' ');
        }

        h.Append("\"/>");
        if (l.Threshold is ulong threshold && threshold > 0)
        {
            double y = Y(threshold);
            if (y >= 8 && y <= H - Pad)
            {
                h.Append("<line x1=\"").Append(Pad).Append("\" x2=\"").Append(W - 8).Append("\" y1=\"").Append(y.ToString("0.#", inv)).Append("\" y2=\"").Append(y.ToString("0.#", inv))
                 .Append("\" stroke=\"#d8503a\" stroke-dasharray=\"4 3\"/>");
            }

            h.Append("<text x=\"").Append(W - 8).Append("\" y=\"").Append(Math.Clamp(y - 3, 18, H - Pad - 3).ToString("0.#", inv))
             .Append("\" font-size=\"10\" fill=\"#d8503a\" text-anchor=\"end\">t_lang = ").Append(threshold.ToString("N0", inv)).Append("</text>");
        }
        else if (l.Threshold == 0)
        {
            h.Append("<text x=\"").Append(W - 8).Append("\" y=\"30\" font-size=\"10\" fill=\"#d8503a\" text-anchor=\"end\">t_lang = 0: keeps nothing</text>");
        }

        h.Append("</svg></div>");
    }

    private static void Card(StringBuilder h, string label, long value) =>
        h.Append("<div class=\"card\"><b>").Append(value.ToString("N0", CultureInfo.InvariantCulture)).Append("</b>").Append(E(label)).Append("</div>");

    private static void Num(StringBuilder h, long value) =>
        h.Append("<td class=\"n\">").Append(value.ToString("N0", CultureInfo.InvariantCulture)).Append("</td>");

    private static string E(string s) => WebUtility.HtmlEncode(s);
}
