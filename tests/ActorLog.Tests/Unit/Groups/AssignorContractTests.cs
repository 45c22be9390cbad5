using ActorLog.Groups.Assignment;
using Xunit;
using static ActorLog.Tests.Unit.Groups.AssignmentChecks;

namespace ActorLog.Tests.Unit.Groups;

/// <summary>What every assignor promises, checked over many random groups.</summary>
public class AssignorContractTests
{
    public static TheoryData<string> Names => new(Assignors.Names);

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_partition_goes_to_exactly_one_subscribed_member(string name)
    {
        var assignor = Assignors.ByName(name);
        foreach (var identical in new[] { false, true })
            foreach (var c in AssignmentCases.Generate(seed: 11, identical))
                AssertValid(c.Input, assignor.Assign(c.Input));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_order_of_the_input_does_not_change_the_result(string name)
    {
        var assignor = Assignors.ByName(name);
        var rng = new Random(12);
        foreach (var identical in new[] { false, true })
            foreach (var c in AssignmentCases.Generate(seed: 13, identical))
            {
                var expected = assignor.Assign(c.Input);
                for (var i = 0; i < 3; i++)
                {
                    var actual = assignor.Assign(Shuffled(c.Input, rng));
                    Assert.True(expected == actual, $"{expected}\n!=\n{actual}");
                }
            }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Members_with_nothing_to_own_get_an_empty_set(string name)
    {
        var input = new AssignmentInput(
            [Member("busy", "orders"), Member("unsubscribed"), Member("waiting", "not-created-yet"), Member("idle", "empty")],
            Topics(("orders", 2), ("empty", 0)));
        var result = Assignors.ByName(name).Assign(input);
        Assert.Equal(["busy", "idle", "unsubscribed", "waiting"], result.Members.Keys);
        Assert.Equal(2, result.Of("busy").Count);
        Assert.Empty(result.Of("idle"));
        Assert.Empty(result.Of("unsubscribed"));
        Assert.Empty(result.Of("waiting"));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void An_empty_group_gets_an_empty_assignment(string name)
    {
        var result = Assignors.ByName(name).Assign(new AssignmentInput([], Topics(("orders", 3)), Parse("gone: ordersp0")));
        Assert.Equal(GroupAssignment.Empty, result);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_member_id_listed_twice_is_refused(string name)
    {
        var input = new AssignmentInput([Member("c0", "t"), Member("c0", "t")], Topics(("t", 1)));
        var e = Assert.Throws<ArgumentException>(() => Assignors.ByName(name).Assign(input));
        Assert.Contains("[c0] appears twice", e.Message);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_negative_partition_count_is_refused(string name)
    {
        var input = new AssignmentInput([Member("c0", "t")], Topics(("t", -1)));
        var e = Assert.Throws<ArgumentException>(() => Assignors.ByName(name).Assign(input));
        Assert.Contains("[t] has a negative partition count", e.Message);
    }
}
