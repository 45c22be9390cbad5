using System.Diagnostics;
using ActorLog.Cli.Processes;
using ActorLog.Client;
using ActorLog.Gateway;

namespace ActorLog.Cli.Chaos;

/// <summary>
/// Kills a partition leader's broker with SIGKILL every kill interval, restarts it (same id, port and data dir)
/// after the down time and waits until it is up, every partition is fully in sync again and has acknowledged a
/// write before the next kill, so each kill hits a healthy cluster (or, after a timeout, reports that it did not).
/// At least one kill hits the broker running the controller.
/// </summary>
internal sealed class Nemesis(LocalCluster cluster, ActorLogClient client, ChaosSettings settings, Stopwatch clock,
    Func<int, TimeSpan?> lastAckAt, BrokerSupervisor supervisor, Action<string> log)
{
    /// <summary>How long a partition may stay unwritable after a restart before a fresh client probes it (and again after as long).</summary>
    private static readonly TimeSpan ProbeAfter = TimeSpan.FromSeconds(15);

    private readonly Random _random = new(settings.Seed);
    private readonly List<KillRecord> _kills = new();

    public IReadOnlyList<KillRecord> Kills
    {
        get { lock (_kills) return _kills.ToList(); }
    }

    /// <summary>Kills until the duration has no room for another kill and the failover after it; returns after the last restart.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var lastKillAt = settings.Duration - settings.DownTime - TimeSpan.FromSeconds(2);
        var nextKill = settings.KillInterval;
        for (var number = 1; ; number++)
        {
            var wait = nextKill - clock.Elapsed;
            if (nextKill > lastKillAt) return;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
            var kill = await KillAndRestart(number, ct);
            lock (_kills) _kills.Add(kill);
            if (kill.Problem is not null && kill.UpAt is null)
            {
                log($"nemesis stops: broker {kill.BrokerId} is not back, so another kill could take the cluster below a majority");
                return;
            }
            nextKill = Max(kill.KilledAt + settings.KillInterval, clock.Elapsed);
        }
    }

    private async Task<KillRecord> KillAndRestart(int number, CancellationToken ct)
    {
        // A broker the supervisor restarted may still be joining: kill only with every broker up.
        await cluster.WaitUntilUpAsync(ChaosSettings.RestartTimeout, ct, client, failOnExit: false);
        var metadata = await MetadataAsync(ct);
        var leaders = LeadersOf(metadata);
        var controller = metadata?.ControllerBrokerId ?? -1;
        var victimId = ChooseVictim(number, leaders, controller);
        var victim = cluster.Broker(victimId);
        var led = leaders.TryGetValue(victimId, out var ps) ? ps : [];
        var pid = victim.Pid;

        var pause = settings.Fault == ChaosFault.Pause || (settings.Fault == ChaosFault.Mixed && _random.Next(2) == 0);
        var what = pause ? "SIGSTOP" : "SIGKILL";
        if (pause)
            victim.Pause(); // downed while stopped, it starts again by itself: any exit of its process is a finding
        else
        {
            supervisor.MeantDown(victimId);
            victim.Kill();
        }
        var killedAt = clock.Elapsed;
        log($"kill #{number}: broker {victimId} (pid {pid}) {what}; it led partitions [{string.Join(",", led)}]" +
            (victimId == controller ? " and ran the controller" : $"; controller on broker {controller}"));

        TimeSpan restartedAt;
        try
        {
            await Task.Delay(settings.DownTime, ct);
        }
        finally
        {
            // Even when the run is cancelled: a stopped broker would not hear the SIGTERM that ends the run.
            if (pause) victim.Resume();
        }
        if (pause)
        {
            restartedAt = clock.Elapsed;
            log($"kill #{number}: broker {victimId} (pid {pid}) resumed (SIGCONT) after {Seconds(restartedAt - killedAt)}");
        }
        else
        {
            victim.Start();
            supervisor.MeantUp(victimId);
            restartedAt = clock.Elapsed;
            log($"kill #{number}: broker {victimId} restarted as pid {victim.Pid} after {Seconds(restartedAt - killedAt)}");
        }
        return await AwaitRecovery(number, victimId, pid, victimId == controller, led, killedAt, restartedAt, pause, ct);
    }

    /// <summary>After a kill or pause: the victim up again, then every partition in sync and writable.</summary>
    private async Task<KillRecord> AwaitRecovery(int number, int victimId, int pid, bool wasController, IReadOnlyList<int> led,
        TimeSpan killedAt, TimeSpan restartedAt, bool paused, CancellationToken ct)
    {
        try
        {
            await cluster.WaitUntilUpAsync(ChaosSettings.RestartTimeout, ct, client, failOnExit: false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            log($"kill #{number}: PROBLEM: broker {victimId} did not come back: {e.Message}");
            return new KillRecord(number, victimId, pid, wasController, led, killedAt, restartedAt, null, null, null,
                $"broker {victimId} did not come back: {e.Message}", null, paused);
        }
        var upAt = clock.Elapsed;
        log($"kill #{number}: all brokers up again, {Seconds(upAt - killedAt)} after the kill");

        var (inSyncAt, writableAt, state) = await WaitHealthy(upAt, ct);
        string? note = null;
        if (inSyncAt is null || writableAt is null)
        {
            note = $"not healthy within {Seconds(ChaosSettings.HealthyTimeout)} of the restart: " +
                   (inSyncAt is null ? "replicas not all in sync; " : "") +
                   (writableAt is null ? $"partitions [{string.Join(",", Unwritable(upAt))}] acknowledged no write; " : "") + state;
            log($"kill #{number}: PROBLEM: {note}");
        }
        else
            log($"kill #{number}: healthy again: replicas in sync {Seconds(inSyncAt.Value - killedAt)} and every partition written " +
                $"{Seconds(writableAt.Value - killedAt)} after the kill; {state}");
        return new KillRecord(number, victimId, pid, wasController, led, killedAt, restartedAt, upAt, inSyncAt, writableAt, null, note, paused);
    }

    /// <summary>
    /// A broker leading some partition. Kill #1 spares the controller's broker (a plain leader failover first) unless
    /// only one kill fits; until the controller's broker has been hit, kill #2 takes it if it leads a partition, and
    /// kill #3 (or the last that fits) takes it regardless.
    /// </summary>
    private int ChooseVictim(int number, IReadOnlyDictionary<int, IReadOnlyList<int>> leaders, int controller)
    {
        var controllerHit = Kills.Any(k => k.WasController);
        var candidates = leaders.Keys.Order().ToList();
        if (candidates.Count == 0) candidates = cluster.Brokers.Select(b => b.BrokerId).ToList(); // no leader known: any broker
        var planned = Math.Max(1, settings.PlannedKills);
        if (controller > 0 && !controllerHit)
        {
            if (number >= Math.Min(3, planned) || (number == 2 && leaders.ContainsKey(controller))) return controller;
            if (number == 1 && candidates.Count > 1) candidates.Remove(controller);
        }
        return candidates[_random.Next(candidates.Count)];
    }

    private static Dictionary<int, IReadOnlyList<int>> LeadersOf(GatewayProtocol.MetadataResult? metadata) =>
        metadata?.Topics.FirstOrDefault(t => t.Name == ChaosSettings.Topic)?.Partitions
            .Where(p => p.Leader > 0).GroupBy(p => p.Leader)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<int>)g.Select(p => p.Partition).Order().ToList()) ?? new();

    /// <summary>Fresh metadata, retried for a few seconds; null if the cluster does not answer (the victim is then chosen blind).</summary>
    private async Task<GatewayProtocol.MetadataResult?> MetadataAsync(CancellationToken ct)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            try
            {
                return await client.RefreshMetadataAsync(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await Task.Delay(500, ct);
            }
        }
        log("nemesis: no metadata from the cluster; choosing a victim without it");
        return null;
    }

    /// <summary>
    /// Until every partition has a leader and all its replicas in the ISR (by the metadata) and has acknowledged a
    /// write since <paramref name="since"/> (the metadata can look healthy while a partition serves nothing).
    /// Returns when each first held (null: not within the timeout) and the last metadata seen.
    /// </summary>
    private async Task<(TimeSpan? InSyncAt, TimeSpan? WritableAt, string State)> WaitHealthy(TimeSpan since, CancellationToken ct)
    {
        var deadline = clock.Elapsed + ChaosSettings.HealthyTimeout;
        var probeAt = clock.Elapsed + ProbeAfter;
        TimeSpan? inSyncAt = null, writableAt = null;
        var state = "no metadata";
        while (clock.Elapsed < deadline)
        {
            if (clock.Elapsed >= probeAt && Unwritable(since) is { Count: > 0 } stuck)
            {
                probeAt = clock.Elapsed + ProbeAfter;
                log($"partitions [{string.Join(",", stuck)}] acknowledged no write for {Seconds(clock.Elapsed - since)} since the restart; " +
                    await ClusterProbe.DescribeAsync(cluster.Bootstrap, stuck, ct));
            }
            try
            {
                var m = await client.RefreshMetadataAsync(ct);
                if (m.Topics.FirstOrDefault(t => t.Name == ChaosSettings.Topic) is { } topic)
                {
                    state = $"brokers up [{string.Join(",", m.Brokers.Where(b => b.Status == "up").Select(b => b.Id).Order())}], " +
                            $"controller {m.ControllerBrokerId}, leaders " +
                            string.Join(" ", topic.Partitions.Select(p => $"p{p.Partition}->{p.Leader} (epoch {p.LeaderEpoch}, isr [{string.Join(",", p.Isr)}])"));
                    if (inSyncAt is null && topic.Partitions.All(p => p.Leader > 0 && p.Isr.Count == p.Replicas.Count)) inSyncAt = clock.Elapsed;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                state = e.Message;
            }
            if (writableAt is null && Unwritable(since).Count == 0) writableAt = clock.Elapsed;
            if (inSyncAt is not null && writableAt is not null) break;
            await Task.Delay(250, ct);
        }
        if (writableAt is null) log($"the run's client: {await DescribeClient()}");
        return (inSyncAt, writableAt, state);
    }

    private async Task<string> DescribeClient()
    {
        try
        {
            return await client.DescribeStateAsync();
        }
        catch (Exception e)
        {
            return $"no state: {e.Message}";
        }
    }

    private List<int> Unwritable(TimeSpan since) =>
        Enumerable.Range(0, settings.Partitions).Where(p => !(lastAckAt(p) > since)).ToList();

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds:0.000} s";
}
