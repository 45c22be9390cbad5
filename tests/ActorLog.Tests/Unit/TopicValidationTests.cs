using ActorLog.Common;
using ActorLog.Metadata;
using Xunit;

namespace ActorLog.Tests.Unit;

public class TopicValidationTests
{
    [Theory]
    [InlineData("orders")]
    [InlineData("a")]
    [InlineData("Orders.v2_eu-west")]
    [InlineData("...")]
    [InlineData("-_.")]
    [InlineData("0123456789")]
    [InlineData("__consumer_offsets")]
    public void Valid_names(string name) => Assert.Null(TopicValidation.ValidateName(name));

    [Fact]
    public void A_name_of_249_characters_is_valid_and_250_is_not()
    {
        Assert.Equal(249, TopicValidation.MaxNameLength);
        Assert.Null(TopicValidation.ValidateName(new string('x', 249)));
        var error = TopicValidation.ValidateName(new string('x', 250));
        Assert.NotNull(error);
        Assert.Equal(ErrorCode.InvalidTopic, error.Code);
        Assert.Contains("250", error.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("with space")]
    [InlineData("slash/inside")]
    [InlineData("colon:")]
    [InlineData("star*")]
    [InlineData("tab\t")]
    [InlineData("ümlaut")]
    [InlineData("emoji😀")]
    [InlineData("١٢٣")] // Arabic-Indic digits: digits, but not ASCII
    public void Invalid_names(string? name)
    {
        var error = TopicValidation.ValidateName(name);
        Assert.NotNull(error);
        Assert.Equal(ErrorCode.InvalidTopic, error.Code);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Invalid_character_is_named_in_the_message()
    {
        var error = TopicValidation.ValidateName("bad#name");
        Assert.NotNull(error);
        Assert.Contains("'#'", error.Message);
    }

    [Fact]
    public void A_valid_create_has_no_error()
    {
        Assert.Null(TopicValidation.ValidateCreate("t", 1, 1, 1, 1));
        Assert.Null(TopicValidation.ValidateCreate("t", 100, 3, 3, 5));
        Assert.Null(TopicValidation.ValidateCreate("t", 3, 3, 2, 3));
    }

    [Theory]
    [InlineData("bad name", 3, 3, 2, 3, ErrorCode.InvalidTopic)]
    [InlineData("..", 3, 3, 2, 3, ErrorCode.InvalidTopic)]
    [InlineData("t", 0, 3, 2, 3, ErrorCode.InvalidPartitions)]
    [InlineData("t", -1, 3, 2, 3, ErrorCode.InvalidPartitions)]
    [InlineData("t", 3, 0, 1, 3, ErrorCode.InvalidReplicationFactor)]
    [InlineData("t", 3, -2, 1, 3, ErrorCode.InvalidReplicationFactor)]
    [InlineData("t", 3, 4, 2, 3, ErrorCode.InvalidReplicationFactor)] // more than the live brokers
    [InlineData("t", 3, 1, 1, 0, ErrorCode.InvalidReplicationFactor)]
    [InlineData("t", 3, 3, 0, 3, ErrorCode.InvalidConfig)]
    [InlineData("t", 3, 3, 4, 5, ErrorCode.InvalidConfig)]            // min.insync above RF
    [InlineData("t", 3, 2, -1, 3, ErrorCode.InvalidConfig)]
    public void Invalid_creates(string name, int partitions, int rf, int minIsr, int liveBrokers, ErrorCode expected)
    {
        var error = TopicValidation.ValidateCreate(name, partitions, rf, minIsr, liveBrokers);
        Assert.NotNull(error);
        Assert.Equal(expected, error.Code);
    }

    [Fact]
    public void Replication_factor_above_live_brokers_names_both_numbers()
    {
        var error = TopicValidation.ValidateCreate("t", 1, 5, 1, 2);
        Assert.NotNull(error);
        Assert.Contains("5", error.Message);
        Assert.Contains("2", error.Message);
    }

    [Fact]
    public void The_name_is_checked_before_the_numbers()
    {
        Assert.Equal(ErrorCode.InvalidTopic, TopicValidation.ValidateCreate("", 0, 0, 0, 0)!.Code);
        Assert.Equal(ErrorCode.InvalidPartitions, TopicValidation.ValidateCreate("t", 0, 0, 0, 0)!.Code);
    }

    private static TopicMetadata Topic(int partitions, int rf) => new("t", new TopicConfig(1, 1024, false),
        ReplicaAssigner.Assign(partitions, rf, new[] { 1, 2, 3, 4, 5 }.Take(Math.Max(rf, 3)).ToList(), 0));

    [Theory]
    [InlineData(3, 3, 4, 3)]
    [InlineData(1, 1, 100, 1)]
    [InlineData(2, 3, 4, 5)]
    public void Growing_is_allowed(int partitions, int rf, int total, int liveBrokers) =>
        Assert.Null(TopicValidation.ValidateAddPartitions(Topic(partitions, rf), total, liveBrokers));

    [Fact]
    public void Shrinking_is_refused_saying_the_count_can_only_grow()
    {
        var error = TopicValidation.ValidateAddPartitions(Topic(3, 3), 2, 3);
        Assert.NotNull(error);
        Assert.Equal(ErrorCode.InvalidPartitions, error.Code);
        Assert.Equal("topic t has 3 partitions; it can only grow, asked for 2", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Zero_or_negative_totals_are_shrinking_too(int total) =>
        Assert.Equal(ErrorCode.InvalidPartitions, TopicValidation.ValidateAddPartitions(Topic(3, 3), total, 3)!.Code);

    [Fact]
    public void The_same_count_is_refused_as_adding_nothing()
    {
        var error = TopicValidation.ValidateAddPartitions(Topic(3, 3), 3, 3);
        Assert.NotNull(error);
        Assert.Equal(ErrorCode.InvalidPartitions, error.Code);
        Assert.Contains("already has 3 partitions", error.Message);
    }

    [Fact]
    public void New_partitions_need_as_many_live_brokers_as_the_replication_factor()
    {
        var error = TopicValidation.ValidateAddPartitions(Topic(2, 3), 4, 2);
        Assert.NotNull(error);
        Assert.Equal(ErrorCode.InvalidReplicationFactor, error.Code);
        Assert.Contains("replication factor 3", error.Message);
        Assert.Contains("2 are live", error.Message);
    }

    [Theory]
    [InlineData(null, null, true)]
    [InlineData(-1L, -1L, true)]
    [InlineData(0L, 0L, true)]
    [InlineData(604_800_000L, 1_073_741_824L, true)]
    [InlineData(-2L, null, false)]
    [InlineData(null, -2L, false)]
    public void Retention_is_minus_one_or_zero_and_above(long? retentionMs, long? retentionBytes, bool valid)
    {
        var error = TopicValidation.ValidateRetention(retentionMs, retentionBytes);
        Assert.Equal(valid, error is null);
        if (error is not null)
        {
            Assert.Equal(ActorLog.Common.ErrorCode.InvalidConfig, error.Code);
            Assert.Contains(retentionMs < -1 ? "retention.ms" : "retention.bytes", error.Message);
        }
    }
}
