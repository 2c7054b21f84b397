using MetaClip.Engine;
using MetaClip.GrainInterfaces;

namespace MetaClip.Grains.Tests.GrainInterfaces;

public class JobIdsTests
{
    [Theory]
    [InlineData("CON")]
    [InlineData("nul")]
    [InlineData("Com1")]
    [InlineData("LPT9")]
    public void Regression_a_name_windows_keeps_for_a_device_was_a_valid_job_id(string id)
    {
        // The id names the job's work folder, OUT/.work/ID, which the job writes and deletes: on Windows OUT/.work/CON
        // is the console.
        AssertRefused(id, $"\"{id}\" is not a job id: Windows keeps that name for a device");
    }

    [Theory]
    [InlineData("a")]
    [InlineData("curate-20261207-224300")]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("console")]
    [InlineData("com10")]
    public void Letters_digits_dashes_and_underscores_are_a_job_id(string id)
    {
        Assert.True(JobIds.IsValid(id));
        Assert.Equal(id, JobIds.Check(id));
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("-x")]
    [InlineData("a.b")]
    [InlineData("")]
    public void Anything_else_is_refused_saying_what_a_job_id_is(string id) =>
        AssertRefused(id, "is not a job id (1–128 ASCII letters, digits, '-' and '_', starting with a letter or digit)");

    private static void AssertRefused(string id, string message)
    {
        Assert.False(JobIds.IsValid(id));
        var e = Assert.Throws<CurationException>(() => JobIds.Check(id));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
