namespace MetaClip.Bench.Training;

/// <summary>The experiment's plots (PNG, ScottPlot): accuracy per arm, and per language per arm.</summary>
internal static class Plots
{
    private static readonly ScottPlot.Palettes.Category10 Palette = new();

    public static void Write(string folder, IReadOnlyList<ArmResult> results, string[] arms, string[] languages)
    {
        string[] measures = ["overall", "tail classes", "head classes"];
        Func<ArmResult, double>[] measure = [r => r.Overall, r => r.Tail, r => r.Head];
        Grouped(Path.Combine(folder, "accuracy.png"), 900, "Fashion-MNIST, 12 languages: raw pool vs balanced curation vs English only",
            "zero-shot top-1 accuracy (%), mean ± sd over seeds", measures, arms, (m, a) => [.. results.Where(r => r.Arm == arms[a]).Select(measure[m])], withError: true);
        Grouped(Path.Combine(folder, "accuracy-per-language.png"), 1200, "Per language (class names in that language)",
            "zero-shot top-1 accuracy (%), mean over seeds", languages, arms, (l, a) => [.. results.Where(r => r.Arm == arms[a]).Select(r => r.PerLanguage[languages[l]])], withError: false);
    }

    /// <summary>A bar per (group, arm), arms side by side within each group, the groups' names under them.</summary>
    private static void Grouped(string file, int width, string title, string axis, string[] groups, string[] arms, Func<int, int, double[]> values, bool withError)
    {
        var plot = new ScottPlot.Plot();
        var bars = new List<ScottPlot.Bar>();
        for (int g = 0; g < groups.Length; g++)
        {
            for (int a = 0; a < arms.Length; a++)
            {
                double[] v = values(g, a);
                double mean = v.Average();
                double sd = v.Length < 2 ? 0 : Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
                bars.Add(new ScottPlot.Bar { Position = (g * (arms.Length + 1)) + a, Value = 100 * mean, Error = withError ? 100 * sd : 0, FillColor = Palette.GetColor(a) });
            }
        }

        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks([.. groups.Select((_, g) => (g * (arms.Length + 1)) + ((arms.Length - 1) / 2.0))], groups);
        plot.Axes.Left.Label.Text = axis;
        plot.Axes.Left.Label.FontSize = 13;
        plot.Title(title);
        for (int a = 0; a < arms.Length; a++)
        {
            plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = arms[a], FillColor = Palette.GetColor(a) });
        }

        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(ScottPlot.Edge.Right);
        plot.SavePng(file, width, 500);
    }
}
