using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Remote;
using Akka.Remote.Transport;
using ActorLog.Broker;
using ActorLog.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace ActorLog.Tests.MultiNode;

/// <summary>
/// The join watchdog on plain cluster nodes (no downing, so an unreachable member blocks convergence for good), one
/// case per way out: a node welcomed into a cluster whose leader cannot move it to Up; a node whose gossip an Up member
/// ignores because it never heard of it (the seed that welcomed it could not tell it: the link is blackholed); a node
/// Up in a cluster of its own while an earlier seed runs another. Each stops its ActorSystem with StuckJoinReason,
/// and the nodes that have nothing wrong keep running.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class JoinWatchdogSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string Protocol = "akka.trttl.tcp";
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(1.5);
    private readonly int[] _ports;

    public JoinWatchdogSpec(ITestOutputHelper output) : this(LoopbackPorts.Free(3), output) { }

    private JoinWatchdogSpec(int[] ports, ITestOutputHelper output) : base(NodeConfig(ports[0], ports[0]), "watchdog", output) => _ports = ports;

    /// <summary>The throttler adapter (trttl) lets a test blackhole one link; heartbeats are tolerant so only that link fails.</summary>
    private static Config NodeConfig(int port, int seedPort, string heartbeatPause = "1s") => ConfigurationFactory.ParseString($$"""
        akka.loglevel = WARNING
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = {{port}}, applied-adapters = [trttl] }
        akka.cluster.seed-nodes = ["{{Protocol}}://watchdog@127.0.0.1:{{seedPort}}"]
        akka.cluster.downing-provider-class = ""
        akka.cluster.failure-detector { heartbeat-interval = 200ms, acceptable-heartbeat-pause = {{heartbeatPause}} }
        akka.cluster.gossip-interval = 200ms
        akka.cluster.leader-actions-interval = 200ms
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        """);

    private Address AddressOf(int port) => new(Protocol, "watchdog", "127.0.0.1", port);

    private static JoinWatchdog.Settings Watch(TimeSpan? stuckJoin = null, TimeSpan? unseenGossip = null, params Address[] seeds) =>
        new(stuckJoin, unseenGossip, TimeSpan.FromSeconds(1), seeds.Length == 0 ? null : seeds);

    /// <summary>Waits until the system stops itself, and returns the watchdog's reason.</summary>
    private static async Task<string> StoppedByWatchdogAsync(ActorSystem system)
    {
        var stopped = system.WhenTerminated;
        Assert.Same(stopped, await Task.WhenAny(stopped, Task.Delay(TimeSpan.FromSeconds(30))));
        return Assert.IsType<JoinWatchdog.StuckJoinReason>(CoordinatedShutdown.Get(system).ShutdownReason).Why;
    }

    private async Task UpAsync(Cluster cluster) =>
        await AwaitConditionAsync(() => Task.FromResult(cluster.SelfMember.Status == MemberStatus.Up), TimeSpan.FromSeconds(20));

    [Fact(Timeout = 120_000)]
    public async Task A_node_stuck_joining_restarts_and_one_that_reached_Up_is_left_alone()
    {
        var a = Cluster.Get(Sys);
        await UpAsync(a);
        var c = ActorSystem.Create("watchdog", NodeConfig(_ports[2], _ports[0]));
        var b = (ActorSystem?)null;
        try
        {
            // C joins normally: with every check on, it reaches Up and keeps running.
            c.ActorOf(JoinWatchdog.Props(Watch(Short, Short)), JoinWatchdog.Name);
            await UpAsync(Cluster.Get(c));

            // C dies and nobody downs it: A (the leader) can no longer converge, so whoever joins now stays Joining.
            // A knows B and takes in its gossip: the Joining check (the backstop) is what gets B out.
            await c.Terminate();
            await AwaitConditionAsync(() => Task.FromResult(a.State.Unreachable.Count == 1), TimeSpan.FromSeconds(20));
            b = ActorSystem.Create("watchdog", NodeConfig(_ports[1], _ports[0]));
            b.ActorOf(JoinWatchdog.Props(Watch(stuckJoin: TimeSpan.FromSeconds(3))), JoinWatchdog.Name);

            Assert.Contains("has been Joining for 3 s", await StoppedByWatchdogAsync(b));
            // A was Up all along, with C unreachable (so not expected to see anything): its watchdog leaves it be.
            Sys.ActorOf(JoinWatchdog.Props(Watch(Short, Short)), JoinWatchdog.Name);
            await Task.WhenAny(Sys.WhenTerminated, Task.Delay(TimeSpan.FromSeconds(3)));
            Assert.Null(CoordinatedShutdown.Get(Sys).ShutdownReason);
        }
        finally
        {
            await c.Terminate();
            if (b is not null) await b.Terminate();
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task A_node_whose_gossip_an_Up_member_ignores_restarts()
    {
        // A slow failure detector (20 s): for this test A and C stay reachable to each other, their link only drops gossip.
        var a = ActorSystem.Create("watchdog", NodeConfig(_ports[1], _ports[1], heartbeatPause: "20s"));
        var c = ActorSystem.Create("watchdog", NodeConfig(_ports[2], _ports[1], heartbeatPause: "20s"));
        var b = (ActorSystem?)null;
        try
        {
            await UpAsync(Cluster.Get(a));
            await UpAsync(Cluster.Get(c));
            c.ActorOf(JoinWatchdog.Props(Watch(unseenGossip: Short)), JoinWatchdog.Name);
            a.ActorOf(JoinWatchdog.Props(Watch(unseenGossip: Short)), JoinWatchdog.Name);
            // A can no longer tell C anything: C will never hear of B, as when B's welcomer dies before gossiping.
            Assert.True(await ((IRemoteActorRefProvider)((ExtendedActorSystem)a).Provider).Transport.ManagementCommand(
                new SetThrottle(AddressOf(_ports[2]), ThrottleTransportAdapter.Direction.Both, Blackhole.Instance)));

            b = ActorSystem.Create("watchdog", NodeConfig(_ports[0], _ports[1]));
            // The Joining check is off: only the unseen-gossip check can act, and it must, long before A's detector fires.
            b.ActorOf(JoinWatchdog.Props(Watch(unseenGossip: Short)), JoinWatchdog.Name);

            Assert.Contains($"{AddressOf(_ports[2])}, Up and reachable, have not taken in this broker's gossip", await StoppedByWatchdogAsync(b));
            // A, Up, whose gossip C cannot take in either (a member's old incarnation, answering heartbeats through its
            // successor, looks the same), is left alone: once Up, that is the split brain resolver's business. So is C.
            await Task.WhenAny(a.WhenTerminated, Task.Delay(Short * 2));
            Assert.Null(CoordinatedShutdown.Get(a).ShutdownReason);
            Assert.Null(CoordinatedShutdown.Get(c).ShutdownReason);
        }
        finally
        {
            if (b is not null) await b.Terminate();
            await c.Terminate();
            await a.Terminate();
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Of_two_clusters_the_one_of_the_later_seed_restarts_and_a_lone_node_whose_seeds_are_dead_stays()
    {
        // Sys (the first port) and Y each formed a cluster of their own; Z (the third port) runs nothing.
        var x = Cluster.Get(Sys);
        await UpAsync(x);
        var y = ActorSystem.Create("watchdog", NodeConfig(_ports[1], _ports[1]));
        try
        {
            await UpAsync(Cluster.Get(y));
            var seeds = new[] { AddressOf(_ports[0]), AddressOf(_ports[1]), AddressOf(_ports[2]) };
            y.ActorOf(JoinWatchdog.Props(Watch(stuckJoin: Short, seeds: seeds)), JoinWatchdog.Name);
            // X is first in the list: it is the one to be joined, never the one to restart.
            Sys.ActorOf(JoinWatchdog.Props(Watch(stuckJoin: Short, seeds: seeds)), JoinWatchdog.Name);

            Assert.Contains($"seed(s) {AddressOf(_ports[0])}, earlier in the list and not in it, are alive", await StoppedByWatchdogAsync(y));
            Assert.Null(CoordinatedShutdown.Get(Sys).ShutdownReason);

            // Alone with the earlier seeds dead (Y just stopped, Z never ran): a genuine minority, nobody to join.
            var lone = ActorSystem.Create("watchdog", NodeConfig(_ports[2], _ports[2]));
            try
            {
                await UpAsync(Cluster.Get(lone));
                lone.ActorOf(JoinWatchdog.Props(Watch(stuckJoin: Short, seeds: [AddressOf(_ports[1]), AddressOf(_ports[2])])), JoinWatchdog.Name);
                await Task.WhenAny(lone.WhenTerminated, Task.Delay(TimeSpan.FromSeconds(4)));
                Assert.Null(CoordinatedShutdown.Get(lone).ShutdownReason);
            }
            finally
            {
                await lone.Terminate();
            }
        }
        finally
        {
            await y.Terminate();
        }
    }
}
