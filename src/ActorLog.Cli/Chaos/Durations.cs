using System.Globalization;

namespace ActorLog.Cli.Chaos;

/// <summary>Durations on the command line: plain seconds ("60", "2.5") or with a unit ("500ms", "60s", "10m", "1h").</summary>
public static class Durations
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        var t = text.Trim().ToLowerInvariant();
        var (number, unit) = t.EndsWith("ms") ? (t[..^2], 0.001)
            : t.EndsWith('s') ? (t[..^1], 1.0)
            : t.EndsWith('m') ? (t[..^1], 60.0)
            : t.EndsWith('h') ? (t[..^1], 3600.0)
            : (t, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || double.IsInfinity(value))
            return false;
        duration = TimeSpan.FromSeconds(value * unit);
        return true;
    }

    public static string Format(TimeSpan duration) => duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
}
