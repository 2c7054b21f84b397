using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace MetaClip.Client.Commands;

/// <summary>
/// Makes every mistake on the command line a parse error with a plain message: numbers are read by parsers that
/// name the option and what it takes (never a .NET type name, never an exception), and a validator that reads a
/// value which did not parse stays quiet (the parse error says what is wrong) instead of throwing.
/// </summary>
internal static partial class UsageErrors
{
    /// <summary>Applies the rules to every option and validator of <paramref name="command"/> and its subcommands.</summary>
    public static void Harden(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        for (int i = 0; i < command.Validators.Count; i++)
        {
            command.Validators[i] = Quiet(command.Validators[i]);
        }

        foreach (var option in command.Options)
        {
            for (int i = 0; i < option.Validators.Count; i++)
            {
                option.Validators[i] = Quiet(option.Validators[i]);
            }

            switch (option)
            {
                case Option<int> o: o.CustomParser = Whole(o, o.DefaultValueFactory); break;
                case Option<int?> o: o.CustomParser = Whole(o, o.DefaultValueFactory); break;
                case Option<long> o: o.CustomParser = Whole(o, o.DefaultValueFactory); break;
                case Option<long?> o: o.CustomParser = Whole(o, o.DefaultValueFactory); break;
                case Option<ulong> o: o.CustomParser = Whole(o, o.DefaultValueFactory); break;
                case Option<ulong?> o: o.CustomParser = Whole(o, o.DefaultValueFactory); break;
                case Option<double> o: o.CustomParser = Real(o, o.DefaultValueFactory, v => v); break;
                case Option<double?> o: o.CustomParser = Real(o, o.DefaultValueFactory, v => (double?)v); break;
                case Option<float> o: o.CustomParser = Real(o, o.DefaultValueFactory, v => (float)v); break;
                case Option<string> or Option<string?>: option.Validators.Add(NotEmpty); break;
                default: break;
            }
        }

        foreach (var subcommand in command.Subcommands)
        {
            Harden(subcommand);
        }
    }

    /// <summary>A parse error as one plain line.</summary>
    public static string Describe(ParseError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        string message = Spaces().Replace(error.Message, " ").Trim();
        var notAmong = NotAmong().Match(message);
        if (notAmong.Success)
        {
            string option = error.SymbolResult is OptionResult o ? o.Option.Name + ": " : string.Empty;
            return $"{option}'{notAmong.Groups[1].Value}' is not one of {string.Join(", ", Quoted().Matches(notAmong.Groups[2].Value).Select(m => m.Groups[1].Value))}";
        }

        var missing = MissingValue().Match(message);
        return missing.Success ? $"{missing.Groups[1].Value} needs a value" : message;
    }

    /// <summary>An empty or blank value given on the command line (<c>--out ""</c>) names nothing.</summary>
    private static void NotEmpty(OptionResult result)
    {
        if (result.Tokens.Any(t => string.IsNullOrWhiteSpace(t.Value)))
        {
            result.AddError($"{result.Option.Name}: the value is empty");
        }
    }

    private static Action<T> Quiet<T>(Action<T> validator) where T : SymbolResult => result =>
    {
        try
        {
            validator(result);
        }
        catch (InvalidOperationException)
        {
            // A value it reads did not parse: that parse error is reported already.
        }
    };

    private static Func<ArgumentResult, T?> Whole<T>(Option option, Func<ArgumentResult, T>? fallback) => result =>
    {
        if (!TryToken(option, result, fallback, out string? token, out T? value))
        {
            return value;
        }

        var type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        if (BigInteger.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            var (min, max) = type == typeof(int) ? (new BigInteger(int.MinValue), new BigInteger(int.MaxValue))
                : type == typeof(long) ? (new BigInteger(long.MinValue), new BigInteger(long.MaxValue))
                : (BigInteger.Zero, new BigInteger(ulong.MaxValue));
            if (number >= min && number <= max)
            {
                return (T)Convert.ChangeType((object)number.ToString(CultureInfo.InvariantCulture), type, CultureInfo.InvariantCulture);
            }

            result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name}: {token} is out of range ({min} to {max})"));
            return default;
        }

        result.AddError(type == typeof(ulong) ? $"{option.Name}: '{token}' is not a whole number of 0 or more" : $"{option.Name}: '{token}' is not a whole number");
        return default;
    };

    private static Func<ArgumentResult, T?> Real<T>(Option option, Func<ArgumentResult, T>? fallback, Func<double, T> convert) => result =>
    {
        if (!TryToken(option, result, fallback, out string? token, out T? value))
        {
            return value;
        }

        if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && double.IsFinite(number))
        {
            return convert(number);
        }

        result.AddError($"{option.Name}: '{token}' is not a number");
        return default;
    };

    /// <summary>The option's one token; false with the default (or an error) when it has none.</summary>
    private static bool TryToken<T>(Option option, ArgumentResult result, Func<ArgumentResult, T>? fallback, out string? token, out T? value)
    {
        value = default;
        token = null;
        if (result.Tokens.Count == 0)
        {
            if (fallback is not null)
            {
                value = fallback(result);
            }
            else
            {
                result.AddError($"{option.Name} needs a value");
            }

            return false;
        }

        token = result.Tokens[^1].Value;
        return true;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"^Argument '(.*)' not recognized\. Must be one of: (.*)$")]
    private static partial Regex NotAmong();

    [GeneratedRegex(@"'([^']*)'")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"^Required argument missing for option: '(.*)'\.$")]
    private static partial Regex MissingValue();
}
