using System.Diagnostics;
using Akka.Actor;
using ActorLog.Client;
using ActorLog.Common;
using ActorLog.Gateway;
using ActorLog.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.Tests.MultiNode;

/// <summary>
/// A client that lost every broker (all crashed; the same can happen when every gateway it knows times out while
/// Akka.Remote gates their addresses, as a chaos run on a loaded machine once showed) finds the brokers again from its
/// bootstrap list once they are back, and the same client produces and reads on. A gateway that stops answering
/// (its broker died or restarted as a new incarnation, and the client has not heard yet) costs a describe seconds,
/// not half the request timeout.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class ClientRediscoverySpec(ITestOutputHelper output)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    [Fact(Timeout = 180_000)]
    public async Task A_client_that_lost_every_broker_finds_them_again_when_they_return()
    {
        await using var cluster = await InProcessCluster.StartAsync(3);
        await using var client = await cluster.ConnectAsync();
        await client.CreateTopicAsync("t", partitions: 1, replicationFactor: 3, minInsyncReplicas: 2);
        Assert.Equal(0, (await client.ProduceAsync("t", "k", "before")).Offset);

        for (var i = 0; i < cluster.Count; i++) await cluster.CrashBrokerAsync(i);
        // The client's requests fail until it has no broker left to ask.
        await Eventually.Async(async () =>
        {
            var e = await Assert.ThrowsAsync<ActorLogException>(() => client.DescribeTopicAsync("t"));
            Assert.Equal(ErrorCode.BrokerNotAvailable, e.Code);
        }, WaitLimit, PollInterval);
        output.WriteLine("the client has no broker left");
        // The scenario, not a wait for a condition: the brokers stay down past the client's connect timeout, so every
        // resolution it started when it lost them has failed and none is left to notice their return.
        await Task.Delay(client.Settings.ConnectTimeout * 2);

        await Task.WhenAll(Enumerable.Range(0, cluster.Count).Select(cluster.StartBrokerAsync));
        await cluster.WaitForMembersAsync(cluster.Count, WaitLimit);
        var after = await Eventually.ValueAsync(() => client.ProduceAsync("t", "k", "after"), WaitLimit, PollInterval);
        Assert.Equal(1, after.Offset);
        var read = await client.FetchAsync("t", 0, 0, TimeSpan.FromSeconds(1));
        Assert.Equal(new[] { "before", "after" }, read.Records.Select(r => System.Text.Encoding.UTF8.GetString(r.Value!)));
        output.WriteLine("the same client produced and read after all brokers came back");
    }

    [Fact(Timeout = 180_000)]
    public async Task A_describe_moves_on_from_a_gateway_that_stopped_answering_within_seconds()
    {
        await using var cluster = await InProcessCluster.StartAsync(3);
        await using var client = await cluster.ConnectAsync();
        await client.CreateTopicAsync("t", partitions: 1, replicationFactor: 3, minInsyncReplicas: 2);
        await Eventually.Async(async () => Assert.Contains("gateways [1,2,3]", await client.DescribeStateAsync()), WaitLimit, PollInterval);

        // Broker 3's gateway stops while its broker runs on: no disassociation tells the client, asks to it go unanswered.
        cluster.System(2).ActorSelection($"/user/{GatewayActor.Name}").Tell(PoisonPill.Instance);
        // The client picks a gateway at random: describe until it has picked the silent one (and forgotten it).
        var describes = 0;
        while ((await client.DescribeStateAsync()).Contains("gateways [1,2,3]"))
        {
            Assert.True(++describes <= 40, "the client never picked broker 3's gateway");
            var took = Stopwatch.StartNew();
            Assert.Equal("t", (await client.DescribeTopicAsync("t")).Name);
            // 5 s for the silent gateway, then another broker answers; before, the first attempt waited 15 s.
            Assert.True(took.Elapsed < TimeSpan.FromSeconds(10), $"describe took {took.Elapsed.TotalSeconds:0.0} s");
        }
        output.WriteLine($"the silent gateway was picked and forgotten after {describes} describe(s)");
    }
}
