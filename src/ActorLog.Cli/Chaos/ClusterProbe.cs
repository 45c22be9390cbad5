using ActorLog.Client;

namespace ActorLog.Cli.Chaos;

/// <summary>
/// Diagnostics for a partition that stays unwritable or unreadable: a brand-new client (no cached metadata or
/// gateways) asks for the topic's live state, which the gateway gets from each partition's leader replica through
/// the shard region (log end and high watermark are -1 when the replica does not answer), and fetches from each
/// such partition. If a fresh client succeeds where the run's client fails, the client is the suspect; if both
/// fail, the broker side is.
/// </summary>
internal static class ClusterProbe
{
    public static async Task<string> DescribeAsync(string bootstrap, IReadOnlyCollection<int> partitions, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        var parts = new List<string>();
        try
        {
            await using var client = await ActorLogClient.ConnectAsync(bootstrap, ct: timeout.Token);
            var d = await client.DescribeTopicAsync(ChaosSettings.Topic, timeout.Token);
            parts.Add("live state " + string.Join(" ", d.Partitions.Select(p =>
                $"p{p.Partition}: leader {p.Leader} epoch {p.LeaderEpoch} isr [{string.Join(",", p.Isr)}] log-end {p.LogEndOffset} hw {p.HighWatermark}")));
            foreach (var p in partitions.Order())
            {
                try
                {
                    using var fetchTimeout = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
                    fetchTimeout.CancelAfter(TimeSpan.FromSeconds(8));
                    var f = await client.FetchAsync(ChaosSettings.Topic, p, 0, TimeSpan.Zero, 1024, fetchTimeout.Token);
                    parts.Add($"fetch p{p}: answered, high watermark {f.HighWatermark}");
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    parts.Add($"fetch p{p}: {(e is OperationCanceledException ? "no answer within 8 s" : e.Message)}");
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            parts.Add(e is OperationCanceledException ? "no answer within 20 s" : e.Message);
        }
        return "fresh client: " + string.Join("; ", parts);
    }
}
