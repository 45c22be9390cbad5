using System.Diagnostics;
using ActorLog.Cli.Commands;
using ActorLog.Cli.Processes;
using ActorLog.Client;
using ActorLog.Common;
using ActorLog.Hosting;

namespace ActorLog.Cli.Chaos;

/// <summary>
/// One `actorlog chaos` run: start the brokers, create the topic, produce while the nemesis kills and restarts
/// leaders, stop, read everything back, check the history and report. The brokers are stopped whatever happens.
/// </summary>
internal sealed class ChaosRun(ChaosSettings settings, TextWriter progress)
{
    /// <summary>How long reading one partition back may take (the client retries while a leader moves).</summary>
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>Progress lines: wall clock, then seconds since production started (the time base of the report).</summary>
    private void Log(string message)
    {
        lock (progress) progress.WriteLine($"{DateTime.Now:HH:mm:ss.fff} [{_clock.Elapsed.TotalSeconds,8:0.000}s] {message}");
    }

    /// <returns>The report, or null when the run could not be carried out (the reason is logged).</returns>
    public async Task<ChaosReport?> RunAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(settings.DataDir);
        await using var cluster = LocalCluster.Create(settings.DataDir, LoopbackPorts.Free(settings.Brokers));
        ActorLogClient? client = null;
        using var stopProducing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            foreach (var b in cluster.Brokers)
            {
                b.Start();
                Log($"broker {b.BrokerId}: pid {b.Pid}, 127.0.0.1:{b.Port}, log {b.LogPath}");
            }
            await cluster.WaitUntilUpAsync(TimeSpan.FromSeconds(120), ct);
            client = await ActorLogClient.ConnectAsync(cluster.Bootstrap, ct: ct);
            await CreateTopic(client, ct);
            await WaitTopicInSync(client, ct);
            return await ProduceKillAndCheck(cluster, client, stopProducing, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            Log($"error: {e.GetBaseException().Message}");
            return null;
        }
        finally
        {
            stopProducing.Cancel();
            if (client is not null) await client.DisposeAsync();
            Log("stopping the brokers");
            await cluster.StopAllAsync(TimeSpan.FromSeconds(20), b => Log($"broker {b.BrokerId} (pid {b.Pid}) stopped"));
        }
    }

    private async Task<ChaosReport> ProduceKillAndCheck(LocalCluster cluster, ActorLogClient client, CancellationTokenSource stopProducing,
        CancellationToken ct)
    {
        _clock.Restart();
        Log($"producing to {settings.Partitions} partition(s) of '{ChaosSettings.Topic}' with acks=all " +
            $"({settings.InFlight} in flight, {(settings.Rate > 0 ? $"{settings.Rate} records/s" : "no rate limit")}); " +
            $"kills every {Durations.Format(settings.KillInterval)} for {Durations.Format(settings.Duration)}, seed {settings.Seed}");
        var producer = new ChaosProducer(client, ChaosSettings.Topic, settings.Partitions, settings.InFlight, settings.Rate, _clock);
        var producing = producer.RunAsync(stopProducing.Token, ChaosSettings.SettleTimeout, ct);
        await using var ticker = new Timer(_ =>
        {
            var (sent, acked, failed) = producer.Counts;
            Log($"sent {sent}, acknowledged {acked}, failed {failed}, in flight {sent - acked - failed}");
        }, null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));

        using var stopSupervising = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var supervisor = new BrokerSupervisor(cluster, _clock, Log);
        var supervising = supervisor.RunAsync(stopSupervising.Token);
        var nemesis = new Nemesis(cluster, client, settings, _clock, producer.LastAckAt, supervisor, Log);
        var runProblems = new List<string>();
        try
        {
            try
            {
                await nemesis.RunAsync(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                Log($"nemesis failed: {e}");
                runProblems.Add($"the nemesis failed: {e.GetBaseException().Message}");
            }
            // Production goes on until the duration is over and after the last restart, so every kill's failover is seen.
            var remaining = settings.Duration - _clock.Elapsed;
            if (remaining > TimeSpan.Zero) await Task.Delay(remaining, ct);
            Log("stopping the producer; waiting for outstanding records");
        }
        finally
        {
            // Whatever happened, no broker is restarted once the brokers are being stopped.
            stopSupervising.Cancel();
            await supervising;
        }
        stopProducing.Cancel();
        var unsettled = await producing;
        await ticker.DisposeAsync();
        var (sentCount, ackedCount, failedCount) = producer.Counts;
        Log($"producer stopped: sent {sentCount}, acknowledged {ackedCount}, failed {failedCount}, unanswered {unsettled}");

        var reads = (await Task.WhenAll(Enumerable.Range(0, settings.Partitions)
            .Select(p => PartitionReader.ReadAsync(client, ChaosSettings.Topic, p, ReadTimeout, ct)))).ToList();
        var readNotes = new List<string>();
        foreach (var failed in reads.Where(r => r.Error is not null).ToList())
        {
            Log($"read partition {failed.Partition}: ERROR {failed.Error}; {await ClusterProbe.DescribeAsync(cluster.Bootstrap, [failed.Partition], ct)}");
            // Read again through a new client: if that works, the log is intact and the run's client is the suspect.
            await using var fresh = await ActorLogClient.ConnectAsync(cluster.Bootstrap, ct: ct);
            var again = await PartitionReader.ReadAsync(fresh, ChaosSettings.Topic, failed.Partition, ReadTimeout, ct);
            if (again.Error is null)
            {
                readNotes.Add($"partition {failed.Partition} was read through a new client; the run's client failed: {failed.Error}");
                reads[reads.IndexOf(failed)] = again;
            }
        }
        foreach (var r in reads)
            Log($"read partition {r.Partition}: {r.Records.Count} record(s), high watermark {r.HighWatermark}{(r.Error is null ? "" : $", ERROR {r.Error}")}");

        var (sent, ackedRecords, failedRecords) = producer.Snapshot();
        var history = new ChaosHistory(sent, ackedRecords, failedRecords, reads.SelectMany(r => r.Records).ToList(),
            reads.Where(r => r.Error is null).ToDictionary(r => r.Partition, r => r.HighWatermark),
            reads.Where(r => r.Error is not null).Select(r => r.Partition).ToHashSet());
        var check = HistoryChecker.Check(history);
        var kills = nemesis.Kills;
        var failovers = FailoverTimes.Compute(kills.Select(k => (k.Number, k.KilledAt, k.LedPartitions)).ToList(), ackedRecords);
        return ChaosReport.Build(settings, _clock.Elapsed, kills, failovers, check,
            reads.Select(r => new ChaosReport.PartitionState(r.Partition, r.HighWatermark, r.Records.Count, r.Error)).ToList(), unsettled,
            supervisor.Exits, failedRecords, runProblems, readNotes);
    }

    /// <summary>Until every partition of the new topic has a leader and all replicas in sync, so the first kill hits a healthy topic.</summary>
    /// <summary>
    /// Every broker was reported up by one gateway, but the controller decides from its own view of the cluster, which
    /// may not show the last broker up yet (gossip reaches brokers at different times, more so on a loaded machine):
    /// while it counts fewer live brokers than the replication factor, ask again rather than give up the run.
    /// </summary>
    private async Task CreateTopic(ActorLogClient client, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await client.CreateTopicAsync(ChaosSettings.Topic, settings.Partitions, ChaosSettings.ReplicationFactor,
                    ChaosSettings.MinInsyncReplicas, 0, ct);
                return;
            }
            catch (ActorLogException e) when (e.Code == ErrorCode.InvalidReplicationFactor && DateTime.UtcNow < deadline)
            {
                Log($"create topic: {e.Message}; the controller does not see every broker up yet, asking again");
                await Task.Delay(500, ct);
            }
        }
    }

    private async Task WaitTopicInSync(ActorLogClient client, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var topic = (await client.RefreshMetadataAsync(ct)).Topics.FirstOrDefault(t => t.Name == ChaosSettings.Topic);
            if (topic is not null && topic.Partitions.All(p => p.Leader > 0 && p.Isr.Count == p.Replicas.Count))
            {
                Log($"topic '{ChaosSettings.Topic}' ready: " + string.Join(" ", topic.Partitions.Select(p => $"p{p.Partition}->{p.Leader} isr [{Output.Ids(p.Isr)}]")));
                return;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Topic '{ChaosSettings.Topic}' did not get leaders and in-sync replicas within 60 s");
            await Task.Delay(250, ct);
        }
    }
}
