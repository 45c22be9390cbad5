using Akka.Actor;
using Akka.Cluster;
using ActorLog.Common;
using ActorLog.Controller;
using ActorLog.Gateway;
using ActorLog.Groups;
using ActorLog.Tests.Infrastructure;
using Xunit;

namespace ActorLog.Tests.Brokers;

/// <summary>
/// A broker's gateway before its node is Up in the cluster: metadata, describe and admin commands are refused with
/// BrokerNotAvailable (its metadata may be any age, and the controller is out of its reach), and served once it is Up.
/// </summary>
public sealed class GatewayRefusalSpec : Akka.TestKit.Xunit2.TestKit
{
    public GatewayRefusalSpec() : base(LoopbackConfig.ClusterNode, "actorlog") { }

    [Fact]
    public async Task A_gateway_refuses_what_it_cannot_know_until_its_broker_is_up_then_serves()
    {
        var controller = CreateTestProbe();
        var gateway = Sys.ActorOf(GatewayActor.Props(7, controller.Ref, CreateTestProbe().Ref, CreateTestProbe().Ref,
            CreateTestProbe().Ref, GroupSettings.Default));

        // Not joined yet.
        var metadata = await gateway.Ask<GatewayProtocol.MetadataResult>(new GatewayProtocol.GetMetadata(null), RemainingOrDefault);
        Assert.Equal(ErrorCode.BrokerNotAvailable, metadata.Error?.Code);
        Assert.Equal("Broker 7 is not a member of the cluster; ask another broker", metadata.Error!.Message);
        Assert.Empty(metadata.Topics);
        var description = await gateway.Ask<GatewayProtocol.TopicDescription>(new GatewayProtocol.DescribeTopic("t"), RemainingOrDefault);
        Assert.Equal(ErrorCode.BrokerNotAvailable, description.Error?.Code);
        var created = await gateway.Ask<ControllerProtocol.TopicResult>(new ControllerProtocol.CreateTopic("t", 1, 1, 0, 0), RemainingOrDefault);
        Assert.Equal(ErrorCode.BrokerNotAvailable, created.Error?.Code);
        var elected = await gateway.Ask<ControllerProtocol.ElectPreferredLeadersResult>(new ControllerProtocol.ElectPreferredLeaders(null),
            RemainingOrDefault);
        Assert.Equal(ErrorCode.BrokerNotAvailable, elected.Error?.Code);
        controller.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        var cluster = Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        AwaitCondition(() => cluster.SelfMember.Status == MemberStatus.Up, TimeSpan.FromSeconds(15));

        metadata = await gateway.Ask<GatewayProtocol.MetadataResult>(new GatewayProtocol.GetMetadata(null), RemainingOrDefault);
        Assert.Null(metadata.Error);
        description = await gateway.Ask<GatewayProtocol.TopicDescription>(new GatewayProtocol.DescribeTopic("t"), RemainingOrDefault);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, description.Error?.Code);
        gateway.Tell(new ControllerProtocol.CreateTopic("t", 1, 1, 0, 0), TestActor);
        controller.ExpectMsg<ControllerProtocol.CreateTopic>();
        gateway.Tell(new ControllerProtocol.ElectPreferredLeaders(null), TestActor);
        controller.ExpectMsg<ControllerProtocol.ElectPreferredLeaders>();
    }
}
