using Akka.Actor;
using Akka.Cluster;
using ActorLog.Broker;
using Xunit;

namespace ActorLog.Tests.Unit;

public class ClusterViewTests
{
    private static UniqueAddress Node(int port, int uid = 1) => new(new Address("akka.tcp", "actorlog", "127.0.0.1", port), uid);

    [Fact]
    public void Live_brokers_are_up_and_reachable_as_the_events_said()
    {
        var view = new ClusterView();
        view.MemberChanged(Node(4051), MemberStatus.Up, 1);
        view.MemberChanged(Node(4052), MemberStatus.Up, 2);
        view.MemberChanged(Node(4053), MemberStatus.Up, 3);
        Assert.Equal(new[] { 1, 2, 3 }, view.LiveBrokers().Keys.Order());

        view.SetReachable(Node(4052), false);
        Assert.Equal(new[] { 1, 3 }, view.LiveBrokers().Keys.Order());
        view.SetReachable(Node(4052), true);
        Assert.Equal(new[] { 1, 2, 3 }, view.LiveBrokers().Keys.Order());

        view.MemberChanged(Node(4053), MemberStatus.Down, 3);
        Assert.Equal(new[] { 1, 2 }, view.LiveBrokers().Keys.Order());
        view.SetReachable(Node(4053), false);
        view.MemberRemoved(Node(4053));
        Assert.Equal(new[] { 1, 2 }, view.LiveBrokers().Keys.Order());

        // The restarted broker is a new incarnation (new uid) on the same address; the old one's unreachability is gone.
        view.MemberChanged(Node(4053, uid: 2), MemberStatus.Up, 3);
        Assert.Equal(new[] { 1, 2, 3 }, view.LiveBrokers().Keys.Order());
        Assert.Equal(4053, view.LiveBrokers()[3].Port);
    }

    [Fact]
    public void Joining_leaving_and_non_broker_members_are_not_live()
    {
        var view = new ClusterView();
        view.MemberChanged(Node(4051), MemberStatus.Joining, 1);
        view.MemberChanged(Node(4052), MemberStatus.Leaving, 2);
        view.MemberChanged(Node(4053), MemberStatus.Up, null);
        Assert.Empty(view.LiveBrokers());
    }
}
