namespace ActorLog.Cli.Chaos;

/// <summary>What `actorlog chaos` prints at the end (as a table, or as this record in JSON). Times in seconds.</summary>
public sealed record ChaosReport(
    ChaosReport.RunSettings Settings,
    IReadOnlyList<ChaosReport.Kill> Kills,
    ChaosReport.FailoverStats Failover,
    CheckResult Check,
    IReadOnlyList<ChaosReport.PartitionState> Partitions,
    IReadOnlyList<ChaosReport.Failures> FailedWrites,
    IReadOnlyList<ChaosReport.Exit> UnexpectedExits,
    bool ControllerKilled,
    IReadOnlyList<string> Problems,
    bool Passed)
{
    public sealed record RunSettings(int Brokers, int Partitions, double DurationSeconds, double KillIntervalSeconds, double DownTimeSeconds,
        int Seed, int InFlight, int Rate, int MinKills, string Topic, string DataDir, double ElapsedSeconds, string Fault);

    public sealed record Kill(int Number, int BrokerId, int Pid, bool Controller, IReadOnlyList<int> LedPartitions, double KilledAtSeconds,
        double? BackUpAfterSeconds, double? InSyncAfterSeconds, double? WritableAfterSeconds, IReadOnlyList<PartitionFailoverSeconds> Failover,
        string? Problem, string? Note, string Fault);

    /// <summary>Null seconds: the partition had no acknowledged write after the kill before the run ended.</summary>
    public sealed record PartitionFailoverSeconds(int Partition, double? Seconds);

    public sealed record FailoverStats(int Measured, double? MedianSeconds, double? MaxSeconds, int NeverRecovered);

    public sealed record PartitionState(int Partition, long HighWatermark, int RecordsRead, string? ReadError);

    /// <summary>Records of one partition that failed with one error, and when the first and last failed.</summary>
    public sealed record Failures(int Partition, string Error, int Count, double FirstAtSeconds, double LastAtSeconds);

    /// <summary>A broker that exited without being killed (and was restarted).</summary>
    public sealed record Exit(int BrokerId, int Pid, int? ExitCode, double AtSeconds, IReadOnlyList<string> LastLogLines);

    public static ChaosReport Build(ChaosSettings settings, TimeSpan elapsed, IReadOnlyList<KillRecord> kills,
        IReadOnlyList<PartitionFailover> failovers, CheckResult check, IReadOnlyList<PartitionState> partitions, int unsettled,
        IReadOnlyList<UnexpectedExit> exits, IReadOnlyList<FailedRecord> failed, IReadOnlyList<string> runProblems, IReadOnlyList<string> runNotes)
    {
        static double S(TimeSpan t) => Math.Round(t.TotalSeconds, 3);
        var summary = FailoverTimes.Summarize(failovers);
        var controllerKilled = kills.Any(k => k.WasController);
        // Problems fail the run: a correctness violation, too few kills, a broker that did not come back, a log not read.
        var problems = new List<string>(runProblems);
        if (!check.Valid) problems.Add("the checker found violations (acked missing, duplicated, out of order, offset gaps or foreign records)");
        if (kills.Count < settings.MinKills) problems.Add($"{kills.Count} kill(s), fewer than the {settings.MinKills} required");
        if (!controllerKilled) problems.Add("no kill hit the broker running the controller");
        problems.AddRange(kills.Where(k => k.Problem is not null).Select(k => $"kill #{k.Number}: {k.Problem}"));
        problems.AddRange(partitions.Where(p => p.ReadError is not null).Select(p => $"partition {p.Partition} could not be read to its end: {p.ReadError}"));
        // Notes do not: availability findings (slow or missing failover, brokers that fell over) and doubts resolved otherwise.
        var notes = new List<string>(runNotes);
        if (check.AckedAtOtherOffset > 0) notes.Add($"{check.AckedAtOtherOffset} record(s) acknowledged at another offset than they were read at");
        if (unsettled > 0) notes.Add($"{unsettled} record(s) still unanswered {S(ChaosSettings.SettleTimeout)} s after the producer stopped");
        notes.AddRange(exits.Select(e => $"broker {e.BrokerId} (pid {e.Pid}) exited by itself at {S(e.At)} s with code {e.ExitCode} and was restarted"));
        notes.AddRange(kills.Where(k => k.Note is not null).Select(k => $"kill #{k.Number}: {k.Note}"));
        notes.AddRange(kills.Where(k => k.Note is null && k.WritableAt - k.KilledAt > ChaosSettings.SlowWritable).Select(k =>
            $"kill #{k.Number}: every partition took a write again only {S(k.WritableAt!.Value - k.KilledAt)} s after the kill " +
            $"(over {S(ChaosSettings.SlowWritable)} s: a partition stalled)"));
        if (check.Unverified > 0) notes.Add($"{check.Unverified} acknowledged record(s) unverified: their partition could not be read to its end");
        if (summary.NeverRecovered > 0) notes.Add($"{summary.NeverRecovered} partition failover(s) never saw an acknowledged write before the run ended");

        return new ChaosReport(
            new RunSettings(settings.Brokers, settings.Partitions, S(settings.Duration), S(settings.KillInterval), S(settings.DownTime), settings.Seed,
                settings.InFlight, settings.Rate, settings.MinKills, ChaosSettings.Topic, settings.DataDir, S(elapsed),
                settings.Fault.ToString().ToLowerInvariant()),
            kills.Select(k => new Kill(k.Number, k.BrokerId, k.Pid, k.WasController, k.LedPartitions, S(k.KilledAt),
                k.UpAt is { } up ? S(up - k.KilledAt) : null, k.InSyncAt is { } sync ? S(sync - k.KilledAt) : null,
                k.WritableAt is { } writable ? S(writable - k.KilledAt) : null,
                failovers.Where(f => f.Kill == k.Number).Select(f => new PartitionFailoverSeconds(f.Partition, f.Unavailable is { } u ? S(u) : null)).ToList(),
                k.Problem, k.Note, k.Paused ? "pause" : "kill")).ToList(),
            new FailoverStats(summary.Measured, summary.Median is { } m ? S(m) : null, summary.Max is { } x ? S(x) : null, summary.NeverRecovered),
            check, partitions,
            failed.GroupBy(f => (f.Partition, f.Error)).OrderBy(g => g.Key.Partition).ThenBy(g => g.Key.Error, StringComparer.Ordinal)
                .Select(g => new Failures(g.Key.Partition, g.Key.Error, g.Count(), S(g.Min(f => f.FailedAt)), S(g.Max(f => f.FailedAt)))).ToList(),
            exits.Select(e => new Exit(e.BrokerId, e.Pid, e.ExitCode, S(e.At), e.LastLogLines)).ToList(),
            controllerKilled,
            problems.Concat(notes.Select(n => "note: " + n)).ToList(),
            problems.Count == 0);
    }
}
