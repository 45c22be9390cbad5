using System.Text;
using System.Text.RegularExpressions;
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
/// A client sends produce batches and fetches straight to the leader's replica actor once its gateway has said where
/// it is. When that replica stops (here: stopped as after a journal failure; the replica manager starts a new one) the
/// client drops the route, resends what was waiting on it, and finds the new replica: every record acknowledged once,
/// gap-free, and read back in order.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed partial class DirectReplicaRouteSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private const string Topic = "direct";
    private static readonly TopicPartition Tp = new(Topic, 0);

    [Fact(Timeout = 180_000)]
    public async Task Batches_go_to_the_leader_replica_and_follow_it_when_it_is_replaced()
    {
        await using var cluster = await InProcessCluster.StartAsync(3);
        await using var client = await cluster.ConnectAsync();
        var created = await client.CreateTopicAsync(Topic, partitions: 1, replicationFactor: 3, minInsyncReplicas: 2);
        var leader = created.Partitions[0].Leader;
        var replicaPath = $"/user/{ReplicaManager.Name}/{Uri.EscapeDataString(Tp.EntityId)}";

        var acked = new List<long>();
        acked.AddRange(await ProduceAsync(client, 0, 50));
        // One more record whenever the route is not there yet: a client asks where the replica is when it sends.
        Func<Task> produceOneMore = async () => acked.AddRange(await ProduceAsync(client, acked.Count, 1));
        var first = await RouteAsync(client, leader, previous: null, produceOneMore);
        var replica = await cluster.System(leader - 1).ActorSelection(replicaPath).ResolveOne(TimeSpan.FromSeconds(5));
        Assert.EndsWith(replicaPath + "#" + replica.Path.Uid, first);
        output.WriteLine($"route: {first}");

        // Records sent while the replica is being replaced: some go to the stopped one and must be resent.
        var sending = ProduceAsync(client, acked.Count, 200);
        replica.Tell(PoisonPill.Instance);
        acked.AddRange(await sending);
        acked.AddRange(await ProduceAsync(client, acked.Count, 50));

        // The client may have asked while the replica manager was still starting the new replica: it then asks
        // again with a later batch (at most once a second), so records keep coming until it has.
        var second = await RouteAsync(client, leader, previous: first, produceOneMore);
        output.WriteLine($"route after the replica was replaced: {second}, {acked.Count} records");
        Assert.True(acked.Count >= 300);
        Assert.Equal(Enumerable.Range(0, acked.Count).Select(i => (long)i), acked.Order());

        var read = await ReadAsync(client, 0, acked.Count);
        Assert.Equal(Enumerable.Range(0, acked.Count).Select(i => $"record-{i}").Order(), read.Order());
        Assert.Equal(acked.Count, read.Distinct().Count());
    }

    [Fact(Timeout = 180_000)]
    public async Task Fetches_go_to_the_leader_replica_and_follow_it_when_it_is_replaced()
    {
        await using var cluster = await InProcessCluster.StartAsync(3);
        await using var producer = await cluster.ConnectAsync();
        // The consumer never produces: any route it has, it found for its fetches.
        await using var consumer = await cluster.ConnectAsync();
        var created = await producer.CreateTopicAsync(Topic, partitions: 1, replicationFactor: 3, minInsyncReplicas: 2);
        var leader = created.Partitions[0].Leader;
        var replicaPath = $"/user/{ReplicaManager.Name}/{Uri.EscapeDataString(Tp.EntityId)}";
        await ProduceAsync(producer, 0, 100);

        var read = await ReadAsync(consumer, 0, 100);
        // An empty fetch at the log end whenever the route is not there yet: a client asks where the replica is when it fetches.
        Func<Task> fetchAtTheEnd = () => consumer.FetchAsync(Topic, 0, read.Count, TimeSpan.Zero);
        var first = await RouteAsync(consumer, leader, previous: null, fetchAtTheEnd);
        var replica = await cluster.System(leader - 1).ActorSelection(replicaPath).ResolveOne(TimeSpan.FromSeconds(5));
        Assert.EndsWith(replicaPath + "#" + replica.Path.Uid, first);
        // What the fetch path asks for its target: the replica itself, not the broker's gateway.
        var target = (await consumer.RouteAsync(Tp)).Target;
        Assert.Equal(first, target?.Path.ToStringWithUid());

        replica.Tell(PoisonPill.Instance);
        await ProduceAsync(producer, 100, 100);
        read.AddRange(await ReadAsync(consumer, 100, 200));
        var second = await RouteAsync(consumer, leader, previous: first, fetchAtTheEnd);
        output.WriteLine($"consumer route {first}, after the replica was replaced {second}");
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"record-{i}"), read);
    }

    /// <summary>Reads from offset <paramref name="from"/> until <paramref name="until"/>, in order.</summary>
    private static async Task<List<string>> ReadAsync(ActorLogClient client, long from, long until)
    {
        var read = new List<string>();
        while (from + read.Count < until)
        {
            var batch = await client.FetchAsync(Topic, 0, from + read.Count, TimeSpan.FromSeconds(1));
            read.AddRange(batch.Records.Select(r => Encoding.UTF8.GetString(r.Value!)));
        }
        return read;
    }

    private static async Task<List<long>> ProduceAsync(ActorLogClient client, int from, int count)
    {
        var sends = Enumerable.Range(from, count).Select(i => client.ProduceAsync(Topic, null, $"record-{i}", Acks.All, 0)).ToList();
        var offsets = new List<long>();
        foreach (var send in sends) offsets.Add((await send).Offset);
        return offsets;
    }

    /// <summary>The client's direct route to the partition's replica on the leader's broker, once it has one (and a new one when given the previous).</summary>
    /// <param name="request">Sends one request on the partition, run whenever the route is not there yet.</param>
    private static async Task<string> RouteAsync(ActorLogClient client, int leader, string? previous, Func<Task> request)
    {
        var deadline = DateTime.UtcNow + WaitLimit;
        while (true)
        {
            var state = await client.DescribeStateAsync();
            var match = RouteText().Match(state);
            if (match.Success && match.Groups["broker"].Value == leader.ToString() && match.Groups["path"].Value != previous)
                return match.Groups["path"].Value;
            Assert.True(DateTime.UtcNow < deadline, $"no {(previous is null ? "" : "new ")}direct route within {WaitLimit}: {state}");
            // Not inside a retrying wait: a request that fails must fail the test with its own error, not be sent
            // again under the same record name (and then fail on a duplicate instead).
            await request();
            await Task.Delay(PollInterval);
        }
    }

    [GeneratedRegex(@"direct/0 → broker (?<broker>\d+) (?<path>akka\.tcp://[^,\]]+)")]
    private static partial Regex RouteText();
}
