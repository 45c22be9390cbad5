using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Configuration;
using ActorLog.Client;
using ActorLog.Common;
using ActorLog.Gateway;
using ActorLog.Metadata;
using ActorLog.Tests.Infrastructure;
using Xunit;

namespace ActorLog.Tests.Client;

/// <summary>
/// A client whose gateway refuses as not up in the cluster (BrokerNotAvailable: the broker is restarting, or its join
/// is stuck) asks another broker at once, for metadata and for admin requests, instead of taking the refusal (or that
/// broker's stale metadata) as the answer. Two ActorSystems named like brokers (with the
/// brokers' serializer) play broker 1 (up, answering) and
/// broker 2 (refusing everything).
/// </summary>
public sealed class ClientRefusalSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Config Remote = LoopbackConfig.Remote.WithFallback(ActorLog.Configuration.DefaultConfig.Load());

    public ClientRefusalSpec() : base(Remote, "actorlog") { }

    private static readonly ErrorInfo Refusal = new(ErrorCode.BrokerNotAvailable, "Broker 2 is still joining the cluster; ask another broker");

    /// <summary>Broker 1's gateway: lists both brokers as up and describes any topic as an empty one.</summary>
    private sealed class ServingGateway : ReceiveActor
    {
        public ServingGateway(IReadOnlyList<BrokerInfo> brokers)
        {
            Receive<GatewayProtocol.GetMetadata>(_ => Sender.Tell(new GatewayProtocol.MetadataResult(brokers, 1, Array.Empty<TopicMetadata>(), null)));
            Receive<GatewayProtocol.DescribeTopic>(d => Sender.Tell(new GatewayProtocol.TopicDescription(d.Name, null,
                Array.Empty<GatewayProtocol.PartitionDescription>(), null)));
        }
    }

    /// <summary>Broker 2's gateway, not up in the cluster: refuses, and counts what it refused.</summary>
    private sealed class RefusingGateway : ReceiveActor
    {
        public RefusingGateway(StrongBox<int> metadataRefused, StrongBox<int> describesRefused)
        {
            Receive<GatewayProtocol.GetMetadata>(_ =>
            {
                Interlocked.Increment(ref metadataRefused.Value);
                Sender.Tell(new GatewayProtocol.MetadataResult(Array.Empty<BrokerInfo>(), -1, Array.Empty<TopicMetadata>(), Refusal));
            });
            Receive<GatewayProtocol.DescribeTopic>(d =>
            {
                Interlocked.Increment(ref describesRefused.Value);
                Sender.Tell(new GatewayProtocol.TopicDescription(d.Name, null, Array.Empty<GatewayProtocol.PartitionDescription>(), Refusal));
            });
        }
    }

    private readonly StrongBox<int> _metadataRefused = new();
    private readonly StrongBox<int> _describesRefused = new();
    private ActorSystem? _broker2;

    /// <summary>Broker 1 (this spec's system, serving) and broker 2 (a second system, refusing); broker 1 lists broker 2 as given.</summary>
    private (int Port1, int Port2) StartBrokers(string broker2Status)
    {
        _broker2 = ActorSystem.Create("actorlog", Remote);
        var port1 = ((ExtendedActorSystem)Sys).Provider.DefaultAddress.Port!.Value;
        var port2 = ((ExtendedActorSystem)_broker2).Provider.DefaultAddress.Port!.Value;
        var brokers = new[] { new BrokerInfo(1, "127.0.0.1", port1, "up"), new BrokerInfo(2, "127.0.0.1", port2, broker2Status) };
        Sys.ActorOf(Props.Create(() => new ServingGateway(brokers)), GatewayActor.Name);
        _broker2.ActorOf(Props.Create(() => new RefusingGateway(_metadataRefused, _describesRefused)), GatewayActor.Name);
        return (port1, port2);
    }

    protected override void AfterAll()
    {
        _broker2?.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
    }

    [Fact]
    public async Task A_client_asks_another_broker_when_one_refuses_as_not_up()
    {
        // Listed up: a broker that restarted at the same address while the others still saw its old incarnation.
        var (port1, _) = StartBrokers("up");

        await using var client = await ActorLogClient.ConnectAsync($"127.0.0.1:{port1}");
        // Once both gateways are known, every refresh and describe picks one of them at random.
        await Eventually.Async(async () => Assert.Contains("gateways [1,2]", await client.DescribeStateAsync()),
            TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(50));
        for (var i = 0; i < 40 && (_describesRefused.Value == 0 || _metadataRefused.Value == 0); i++)
        {
            var started = DateTime.UtcNow;
            var description = await client.DescribeTopicAsync("t");
            Assert.Null(description.Error);
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3), $"describe took {DateTime.UtcNow - started}");
            var metadata = await client.RefreshMetadataAsync();
            Assert.Null(metadata.Error);
            Assert.Equal(1, metadata.ControllerBrokerId);
        }
        Assert.True(_describesRefused.Value > 0, "broker 2 was never asked a describe");
        Assert.True(_metadataRefused.Value > 0, "broker 2 was never asked for metadata");
    }

    [Fact]
    public async Task A_client_starts_from_a_bootstrap_broker_that_is_up()
    {
        var (port1, port2) = StartBrokers("joining");

        // Whichever bootstrap address answers first, the client starts from the one that serves metadata. (Started from
        // the joining one it would know no other broker: every attempt would end in the refusal.)
        for (var i = 0; i < 8; i++)
        {
            await using var client = await ActorLogClient.ConnectAsync($"127.0.0.1:{port2},127.0.0.1:{port1}");
            Assert.Null((await client.DescribeTopicAsync("t")).Error);
        }
    }

    [Fact]
    public async Task With_no_other_broker_the_refusal_is_the_answer()
    {
        var port = ((ExtendedActorSystem)Sys).Provider.DefaultAddress.Port!.Value;
        Sys.ActorOf(Props.Create(() => new RefusingGateway(new StrongBox<int>(), new StrongBox<int>())), GatewayActor.Name);

        await using var client = await ActorLogClient.ConnectAsync($"127.0.0.1:{port}");
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<ActorLogException>(() => client.DescribeTopicAsync("t"));
        Assert.Equal(ErrorCode.BrokerNotAvailable, e.Code);
        Assert.Equal(Refusal.Message, e.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), $"describe took {DateTime.UtcNow - started}");
        var refresh = await Assert.ThrowsAsync<ActorLogException>(() => client.RefreshMetadataAsync());
        Assert.Equal(Refusal.Message, refresh.Message);
    }
}
