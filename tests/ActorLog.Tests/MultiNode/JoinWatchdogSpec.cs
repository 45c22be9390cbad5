using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using ActorLog.Broker;
using ActorLog.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.Tests.MultiNode;

/// <summary>
/// The join watchdog on plain cluster nodes (no downing, so an unreachable member blocks convergence for good):
/// a node welcomed into a cluster whose leader cannot move it to Up stops its ActorSystem with StuckJoinReason
/// once the timeout passes; on a node that reaches Up the watchdog stops itself and nothing else happens.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class JoinWatchdogSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1.5);
    private readonly int[] _ports;

    public JoinWatchdogSpec(ITestOutputHelper output) : this(LoopbackPorts.Free(3), output) { }

    private JoinWatchdogSpec(int[] ports, ITestOutputHelper output) : base(NodeConfig(ports[0], ports[0]), "watchdog", output) => _ports = ports;

    private static Config NodeConfig(int port, int seedPort) => ConfigurationFactory.ParseString($$"""
        akka.loglevel = WARNING
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = {{port}} }
        akka.cluster.seed-nodes = ["akka.tcp://watchdog@127.0.0.1:{{seedPort}}"]
        akka.cluster.downing-provider-class = ""
        akka.cluster.failure-detector { heartbeat-interval = 200ms, acceptable-heartbeat-pause = 1s }
        akka.cluster.gossip-interval = 200ms
        akka.cluster.leader-actions-interval = 200ms
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        """);

    [Fact(Timeout = 120_000)]
    public async Task A_node_stuck_joining_restarts_and_one_that_reached_Up_is_left_alone()
    {
        var a = Cluster.Get(Sys);
        await AwaitConditionAsync(() => Task.FromResult(a.SelfMember.Status == MemberStatus.Up), TimeSpan.FromSeconds(20));
        var c = ActorSystem.Create("watchdog", NodeConfig(_ports[2], _ports[0]));
        var b = (ActorSystem?)null;
        try
        {
            // C joins normally: its watchdog sees it Up and stops itself.
            var cWatchdog = c.ActorOf(JoinWatchdog.Props(Timeout), JoinWatchdog.Name);
            var probe = CreateTestProbe(c);
            probe.Watch(cWatchdog);
            probe.ExpectTerminated(cWatchdog, TimeSpan.FromSeconds(20));
            Assert.Equal(MemberStatus.Up, Cluster.Get(c).SelfMember.Status);

            // C dies and nobody downs it: A (the leader) can no longer converge, so whoever joins now stays Joining.
            await c.Terminate();
            await AwaitConditionAsync(() => Task.FromResult(a.State.Unreachable.Count == 1), TimeSpan.FromSeconds(20));
            b = ActorSystem.Create("watchdog", NodeConfig(_ports[1], _ports[0]));
            b.ActorOf(JoinWatchdog.Props(Timeout), JoinWatchdog.Name);

            // Welcomed but never Up: B stops itself for a fresh start (the reason says its watchdog saw it Joining).
            var stopped = b.WhenTerminated;
            Assert.Same(stopped, await Task.WhenAny(stopped, Task.Delay(TimeSpan.FromSeconds(30))));
            Assert.IsType<JoinWatchdog.StuckJoinReason>(CoordinatedShutdown.Get(b).ShutdownReason);
            // A was Up all along: its own watchdog (started late, seeing it Up at once) stopped without acting.
            var aWatchdog = Sys.ActorOf(JoinWatchdog.Props(Timeout), JoinWatchdog.Name);
            Watch(aWatchdog);
            ExpectTerminated(aWatchdog, TimeSpan.FromSeconds(10));
            Assert.Null(CoordinatedShutdown.Get(Sys).ShutdownReason);
        }
        finally
        {
            await c.Terminate();
            if (b is not null) await b.Terminate();
        }
    }
}
