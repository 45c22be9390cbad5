using ActorLog.Groups.Assignment;
using Xunit;
using static ActorLog.Tests.Unit.Groups.AssignmentChecks;

namespace ActorLog.Tests.Unit.Groups;

public class StickyAssignorTests
{
    private static readonly IPartitionAssignor Sticky = Assignors.Sticky;

    [Fact]
    public void Kafka_documented_example_a_member_leaves()
    {
        // StickyAssignor javadoc, example 1: four topics of two partitions, three members subscribed to all.
        var members = new[] { Member("C0", "t0", "t1", "t2", "t3"), Member("C1", "t0", "t1", "t2", "t3"), Member("C2", "t0", "t1", "t2", "t3") };
        var topics = Topics(("t0", 2), ("t1", 2), ("t2", 2), ("t3", 2));
        var first = Sticky.Assign(new AssignmentInput(members, topics));
        Assert.Equal(Parse("C0: t0p0 t1p1 t3p0; C1: t0p1 t2p0 t3p1; C2: t1p0 t2p1"), first);

        // C1 leaves: C0 and C2 keep theirs and share C1's three, where round robin would reshuffle everything.
        var second = Sticky.Assign(new AssignmentInput([members[0], members[2]], topics, first));
        Assert.Equal(Parse("C0: t0p0 t1p1 t2p0 t3p0; C2: t0p1 t1p0 t2p1 t3p1"), second);
    }

    [Fact]
    public void Kafka_documented_example_with_different_subscriptions()
    {
        // StickyAssignor javadoc, example 2: t0, t1, t2 have 1, 2, 3 partitions; C0 reads t0, C1 t0-t1, C2 t0-t2.
        var members = new[] { Member("C0", "t0"), Member("C1", "t0", "t1"), Member("C2", "t0", "t1", "t2") };
        var topics = Topics(("t0", 1), ("t1", 2), ("t2", 3));
        var first = Sticky.Assign(new AssignmentInput(members, topics));
        Assert.Equal(Parse("C0: t0p0; C1: t1p0 t1p1; C2: t2p0 t2p1 t2p2"), first);

        var second = Sticky.Assign(new AssignmentInput([members[1], members[2]], topics, first));
        Assert.Equal(Parse("C1: t0p0 t1p0 t1p1; C2: t2p0 t2p1 t2p2"), second);
    }

    [Fact]
    public void A_member_over_its_quota_gives_up_only_the_excess()
    {
        var members = new[] { Member("c0", "t"), Member("c1", "t"), Member("c2", "t") };
        var current = Parse("c0: tp0 tp1 tp2 tp3 tp4 tp5 tp6");
        var result = Sticky.Assign(new AssignmentInput(members, Topics(("t", 7)), current));
        // 7 over 3 is 3 + 2 + 2: c0 keeps three of its own (the lowest), the newcomers share the other four.
        Assert.Equal(Parse("c0: tp0 tp1 tp2; c1: tp4 tp6; c2: tp3 tp5"), result);
    }

    [Fact]
    public void Balance_comes_before_stickiness_when_a_member_drops_a_topic()
    {
        var topics = Topics(("a", 2), ("b", 2));
        var before = Sticky.Assign(new AssignmentInput([Member("x", "a", "b"), Member("y", "a", "b")], topics));
        Assert.Equal(Parse("x: ap0 bp0; y: ap1 bp1"), before);
        // y drops b: bp1 can only go to x, which then holds three against one, so x hands ap0 to y.
        var after = Sticky.Assign(new AssignmentInput([Member("x", "a", "b"), Member("y", "a")], topics, before));
        Assert.Equal(Parse("x: bp0 bp1; y: ap0 ap1"), after);
    }

    [Fact]
    public void Balancing_hands_over_newly_placed_partitions_before_owned_ones()
    {
        // a/2 is placed on g (tied with r, first by id), then b/0 and b/1, which only g reads, leave g at four
        // against one. g hands over a/2, which it never consumed, rather than a/0, which it would have to revoke.
        var members = new[] { Member("g", "a", "b"), Member("r", "a") };
        var result = Sticky.Assign(new AssignmentInput(members, Topics(("a", 3), ("b", 2)), Parse("g: ap0; r: ap1")));
        Assert.Equal(Parse("g: ap0 bp0 bp1; r: ap1 ap2"), result);
    }

    [Fact]
    public void A_partition_claimed_twice_stays_with_the_first_member_by_id()
    {
        var members = new[] { Member("b", "t"), Member("a", "t") };
        var result = Sticky.Assign(new AssignmentInput(members, Topics(("t", 2)), Parse("a: tp0; b: tp0 tp1")));
        Assert.Equal(Parse("a: tp0; b: tp1"), result);
    }

    [Fact]
    public void With_identical_subscriptions_totals_differ_by_at_most_one()
    {
        foreach (var c in AssignmentCases.Generate(seed: 41, identicalSubscriptions: true))
        {
            var result = Sticky.Assign(c.Input);
            var (min, max) = LoadRange(result);
            Assert.True(max - min <= 1, result.ToString());
        }
    }

    /// <summary>
    /// The exact bound, for identical subscriptions and any current assignment. A balanced result gives each of
    /// M members floor = P / M or floor + 1 partitions, with r = P mod M of them at floor + 1. Member i, currently
    /// owning c_i partitions it may keep, keeps at most min(c_i, its target); the most kept overall is
    /// Σ min(c_i, floor) + min(r, #{i : c_i > floor}) (the extra slots go to members that can fill them). So at
    /// least Σ c_i minus that must move, and the assignor must move exactly that many.
    /// </summary>
    [Fact]
    public void With_identical_subscriptions_it_moves_the_fewest_partitions_balance_allows()
    {
        foreach (var c in AssignmentCases.Generate(seed: 42, identicalSubscriptions: true))
        {
            var input = c.Input;
            var m = input.Members.Count;
            if (m == 0) continue;
            var p = AssignablePartitions(input).Count;
            var (floor, extra) = (p / m, p % m);
            var keepable = input.Members
                .Select(member => input.Current.Of(member.MemberId).Count(tp => MayOwn(input, member.MemberId, tp)))
                .ToArray();
            var mostKept = keepable.Sum(k => Math.Min(k, floor)) + Math.Min(extra, keepable.Count(k => k > floor));
            var result = Sticky.Assign(input);
            Assert.Equal(keepable.Sum() - mostKept, Moved(input, result));
        }
    }

    [Fact]
    public void A_stable_group_reassigns_nothing()
    {
        foreach (var identical in new[] { false, true })
            foreach (var c in AssignmentCases.Generate(seed: 43, identical))
            {
                var target = Sticky.Assign(c.Input);
                Assert.Equal(target, Sticky.Assign(c.Input with { Current = target }));
            }
    }

    /// <summary>
    /// Adding a member to a balanced group of M moves partitions only to the newcomer, and only its share:
    /// floor(P / (M + 1)) or one more. Nothing moves between members that were already there.
    /// </summary>
    [Fact]
    public void A_joining_member_takes_its_share_and_nothing_else_moves()
    {
        var rng = new Random(44);
        foreach (var c in AssignmentCases.Generate(seed: 45, identicalSubscriptions: true))
        {
            if (c.Input.Members.Count == 0) continue; // the newcomer takes everything, and nothing moves
            var before = Sticky.Assign(c.Input);
            var newcomer = NewId(rng, c.Input);
            var input = c.Input with { Members = [.. c.Input.Members, Member(newcomer, [.. c.SharedSubscription!])], Current = before };
            var after = Sticky.Assign(input);

            foreach (var member in c.Input.Members)
                Assert.Subset(before.Of(member.MemberId), after.Of(member.MemberId));
            var gained = after.Of(newcomer).Count;
            Assert.Equal(gained, Moved(input, after));
            var p = AssignablePartitions(input).Count;
            var m = input.Members.Count;
            Assert.InRange(gained, p / m, (p + m - 1) / m);
        }
    }

    [Fact]
    public void When_a_member_leaves_the_others_keep_all_they_had()
    {
        var rng = new Random(46);
        foreach (var c in AssignmentCases.Generate(seed: 47, identicalSubscriptions: true))
        {
            if (c.Input.Members.Count < 2) continue;
            var before = Sticky.Assign(c.Input);
            var leaving = c.Input.Members[rng.Next(c.Input.Members.Count)].MemberId;
            var input = c.Input with { Members = c.Input.Members.Where(m => m.MemberId != leaving).ToArray(), Current = before };
            var after = Sticky.Assign(input);

            AssertValid(input, after);
            foreach (var member in input.Members)
                Assert.Subset(after.Of(member.MemberId), before.Of(member.MemberId));
            var (min, max) = LoadRange(after);
            Assert.True(max - min <= 1, after.ToString());
        }
    }

    /// <summary>
    /// With different subscriptions perfect balance may be impossible; what the assignor promises is that no
    /// single move helps: no member holds a partition that a member with two fewer partitions could take.
    /// </summary>
    [Fact]
    public void With_different_subscriptions_no_single_move_improves_balance()
    {
        foreach (var c in AssignmentCases.Generate(seed: 48, identicalSubscriptions: false))
        {
            var result = Sticky.Assign(c.Input);
            foreach (var (giver, partitions) in result.Members)
                foreach (var partition in partitions)
                    foreach (var receiver in result.Members.Keys.Where(r => MayOwn(c.Input, r, partition)))
                        Assert.True(result.Of(receiver).Count >= partitions.Count - 1,
                            $"{partition} could move from {giver} to {receiver}: {result}");
        }
    }

    private static string NewId(Random rng, AssignmentInput input)
    {
        while (true)
        {
            var id = AssignmentCases.NewMemberId(rng);
            if (input.Members.All(m => m.MemberId != id)) return id;
        }
    }
}
