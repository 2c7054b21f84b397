using MetaClip.Engine.Outputs;
using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Pipeline;

/// <summary>The outcome of a job: where its outputs are (a folder or blob prefix) and what its report says.</summary>
public sealed record CurationResult(string OutputFolder, CurationReport Report)
{
    public string ReportHtml => DataStore.Combine(OutputFolder, ReportWriter.HtmlFile);

    public string ReportJson => DataStore.Combine(OutputFolder, ReportWriter.JsonFile);
}
