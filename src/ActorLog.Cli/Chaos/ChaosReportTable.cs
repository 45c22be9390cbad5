using ActorLog.Cli.Commands;

namespace ActorLog.Cli.Chaos;

/// <summary>The chaos report for people: kills with their failover times, the checker's counts, the verdict.</summary>
internal static class ChaosReportTable
{
    public static void Print(ChaosReport report)
    {
        var s = report.Settings;
        var w = Console.Out;
        w.WriteLine();
        w.WriteLine($"Chaos run: {s.Brokers} brokers, topic '{s.Topic}' with {s.Partitions} partition(s) (RF {ChaosSettings.ReplicationFactor}, " +
                    $"min.insync.replicas {ChaosSettings.MinInsyncReplicas}), acks=all, {s.DurationSeconds} s, " +
                    $"{(s.Fault == "kill" ? "kill" : $"fault ({s.Fault})")} every {s.KillIntervalSeconds} s, " +
                    $"down {s.DownTimeSeconds} s, seed {s.Seed}; {s.ElapsedSeconds} s in all. Broker logs: {s.DataDir}/broker-N/broker.log");
        w.WriteLine();
        Output.Table(["KILL", "AT", "BROKER", "CONTROLLER", "LED", "FAILOVER (partition: s)", "UP AFTER", "IN SYNC AFTER", "WRITABLE AFTER", "PROBLEM"],
            report.Kills.Select(k => (IReadOnlyList<string>)
            [
                $"#{k.Number}{(k.Fault == "kill" ? "" : $" {k.Fault}")}", $"{k.KilledAtSeconds:0.0}s", k.BrokerId.ToString(), k.Controller ? "yes" : "",
                Output.Ids(k.LedPartitions),
                k.Failover.Count == 0 ? "-" : string.Join(" ", k.Failover.Select(f => $"p{f.Partition}: {(f.Seconds is { } x ? $"{x:0.000}" : "never")}")),
                k.BackUpAfterSeconds is { } up ? $"{up:0.0}s" : "-", k.InSyncAfterSeconds is { } sync ? $"{sync:0.0}s" : "-",
                k.WritableAfterSeconds is { } writable ? $"{writable:0.0}s" : "-", k.Problem ?? (k.Note is null ? "" : "see note"),
            ]));
        foreach (var e in report.UnexpectedExits)
            w.WriteLine($"Broker {e.BrokerId} (pid {e.Pid}) exited by itself at {e.AtSeconds:0.0}s with code {e.ExitCode}; its log ended:\n    " +
                        string.Join("\n    ", e.LastLogLines));
        var f = report.Failover;
        w.WriteLine($"Failover (kill → first acknowledged write on each partition the victim led): {f.Measured} measured, " +
                    $"median {Sec(f.MedianSeconds)}, max {Sec(f.MaxSeconds)}, never recovered {f.NeverRecovered}");
        w.WriteLine();

        var c = report.Check;
        Output.Table(["CHECK", "COUNT", "EXPECTED", "RESULT"],
        [
            Row("acknowledged but missing", c.AckedMissing, must: true),
            Row("duplicated", c.Duplicated, must: true),
            Row("out of order in a partition", c.OutOfOrder, must: true),
            Row("offset gaps", c.OffsetGaps, must: true),
            Row("foreign (never sent / other partition / not a number)", c.Foreign, must: true),
            Row("acknowledged at another offset than read", c.AckedAtOtherOffset, must: false),
        ]);
        w.WriteLine();
        w.WriteLine($"Sent {c.Sent}, acknowledged {c.Acked}, failed {c.Failed}" +
                    (c.FailedByError.Count == 0 ? "" : $" ({string.Join(", ", c.FailedByError.Select(e => $"{e.Key} {e.Value}"))})") +
                    $", indeterminate {c.Indeterminate}; read {c.RecordsRead} (unacknowledged but present {c.UnackedPresent}, " +
                    $"acknowledged but unverified {c.Unverified}); " +
                    $"high watermarks {string.Join(" ", report.Partitions.Select(p => $"p{p.Partition}={p.HighWatermark}"))}");
        foreach (var fw in report.FailedWrites)
            w.WriteLine($"  failed: partition {fw.Partition}, {fw.Count} record(s) with {fw.Error}, from {fw.FirstAtSeconds:0.0}s to {fw.LastAtSeconds:0.0}s");
        foreach (var e in c.Examples) w.WriteLine($"  {e}");
        foreach (var p in report.Problems) w.WriteLine(p.StartsWith("note: ", StringComparison.Ordinal) ? p : $"PROBLEM: {p}");
        w.WriteLine(report.Passed
            ? $"PASSED: {report.Kills.Count} kill(s), {report.Kills.Count(k => k.Controller)} of the controller's broker; no acknowledged write lost, duplicated or reordered."
            : "FAILED");
    }

    private static IReadOnlyList<string> Row(string name, long count, bool must) =>
        [name, count.ToString(), must ? "must be 0" : "should be 0", count == 0 ? "ok" : must ? "VIOLATION" : "WARNING"];

    private static string Sec(double? seconds) => seconds is { } s ? $"{s:0.000} s" : "-";
}
