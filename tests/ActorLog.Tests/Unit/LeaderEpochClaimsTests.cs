using ActorLog.Metadata;
using ActorLog.Replication;
using Xunit;

namespace ActorLog.Tests.Unit;

public class LeaderEpochClaimsTests
{
    private const long Incarnation = 4242;

    private static PartitionMetadata P(int leader, int epoch) => new(0, leader, epoch, new[] { 1, 2, 3 }, new[] { 1, 2, 3 });

    [Fact]
    public void The_leaders_first_instance_in_the_incarnation_that_was_granted_the_epoch_keeps_it()
    {
        Assert.False(LeaderEpochClaims.NeedsNewEpoch(P(2, 5), 2, Incarnation, restarted: false, (5, Incarnation)));
    }

    [Fact]
    public void A_leader_that_may_have_led_this_epoch_before_gets_a_new_one()
    {
        // Another incarnation of the broker was given the epoch (the process restarted).
        Assert.True(LeaderEpochClaims.NeedsNewEpoch(P(2, 5), 2, Incarnation, restarted: false, (5, Incarnation + 1)));
        // The replica ran before in this process (its journal failed and it was restarted).
        Assert.True(LeaderEpochClaims.NeedsNewEpoch(P(2, 5), 2, Incarnation, restarted: true, (5, Incarnation)));
        // This controller did not grant the epoch (it took over since) or granted an older one.
        Assert.True(LeaderEpochClaims.NeedsNewEpoch(P(2, 5), 2, Incarnation, restarted: false, null));
        Assert.True(LeaderEpochClaims.NeedsNewEpoch(P(2, 5), 2, Incarnation, restarted: false, (4, Incarnation)));
    }

    [Fact]
    public void A_claimer_that_does_not_lead_changes_nothing()
    {
        Assert.False(LeaderEpochClaims.NeedsNewEpoch(P(1, 5), 2, Incarnation, restarted: true, null));
        Assert.False(LeaderEpochClaims.NeedsNewEpoch(P(-1, 5), 2, Incarnation, restarted: true, null));
    }

    [Fact]
    public void An_instance_leads_only_at_epochs_given_after_its_claim()
    {
        // Answered as leader: that epoch (new, or granted to this incarnation) and later ones.
        Assert.Equal(6, LeaderEpochClaims.LeadableFrom(P(2, 6), 2));
        // Answered as someone else's partition: only epochs assigned from then on.
        Assert.Equal(7, LeaderEpochClaims.LeadableFrom(P(3, 6), 2));
        Assert.Equal(7, LeaderEpochClaims.LeadableFrom(P(-1, 6), 2));
    }
}
