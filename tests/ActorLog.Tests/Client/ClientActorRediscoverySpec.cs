using Akka.Actor;
using Akka.TestKit;
using ActorLog.Client;
using ActorLog.Client.Produce;
using ActorLog.Gateway;
using ActorLog.Metadata;
using ActorLog.Tests.Infrastructure;
using Xunit;

namespace ActorLog.Tests.Client;

/// <summary>
/// The client actor's way back after it lost every gateway, with the brokers played by probes in one ActorSystem named
/// like a broker's (so its bootstrap address resolves to a local "gateway" actor). The state a chaos run once left a
/// client in: the last metadata listed no broker up (a restarting broker answered it) and the bootstrap gateway then
/// timed out. Nothing looked for a gateway again, and the client answered "No broker is reachable" for ever.
/// </summary>
public sealed class ClientActorRediscoverySpec : Akka.TestKit.Xunit2.TestKit
{
    public ClientActorRediscoverySpec() : base(LoopbackConfig.Remote, "actorlog") { }

    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef to) => ReceiveAny(m => to.Forward(m));
    }

    [Fact]
    public void A_client_with_no_gateway_left_finds_one_again_at_its_bootstrap_address()
    {
        var port = ((ExtendedActorSystem)Sys).Provider.DefaultAddress.Port!.Value;
        var bootstrapGateway = CreateTestProbe();
        var gatewayAtBootstrapAddress = CreateTestProbe();
        Sys.ActorOf(Props.Create(() => new Forwarder(gatewayAtBootstrapAddress.Ref)), GatewayActor.Name);
        var client = Sys.ActorOf(ClientActor.Props(ClientSettings.Default, new[] { $"127.0.0.1:{port}" }, bootstrapGateway.Ref, new ProduceIntake()));

        // The first metadata lists the only broker as not up (it was restarting): its gateway is not resolved.
        bootstrapGateway.ExpectMsg<GatewayProtocol.GetMetadata>();
        bootstrapGateway.Reply(new GatewayProtocol.MetadataResult(new[] { new BrokerInfo(1, "127.0.0.1", port, "joining") }, -1,
            Array.Empty<TopicMetadata>(), null));
        AwaitAssert(() =>
        {
            client.Tell(new ClientProtocol.DescribeState(), TestActor);
            Assert.Contains("brokers [1:joining]", ExpectMsg<string>());
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50));
        // The next refresh goes unanswered: the bootstrap gateway is forgotten too, and no gateway is left.
        client.Tell(new ClientProtocol.RefreshMetadata(), TestActor);
        bootstrapGateway.ExpectMsg<GatewayProtocol.GetMetadata>();

        // The client looks for a gateway at its bootstrap address again and refreshes through the one it finds.
        gatewayAtBootstrapAddress.ExpectMsg<GatewayProtocol.GetMetadata>(TimeSpan.FromSeconds(15));
        gatewayAtBootstrapAddress.Reply(new GatewayProtocol.MetadataResult(new[] { new BrokerInfo(1, "127.0.0.1", port, "up") }, -1,
            Array.Empty<TopicMetadata>(), null));
        AwaitAssert(() =>
        {
            client.Tell(new ClientProtocol.GetAnyGateway(), TestActor);
            Assert.IsAssignableFrom<IActorRef>(ExpectMsg<object>());
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
    }
}
