namespace ActorLog.Common;

/// <summary>
/// Errors a caller can cause or must react to; the names follow Kafka's error codes so Kafka users
/// recognise them. <see cref="IsRetriable"/> tells the client which ones to retry after a metadata refresh.
/// </summary>
public enum ErrorCode : short
{
    None = 0,
    UnknownTopicOrPartition = 3,
    LeaderNotAvailable = 5,
    NotLeaderOrFollower = 6,
    RequestTimedOut = 7,
    RecordTooLarge = 10,
    InvalidTopic = 17,
    RecordListTooLarge = 18,
    NotEnoughReplicas = 19,
    NotEnoughReplicasAfterAppend = 20,
    InvalidRequiredAcks = 21,
    FencedLeaderEpoch = 74,
    TopicAlreadyExists = 36,
    InvalidPartitions = 37,
    InvalidReplicationFactor = 38,
    InvalidConfig = 40,
    NotController = 41,
    OffsetOutOfRange = 1,
    OutOfOrderSequenceNumber = 45,

    /// <summary>
    /// The leader's log holds no batch of this producer, yet the batch is not its first: the log lost them (the
    /// topic was deleted and created again, or an unclean or acks=1 failover). The client starts a new producer.
    /// </summary>
    UnknownProducerId = 59,
    BrokerNotAvailable = 8,

    /// <summary>A replica could not read its journal (a fetch of data older than its tail cache); retriable, as in Kafka.</summary>
    KafkaStorageError = 56,
    UnknownServerError = -1,

    // Consumer groups (Kafka's codes where Kafka has one).
    CoordinatorLoadInProgress = 14,
    CoordinatorNotAvailable = 15,
    NotCoordinator = 16,
    InconsistentGroupProtocol = 23,
    InvalidGroupId = 24,
    UnknownMemberId = 25,
    InvalidSessionTimeout = 26,
    InvalidRequest = 42,
    NonEmptyGroup = 68,
    GroupIdNotFound = 69,
    FencedMemberEpoch = 110,
    UnsupportedAssignor = 112,
    StaleMemberEpoch = 113,

    /// <summary>ActorLog's own: a commit for a partition the member is not assigned (Kafka has no code for it).</summary>
    PartitionNotOwned = 1001,

    /// <summary>ActorLog's own: the group has no committed offset for a partition and auto.offset.reset is none.</summary>
    NoCommittedOffset = 1002,
}

public static class ErrorCodes
{
    public static bool IsRetriable(this ErrorCode code) => code is
        ErrorCode.LeaderNotAvailable or ErrorCode.NotLeaderOrFollower or ErrorCode.RequestTimedOut
        or ErrorCode.NotEnoughReplicas or ErrorCode.NotEnoughReplicasAfterAppend or ErrorCode.FencedLeaderEpoch
        or ErrorCode.NotController or ErrorCode.BrokerNotAvailable or ErrorCode.UnknownTopicOrPartition
        or ErrorCode.OutOfOrderSequenceNumber or ErrorCode.UnknownProducerId or ErrorCode.KafkaStorageError
        or ErrorCode.CoordinatorLoadInProgress or ErrorCode.CoordinatorNotAvailable or ErrorCode.NotCoordinator;
}

/// <summary>An error answer: the code a program reacts to, and a message a person can act on.</summary>
public sealed record ErrorInfo(ErrorCode Code, string Message)
{
    public override string ToString() => $"{Code}: {Message}";
}

/// <summary>Thrown by the client API for an error answer from a broker.</summary>
public sealed class ActorLogException(ErrorCode code, string message) : Exception(message)
{
    public ErrorCode Code { get; } = code;

    public ActorLogException(ErrorInfo error) : this(error.Code, error.Message) { }
}
