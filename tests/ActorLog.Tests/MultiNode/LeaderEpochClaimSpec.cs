using Akka.Actor;
using ActorLog.Broker;
using ActorLog.Client;
using ActorLog.Common;
using ActorLog.Metadata;
using ActorLog.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.Tests.MultiNode;

/// <summary>
/// A leader pushes batches before its own write is done, so a leader replica that stops and starts again (here: the
/// actor stopped, as after a journal failure; the replica manager restarts it) must not lead at the epoch its earlier
/// instance led at (LeaderEpochClaims): it claims a new epoch, stays leader at it, and the log goes on gap-free with
/// every acknowledged record. A replica's first instance keeps the epoch it was given (a new topic stays at epoch 0).
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class LeaderEpochClaimSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private const string Topic = "claims";
    private static readonly TopicPartition Tp = new(Topic, 0);

    [Fact(Timeout = 180_000)]
    public async Task A_restarted_leader_replica_leads_again_only_at_a_new_epoch_with_every_acknowledged_record()
    {
        await using var cluster = await InProcessCluster.StartAsync(3);
        await using var client = await cluster.ConnectAsync();
        var created = await client.CreateTopicAsync(Topic, partitions: 1, replicationFactor: 3, minInsyncReplicas: 2);
        var leader = created.Partitions[0].Leader;
        Assert.Equal(0, created.Partitions[0].LeaderEpoch);

        var acked = new List<long>();
        await ProduceAsync(client, acked, 0, 100);
        // The first instances claimed their epochs by now (they serve): none of them needed a new one.
        var settled = await Eventually.PartitionAsync(client, Topic, 0, p => p.Isr.Count == 3, "all three in sync", WaitLimit, PollInterval);
        Assert.Equal(0, settled.LeaderEpoch);

        var replica = await cluster.System(leader - 1).ActorSelection($"/user/{ReplicaManager.Name}/{Uri.EscapeDataString(Tp.EntityId)}")
            .ResolveOne(TimeSpan.FromSeconds(5));
        replica.Tell(PoisonPill.Instance);
        output.WriteLine($"stopped the leader replica on broker {leader}");

        var again = await Eventually.PartitionAsync(client, Topic, 0, p => p.LeaderEpoch > 0, "a new epoch", WaitLimit, PollInterval);
        Assert.Equal(leader, again.Leader);
        Assert.Equal(1, again.LeaderEpoch);
        output.WriteLine($"broker {again.Leader} leads at epoch {again.LeaderEpoch}");

        await ProduceAsync(client, acked, 100, 100);
        var read = new List<long>();
        while (read.Count < 200)
        {
            var batch = await client.FetchAsync(Topic, 0, read.Count, TimeSpan.FromSeconds(1));
            read.AddRange(batch.Records.Select(r => r.Offset));
        }
        Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), read);
    }

    private static async Task ProduceAsync(ActorLogClient client, List<long> acked, int from, int count)
    {
        var sends = Enumerable.Range(from, count).Select(i => client.ProduceAsync(Topic, null, $"record-{i}", Acks.All, 0)).ToList();
        foreach (var send in sends) acked.Add((await send).Offset);
        Assert.Equal(Enumerable.Range(0, acked.Count).Select(i => (long)i), acked);
    }
}
