using Akka.Actor;
using ActorLog.Broker;
using Xunit;

namespace ActorLog.Tests.Unit;

public sealed class MembershipChecksTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private static readonly Address A = Node(4051), B = Node(4052), C = Node(4053);

    private static Address Node(int port) => new("akka.tcp", "actorlog", "127.0.0.1", port);

    private static TimeSpan At(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void A_member_missing_from_every_look_for_the_timeout_is_reported()
    {
        var unseen = new UnseenMembers();
        Assert.Empty(unseen.Look([A, C], new HashSet<Address> { A }, At(0), Timeout));
        Assert.Empty(unseen.Look([A, C], new HashSet<Address> { A }, At(4.9), Timeout));
        Assert.Equal([C], unseen.Look([A, C], new HashSet<Address> { A }, At(5), Timeout));
    }

    [Fact]
    public void A_member_seen_once_starts_from_zero()
    {
        var unseen = new UnseenMembers();
        unseen.Look([C], new HashSet<Address>(), At(0), Timeout);
        unseen.Look([C], new HashSet<Address> { C }, At(3), Timeout);
        Assert.Empty(unseen.Look([C], new HashSet<Address>(), At(6), Timeout));
        Assert.Empty(unseen.Look([C], new HashSet<Address>(), At(10.9), Timeout));
        Assert.Equal([C], unseen.Look([C], new HashSet<Address>(), At(11), Timeout));
    }

    [Fact]
    public void A_member_no_longer_expected_meanwhile_starts_from_zero()
    {
        // Unreachable for a while (not expected): it could not have seen anything then, and that says nothing.
        var unseen = new UnseenMembers();
        unseen.Look([C], new HashSet<Address>(), At(0), Timeout);
        unseen.Look([], new HashSet<Address>(), At(2), Timeout);
        Assert.Empty(unseen.Look([C], new HashSet<Address>(), At(6), Timeout));
        Assert.Equal([C], unseen.Look([C], new HashSet<Address>(), At(11), Timeout));
    }

    [Fact]
    public void A_view_with_a_majority_of_the_seeds_suspects_nothing()
    {
        Assert.Empty(SplitView.EarlierAbsentSeeds([A, B, C], C, new HashSet<Address> { B, C }));
        Assert.Empty(SplitView.EarlierAbsentSeeds([A, B, C], B, new HashSet<Address> { A, B, C }));
    }

    [Fact]
    public void A_minority_view_suspects_only_the_absent_seeds_before_its_own()
    {
        // C alone: A and B come first, either may run the other cluster.
        Assert.Equal([A, B], SplitView.EarlierAbsentSeeds([A, B, C], C, new HashSet<Address> { C }));
        // B alone: only A comes first; C, later in the list, is the one to join B, never the other way round.
        Assert.Equal([A], SplitView.EarlierAbsentSeeds([A, B, C], B, new HashSet<Address> { B }));
        // A alone is the first seed: it never restarts for this.
        Assert.Empty(SplitView.EarlierAbsentSeeds([A, B, C], A, new HashSet<Address> { A }));
    }

    [Fact]
    public void A_node_that_is_no_seed_suspects_every_absent_seed()
    {
        var d = Node(4054);
        Assert.Equal([A, C], SplitView.EarlierAbsentSeeds([A, B, C], d, new HashSet<Address> { B, d }));
    }

    [Fact]
    public void Seeds_listed_twice_count_once()
    {
        Assert.Empty(SplitView.EarlierAbsentSeeds([A, A, B, C], B, new HashSet<Address> { B, C }));
    }
}
