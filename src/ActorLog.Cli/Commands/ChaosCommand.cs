using System.CommandLine;
using ActorLog.Cli.Chaos;

namespace ActorLog.Cli.Commands;

/// <summary>
/// actorlog chaos: a Jepsen-style failover check against real broker processes. Writes numbered records with
/// acks=all while SIGKILLing (or SIGSTOPping, --fault) partition leaders and the controller's broker, then reads every
/// partition back and checks that no acknowledged record was lost, duplicated or reordered; reports failover times.
/// Exit code 0 when the history is correct and the kills happened, 1 otherwise, 2 for invalid settings, 130 on Ctrl-C.
/// </summary>
internal static class ChaosCommand
{
    public static Command Create()
    {
        var brokers = new Option<int>("--brokers") { Description = "Broker processes to start (at least 3)", DefaultValueFactory = _ => 3 };
        var partitions = new Option<int>("--partitions") { Description = "Partitions of the test topic", DefaultValueFactory = _ => 3 };
        var duration = DurationOption("--duration", "How long to produce and kill (60, 60s, 10m)", "60s");
        var killInterval = DurationOption("--kill-interval", "Time between kills (the next kill also waits until the cluster is healthy again)", "8s");
        var downTime = DurationOption("--down-time", "How long a killed broker stays down before it is restarted (a paused one, stopped)", "3s");
        var fault = new Option<string>("--fault")
        {
            Description = "What happens to the victim: kill (SIGKILL, then a restart), pause (SIGSTOP for the down time, then SIGCONT), " +
                          "or mixed (either at random)",
            DefaultValueFactory = _ => "kill",
        };
        fault.AcceptOnlyFromAmong("kill", "pause", "mixed");
        var dataDir = new Option<string?>("--data-dir") { Description = "Parent of the brokers' data dirs, new or empty (default: a new temp dir)" };
        var seed = new Option<int?>("--seed") { Description = "Seed for choosing victims (default: random, printed)" };
        var inFlight = new Option<int>("--in-flight") { Description = "Records outstanding at once, shared by the partitions", DefaultValueFactory = _ => 100 };
        var rate = new Option<int>("--rate") { Description = "Records per second in all (0 = as fast as acknowledged)", DefaultValueFactory = _ => 1000 };
        var minKills = new Option<int>("--min-kills") { Description = "Kills a passing run needs", DefaultValueFactory = _ => 1 };
        var cmd = new Command("chaos", "Kill and restart brokers under acks=all load, then check the log for lost, duplicated or reordered records")
            { brokers, partitions, duration, killInterval, downTime, fault, dataDir, seed, inFlight, rate, minKills };
        cmd.SetAction(async (r, ct) =>
        {
            var times = new Dictionary<Option<string>, TimeSpan>();
            foreach (var option in new[] { duration, killInterval, downTime })
            {
                if (Durations.TryParse(r.GetValue(option)!, out var d)) { times[option] = d; continue; }
                await Console.Error.WriteLineAsync($"error: {option.Name}: '{r.GetValue(option)}' is not a duration (seconds, or with a unit: 500ms, 8s, 10m, 1h)");
                return 2;
            }
            var settings = new ChaosSettings(r.GetValue(brokers), r.GetValue(partitions), times[duration], times[killInterval], times[downTime],
                Path.GetFullPath(r.GetValue(dataDir) ?? DefaultDataDir()), r.GetValue(seed) ?? Random.Shared.Next(), r.GetValue(inFlight), r.GetValue(rate),
                r.GetValue(minKills), Enum.Parse<ChaosFault>(r.GetValue(fault)!, ignoreCase: true));
            var invalid = settings.Validate()
                ?? (Directory.Exists(settings.DataDir) && Directory.EnumerateFileSystemEntries(settings.DataDir).Any()
                    ? $"--data-dir {settings.DataDir} is not empty (a chaos run needs fresh brokers)" : null);
            if (invalid is not null) { await Console.Error.WriteLineAsync($"error: {invalid}"); return 2; }

            var json = CommonOptions.Json(r);
            // In JSON mode stdout carries the report alone; progress goes to stderr.
            ChaosReport? report;
            try
            {
                report = await new ChaosRun(settings, json ? Console.Error : Console.Out).RunAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return 130;
            }
            if (report is null) return 1;
            if (json) Output.Json(report);
            else ChaosReportTable.Print(report);
            return report.Passed ? 0 : 1;
        });
        return cmd;
    }

    private static string DefaultDataDir() =>
        Path.Combine(Path.GetTempPath(), "actorlog-chaos", $"{DateTime.Now:yyyyMMdd-HHmmss}-{Environment.ProcessId}");

    /// <summary>A duration as text, so help shows "60s"; parsed (and refused with exit code 2) in the action.</summary>
    private static Option<string> DurationOption(string name, string description, string defaultValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };
}
