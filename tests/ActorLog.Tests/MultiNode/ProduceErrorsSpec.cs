using ActorLog.Client;
using ActorLog.Common;
using ActorLog.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.Tests.MultiNode;

/// <summary>Errors a producer can run into, answered as typed errors (never as a silent hang).</summary>
[Collection(MultiNodeCollection.Name)]
public sealed class ProduceErrorsSpec(ITestOutputHelper output)
{
    [Fact(Timeout = 180_000)]
    public async Task Acks_all_is_refused_below_min_insync_replicas_while_acks_1_still_works_and_bad_requests_are_typed_errors()
    {
        await using var cluster = await InProcessCluster.StartAsync(3);
        var settings = ClientSettings.Default with { DeliveryTimeout = TimeSpan.FromSeconds(4) };
        await using var client = await ActorLogClient.ConnectAsync(cluster.Bootstrap, settings);

        var topic = await client.CreateTopicAsync("narrow", partitions: 1, replicationFactor: 2, minInsyncReplicas: 2);
        var leader = topic.Partitions[0].Leader;
        var follower = topic.Partitions[0].Replicas.Single(r => r != leader);
        Assert.Equal(0, (await client.ProduceAsync("narrow", "k", "before", Acks.All)).Offset);

        // The follower's broker leaves: the leader drops it from the ISR, below min.insync.replicas = 2.
        await cluster.StopBrokerAsync(follower - 1);
        await AwaitIsr(client, new[] { leader });

        var refused = await Assert.ThrowsAsync<ActorLogException>(() => client.ProduceAsync("narrow", "k", "lost?", Acks.All));
        output.WriteLine(refused.Message);
        Assert.Contains("NotEnoughReplicas", refused.Message);
        Assert.Equal(1, (await client.ProduceAsync("narrow", "k", "acks-1", Acks.Leader)).Offset);

        var tooLarge = await Assert.ThrowsAsync<ActorLogException>(() =>
            client.ProduceAsync("narrow", null, new byte[2 * 1024 * 1024], null, Acks.Leader));
        Assert.Equal(ErrorCode.RecordTooLarge, tooLarge.Code);

        var badPartition = await Assert.ThrowsAsync<ActorLogException>(() => client.ProduceAsync("narrow", "k", "v", Acks.Leader, partition: 7));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, badPartition.Code);

        var unknown = await Assert.ThrowsAsync<ActorLogException>(() => client.ProduceAsync("no-such-topic", "k", "v", Acks.Leader));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, unknown.Code);

        // Only acknowledged-by-all and acks=1 records are there; the refused one was never appended.
        var records = await client.FetchAsync("narrow", 0, 0, TimeSpan.Zero);
        Assert.Equal(new[] { "before", "acks-1" }, records.Records.Select(r => System.Text.Encoding.UTF8.GetString(r.Value!)));

        await client.DeleteTopicAsync("narrow");
        var deleted = await Assert.ThrowsAsync<ActorLogException>(() => client.DescribeTopicAsync("narrow"));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, deleted.Code);
    }

    private static async Task AwaitIsr(ActorLogClient client, int[] expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var isr = (await client.DescribeTopicAsync("narrow")).Partitions[0].Isr;
            if (isr.Order().SequenceEqual(expected.Order())) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"ISR stayed [{string.Join(",", isr)}]");
            await Task.Delay(100);
        }
    }
}
