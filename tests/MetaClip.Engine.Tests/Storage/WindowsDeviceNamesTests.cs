using MetaClip.Engine.Storage;

namespace MetaClip.Engine.Tests.Storage;

public class WindowsDeviceNamesTests
{
    [Theory]
    [InlineData("CON")]
    [InlineData("con")]
    [InlineData("Nul")]
    [InlineData("nul.txt")]
    [InlineData("AUX.tar.gz")]
    [InlineData("PRN ")]
    [InlineData("COM0")]
    [InlineData("com9")]
    [InlineData("LPT1")]
    public void A_device_name_in_any_case_and_with_anything_after_its_first_dot_is_one(string part) =>
        Assert.True(WindowsDeviceNames.Names(part));

    [Theory]
    [InlineData("CONSOLE")]
    [InlineData("COM10")]
    [InlineData("LPT")]
    [InlineData("NULL")]
    [InlineData("acon")]
    [InlineData("a.con")]
    [InlineData("")]
    [InlineData("curate-20261207-224300")]
    public void Other_names_are_not(string part) => Assert.False(WindowsDeviceNames.Names(part));
}
