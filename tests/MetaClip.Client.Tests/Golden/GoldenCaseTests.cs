using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MetaClip.Client.Tests.Golden;

/// <summary>
/// Every case under <c>shared/golden/</c>, run through the <c>metaclip curate</c> command line and compared
/// as docs/formats.md says: counts, ids, thresholds, figures and <c>kept</c> exactly; <c>p</c> to 1e-12 relative;
/// entry probabilities as float32 exactly; decision probabilities to 1e-9. A case whose <c>expected/</c> holds
/// only <c>error.json</c> must fail with a message naming what it names, and leave no results behind.
/// </summary>
public class GoldenCaseTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        if (SharedFolder.Path is null)
        {
            data.Add("(shared folder absent)");
            return data;
        }

        foreach (string dir in Directory.GetDirectories(Path.Combine(SharedFolder.Path, "golden")).Order(StringComparer.Ordinal))
        {
            if (File.Exists(Path.Combine(dir, "args.json")))
            {
                data.Add(Path.GetFileName(dir));
            }
        }

        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public async Task Golden_case(string name)
    {
        string shared = SharedFolder.Require();
        string caseDir = Path.Combine(shared, "golden", name);
        using var work = new TempFolder();
        string output = work.Combine("out");
        var run = await CliRun.RunAsync(Arguments(caseDir, output));
        string expected = Path.Combine(caseDir, "expected");

        if (File.Exists(Path.Combine(expected, "error.json")))
        {
            Assert.NotEqual(0, run.ExitCode);
            foreach (string fragment in ErrorFragments(JsonNode.Parse(File.ReadAllText(Path.Combine(expected, "error.json")))))
            {
                Assert.Contains(fragment, run.Error, StringComparison.OrdinalIgnoreCase);
            }

            Assert.False(File.Exists(Path.Combine(output, "thresholds.json")), "a failed job must not leave a thresholds.json");
            Assert.False(File.Exists(Path.Combine(output, "decisions.jsonl")), "a failed job must not leave a decisions.jsonl");
            return;
        }

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");
        CompareThresholds(Path.Combine(expected, "thresholds.json"), Path.Combine(output, "thresholds.json"));
        CompareEntryCounts(Path.Combine(expected, "entry_counts"), Path.Combine(output, "entry_counts"));
        CompareDecisions(Path.Combine(expected, "decisions.jsonl"), Path.Combine(output, "decisions.jsonl"));
    }

    internal static string[] Arguments(string caseDir, string output)
    {
        var args = JsonNode.Parse(File.ReadAllText(Path.Combine(caseDir, "args.json")))!.AsObject();
        string metadata = Path.Combine(caseDir, "metadata");
        string reference = Path.Combine(caseDir, "metadata.ref");
        if (File.Exists(reference))
        {
            metadata = Path.GetFullPath(Path.Combine(caseDir, File.ReadAllText(reference).Trim()));
        }

        var list = new List<string> { "curate", "--snapshot", Path.Combine(caseDir, "input.jsonl"), "--metadata", metadata, "--out", output, "--lang-column", "lang" };
        if (args["p"] is JsonValue p)
        {
            list.AddRange(["--p", p.GetValue<double>().ToString("R", CultureInfo.InvariantCulture)]);
        }
        else if (args["t_en"] is JsonValue tEn)
        {
            list.AddRange(["--t-en", tEn.GetValue<ulong>().ToString(CultureInfo.InvariantCulture)]);
        }

        if (args["seed"] is JsonValue seed)
        {
            list.AddRange(["--seed", seed.GetValue<ulong>().ToString(CultureInfo.InvariantCulture)]);
        }

        if (args["mode"] is JsonValue mode)
        {
            list.AddRange(["--mode", mode.GetValue<string>()]);
        }

        return [.. list];
    }

    /// <summary>The short scalar values of error.json (entry, file, field, …): each must appear in the message.</summary>
    private static IEnumerable<string> ErrorFragments(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, value) in o)
                {
                    foreach (string f in ErrorFragments(value))
                    {
                        yield return f;
                    }
                }

                break;
            case JsonArray a:
                foreach (var value in a)
                {
                    foreach (string f in ErrorFragments(value))
                    {
                        yield return f;
                    }
                }

                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                string s = v.GetValue<string>();
                if (s.Length is > 0 and <= 40)
                {
                    yield return s;
                }

                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                yield return v.ToJsonString();
                break;
        }
    }

    private static void CompareThresholds(string expectedPath, string actualPath)
    {
        var e = JsonNode.Parse(File.ReadAllText(expectedPath))!.AsObject();
        var a = JsonNode.Parse(File.ReadAllText(actualPath))!.AsObject();
        Assert.Equal(e["t_en"]?.ToJsonString() ?? "null", a["t_en"]?.ToJsonString() ?? "null");
        double ep = e["p"]!.GetValue<double>(), ap = a["p"]!.GetValue<double>();
        Assert.True(Math.Abs(ep - ap) <= 1e-12 * Math.Max(1e-300, Math.Abs(ep)) || ep == ap, $"p: expected {ep:R}, got {ap:R}");
        Assert.Equal(e["seed"]!.ToJsonString(), a["seed"]!.ToJsonString());
        Assert.Equal(Canonical(e["t_lang"]), Canonical(a["t_lang"]));
        Assert.Equal(Canonical(e["zero_threshold_languages"]), Canonical(a["zero_threshold_languages"]));

        // The output may list languages without texts (all zeros); every expected block must be equal.
        var el = e["languages"]!.AsObject();
        var al = a["languages"]!.AsObject();
        foreach (var (language, figures) in el)
        {
            Assert.True(al.ContainsKey(language), $"languages.{language} missing");
            Assert.Equal(Canonical(figures), Canonical(al[language]));
        }

        foreach (var (language, figures) in al.Where(l => !el.ContainsKey(l.Key)))
        {
            Assert.All(figures!.AsObject(), f => Assert.Equal(0, f.Value!.GetValue<long>()));
        }
    }

    private static void CompareEntryCounts(string expectedDir, string actualDir)
    {
        foreach (string file in Directory.GetFiles(expectedDir, "*.jsonl"))
        {
            string actual = Path.Combine(actualDir, Path.GetFileName(file));
            Assert.True(File.Exists(actual), $"entry_counts/{Path.GetFileName(file)} missing");
            var e = ReadLines(file).Select(CountLine).ToList();
            var a = ReadLines(actual).Select(CountLine).ToList();
            Assert.Equal(e.Count, a.Count);
            for (int i = 0; i < e.Count; i++)
            {
                Assert.True(e[i] == a[i], $"entry_counts/{Path.GetFileName(file)} line {i + 1}: expected {e[i]}, got {a[i]}");
            }
        }

        foreach (string file in Directory.GetFiles(actualDir, "*.jsonl").Where(f => !File.Exists(Path.Combine(expectedDir, Path.GetFileName(f)))))
        {
            Assert.Empty(ReadLines(file));
        }
    }

    private static (long Id, string Entry, ulong Count, float Prob) CountLine(JsonObject o) =>
        (o["id"]!.GetValue<long>(), o["entry"]!.GetValue<string>(), o["count"]!.GetValue<ulong>(),
         float.Parse(o["prob"]!.ToJsonString(), CultureInfo.InvariantCulture));

    private static void CompareDecisions(string expectedPath, string actualPath)
    {
        var expected = ReadLines(expectedPath).ToDictionary(d => d["uuid"]!.GetValue<string>());
        var actual = ReadLines(actualPath).ToDictionary(d => d["uuid"]!.GetValue<string>());
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (uuid, e) in expected)
        {
            var a = actual[uuid];
            Assert.True(e["text_index"]!.GetValue<int>() == a["text_index"]!.GetValue<int>(), $"{uuid}: text_index");
            Assert.True(e["lang"]!.GetValue<string>() == a["lang"]!.GetValue<string>(), $"{uuid}: lang");
            Assert.True(e["kept"]!.GetValue<bool>() == a["kept"]!.GetValue<bool>(), $"{uuid}: kept");
            Assert.True(Math.Abs(e["prob"]!.GetValue<double>() - a["prob"]!.GetValue<double>()) <= 1e-9, $"{uuid}: prob");
        }
    }

    private static IEnumerable<JsonObject> ReadLines(string path) =>
        File.ReadLines(path).Where(l => l.Trim().Length > 0).Select(l => JsonNode.Parse(l)!.AsObject());

    private static string Canonical(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => JsonSerializer.Serialize(p.Key) + ":" + Canonical(p.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        null => "null",
        _ => node.ToJsonString(),
    };
}
